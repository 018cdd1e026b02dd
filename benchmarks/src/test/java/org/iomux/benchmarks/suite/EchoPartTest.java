package org.iomux.benchmarks.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The echo part's bookkeeping (rounds, validity, the target's verdict) and the Server helper, without servers. */
class EchoPartTest {
    private static EchoPart.Measurement run(double cpuPerMsg, double c) {
        return new EchoPart.Measurement(0, 1_000_000, 1, 1, 1, cpuPerMsg, 0, 0, c);
    }

    @Test
    void theMedianRoundIsTheOneWithTheMedianEfficiency() {
        // CPU per message alone would pick the 5.0 round; paired with its C run, the 4.8 round is the median
        List<EchoPart.Measurement> rounds = List.of(run(5.0, 5.5), run(4.8, 4.6), run(4.0, 3.0));
        assertEquals(4.8, EchoPart.median(rounds).cpuPerMsgUs(), 1e-9);
        EchoPart.Measurement failed = EchoPart.Measurement.failed(1);
        assertEquals(failed, EchoPart.median(List.of(run(5.0, 5.0), failed, run(4.0, 4.0))));
    }

    @Test
    void invalidRunsAreReportedAndTheTargetIsJudgedOnEfficiencies(@TempDir Path dir) throws Exception {
        Results results = new Results(null);
        String p = EchoPart.TARGET.params();
        add(results, EchoPart.C, Row.NO_BACKEND, p, run(5.0, 5.0));
        add(results, EchoPart.EPOLL, "jni", p, run(5.1, 5.0)); // 0.98: within 1/0.95
        add(results, EchoPart.JDK, Row.NO_BACKEND, p, run(5.6, 5.2));
        add(results, EchoPart.NETTY, Row.NO_BACKEND, p, run(5.2, 4.9));
        add(results, "poll-echo", "jni", p, new EchoPart.Measurement(1, 10, 1, 1, 1, 0.1, 3, 0, 5.0));
        Report report = new Report(dir);
        new EchoPart().report(results, report);
        String md = report.markdown();
        assertTrue(md.contains("**met**"), md);
        assertTrue(md.contains("INVALID: echo-load exit 1 (3 errors, 0 mismatches)"), md);

        Results slower = new Results(null);
        add(slower, EchoPart.C, Row.NO_BACKEND, p, run(5.0, 5.0));
        add(slower, EchoPart.EPOLL, "jni", p, run(5.5, 5.0)); // 0.91
        add(slower, EchoPart.JDK, Row.NO_BACKEND, p, run(5.6, 5.0));
        add(slower, EchoPart.NETTY, Row.NO_BACKEND, p, run(5.4, 5.0));
        Report r2 = new Report(dir);
        new EchoPart().report(slower, r2);
        assertTrue(r2.markdown().contains("**not met** (efficiency below 0.95; not below Netty)"), r2.markdown());
    }

    private static void add(Results results, String subject, String backend, String params, EchoPart.Measurement m) {
        double[] v = m.values();
        for (int i = 0; i < EchoPart.METRICS.length; i++) {
            results.add(Row.of("echo", subject, backend, params, EchoPart.METRICS[i], v[i], EchoPart.UNITS[i]));
        }
    }

    @Test
    void aServerThatExitsIsReportedWithItsLog(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> Server.start("broken",
                List.of("sh", "-c", "echo cannot bind; exit 3"), dir.resolve("broken.log"), Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot bind"), e.getMessage());
    }

    @Test
    void cpuTimeCountsTheServerAndItsChildren(@TempDir Path dir) throws Exception {
        // a shell whose child spins: the CPU is the child's, read through the parent's family
        try (Server s = Server.start("spinner", List.of("sh", "-c", "echo listening on 127.0.0.1:1; "
                + "sh -c 'while :; do :; done' & wait"), dir.resolve("spinner.log"), Duration.ofSeconds(10))) {
            double before = s.cpuSeconds();
            Thread.sleep(300);
            double used = s.cpuSeconds() - before;
            assertTrue(used > 0.05 && used < 1.0, "CPU seconds in 300 ms: " + used);
        }
    }

    @Test
    void aServerIsReadyAtItsLineAndStopsOnClose(@TempDir Path dir) throws Exception {
        Server s = Server.start("sleeper", List.of("sh", "-c", "echo listening on 127.0.0.1:1; exec sleep 60"),
                dir.resolve("sleeper.log"), Duration.ofSeconds(10));
        try (s) {
            assertTrue(s.isAlive());
            assertTrue(s.cpuSeconds() >= 0);
            assertTrue(s.residentBytes() > 0);
            assertTrue(s.openDescriptors() >= 3);
        }
        assertFalse(s.isAlive());
    }
}
