package org.iomux.benchmarks.suite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/**
 * Binding overhead: ns per call of {@code epoll_wait} (timeout 0, empty set) and of a no-op native
 * call, for each backend (JMH, {@code BindingOverhead}), against the same calls from C in a loop,
 * in a single-threaded process and in one with an extra idle thread ({@code binding_floor}). A JVM
 * is multi-threaded, and the kernel's system calls are cheaper for a single-threaded process, so
 * the ratios are taken against C with 2 threads.
 */
public final class BindingPart implements Part {
    static final String[] BACKENDS = {"jni", "jnr", "jna"};
    /** JMH method, C program argument, label. */
    private static final String[][] CALLS = {
        {"epollWait", "epoll_wait", "epoll_wait(0), typed API"},
        {"epollWaitBackend", null, "epoll_wait(0), backend only"},
        {"noop", "noop", "no-op call (SIGRTMIN)"},
    };

    @Override
    public String name() {
        return "binding";
    }

    @Override
    public void run(Settings s, Results results) throws Exception {
        for (String[] call : CALLS) {
            if (call[1] == null) {
                continue;
            }
            for (String threads : new String[] {"1", "2"}) {
                long calls = s.pick(1_000L, call[1].equals("noop") ? 50_000_000L : 2_000_000L,
                        call[1].equals("noop") ? 200_000_000L : 10_000_000L);
                String out = Processes.output(List.of(s.cProgram("binding_floor").toString(), call[1], threads,
                        Long.toString(calls)), Duration.ofMinutes(5));
                double mean = Double.parseDouble(out.trim().split("\\s+")[0]);
                results.add(Row.of(name(), call[0], Row.NO_BACKEND, "C " + threads + " thread" + (threads.equals("1") ? "" : "s"),
                        "time", mean, "ns/op"));
            }
        }
        for (RunResult r : Jmh.run(s, "binding", "\\.BindingOverhead\\.", Map.of("backend", BACKENDS), null)) {
            results.add(Jmh.row(name(), Jmh.method(r), Jmh.param(r, "backend"), "java", "time", r));
        }
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        report.heading("Binding overhead");
        report.paragraph("ns per call (lower is better); the ratio is to the same call made from C in a process "
                + "with 2 threads, since a JVM always has several. Targets: `jni` epoll_wait within 1.10x, "
                + "`jnr` within 1.30x.");
        List<String> header = new ArrayList<>(List.of("call", "C, 1 thread", "C, 2 threads"));
        for (String b : BACKENDS) {
            header.add(b);
        }
        for (String b : BACKENDS) {
            header.add(b + " / C");
        }
        List<List<String>> rows = new ArrayList<>();
        List<Svg.Bar> bars = new ArrayList<>();
        for (String[] call : CALLS) {
            String cKey = call[1] == null ? "epollWait" : call[0];
            double c1 = results.value(name(), cKey, Row.NO_BACKEND, "C 1 thread", "time").orElse(Double.NaN);
            double c2 = results.value(name(), cKey, Row.NO_BACKEND, "C 2 threads", "time").orElse(Double.NaN);
            List<String> row = new ArrayList<>(List.of(call[2], Report.fmt(c1), Report.fmt(c2)));
            List<String> ratios = new ArrayList<>();
            if (call[1] != null) {
                bars.add(new Svg.Bar(call[2] + ", C 2 threads", c2, ""));
            }
            for (String b : BACKENDS) {
                double v = results.value(name(), call[0], b, "java", "time").orElse(Double.NaN);
                row.add(Report.fmt(v));
                ratios.add(Report.ratio(v / c2));
                bars.add(new Svg.Bar(call[2] + ", " + b, v, Report.ratio(v / c2)));
            }
            row.addAll(ratios);
            rows.add(row);
        }
        report.table(header, rows);
        report.chart("binding.svg", "binding overhead", Svg.barChart("Binding overhead: ns per call (ratio to C, 2 threads)", "ns", bars));
    }
}
