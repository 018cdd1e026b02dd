package org.iomux.benchmarks.suite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every part of the benchmark suite, run once as briefly as it can ({@link Settings.Mode#SMOKE}: JMH
 * in this JVM, one 50 ms iteration, the smallest loads), so that no benchmark can rot unnoticed.
 * It checks that each part measures something and reports it, never how fast anything is.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SmokeTest {

    static Stream<String> parts() {
        return Suite.parts().stream().map(Part::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parts")
    void runsAndReports(String part, @TempDir Path out) throws Exception {
        Settings settings = new Settings(Settings.Mode.SMOKE, out,
                Path.of(System.getProperty("iomux.bench.c")), Path.of(System.getProperty("iomux.examples.jar")),
                Set.of(part));
        Results results = new Results(out.resolve("results.csv"));
        Part p = Suite.parts().stream().filter(x -> x.name().equals(part)).findFirst().orElseThrow();
        p.run(settings, results);

        List<Row> rows = results.rows();
        assertFalse(rows.isEmpty(), part + " measured nothing");
        for (Row r : rows) {
            assertTrue(r.section().equals(part), "row of another section: " + r);
            assertTrue(Double.isFinite(r.value()) && r.value() >= 0, "not a measurement: " + r);
        }
        assertTrue(Results.read(out.resolve("results.csv")).rows().equals(rows), "results.csv holds what was measured");
        Suite.writeReport(out, results, null);
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("## "), "no section in the report:\n" + md);
        assertFalse(md.contains("| n/a |"), "a cell of the report has no figure:\n" + md);
    }
}
