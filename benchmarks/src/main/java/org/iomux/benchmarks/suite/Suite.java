package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The benchmark suite: every part in one run, so that each figure has its reference (C, the JDK,
 * Netty) measured beside it on the same machine at the same time; then one report.
 *
 * <pre>
 * benchmarks/run [--full | --smoke] [--only PART,...] [--out DIR]
 * benchmarks/run --report DIR        (rewrite DIR/results.md and the charts from DIR/results.csv)
 * </pre>
 *
 * Writes into the results folder (default {@code benchmarks/results/quick} or {@code .../full}):
 * {@code results.csv} (every figure), {@code jmh-*.json} (JMH's own output), {@code results.md}
 * (the tables) and {@code *.svg} (the charts).
 */
public final class Suite {
    /** Every part, in the order they run: the quick, in-process ones first. */
    static List<Part> parts() {
        return List.of(new BindingPart(), new ScalingPart(), new AllocationPart(), new MutexPart(), new EchoPart(),
                new MemoryPart());
    }

    public static void main(String[] args) throws Exception {
        Settings.Mode mode = Settings.Mode.QUICK;
        Path out = null;
        Path report = null;
        Path c = Path.of(System.getProperty("iomux.bench.c", "benchmarks/target/c"));
        Path examples = Path.of(System.getProperty("iomux.examples.jar", "examples/target/iomux-examples.jar"));
        Set<String> only = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--full" -> mode = Settings.Mode.FULL;
                case "--quick" -> mode = Settings.Mode.QUICK;
                case "--smoke" -> mode = Settings.Mode.SMOKE;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only.addAll(Arrays.asList(args[++i].split(",")));
                case "--report" -> report = Path.of(args[++i]);
                case "--help", "-h" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        List<String> names = parts().stream().map(Part::name).toList();
        if (!names.containsAll(only)) {
            System.err.println("--only takes parts among " + names);
            System.exit(2);
        }
        if (report != null) {
            writeReport(report, Results.read(report.resolve("results.csv")), null);
            return;
        }
        if (out == null) {
            out = Path.of("benchmarks", "results", mode.name().toLowerCase());
        }
        Files.createDirectories(out);
        Files.deleteIfExists(out.resolve("results.csv"));
        Settings settings = new Settings(mode, out, c, examples, only);
        Results results = new Results(out.resolve("results.csv"));
        Instant start = Instant.now();
        for (Part part : parts()) {
            if (settings.runs(part.name())) {
                Instant t0 = Instant.now();
                System.out.println("== " + part.name());
                part.run(settings, results);
                System.out.println("== " + part.name() + " done in " + Duration.between(t0, Instant.now()).toSeconds() + " s");
            }
        }
        String command = "benchmarks/run" + (args.length == 0 ? "" : " " + String.join(" ", args));
        writeReport(out, results, new Header(command, start, Instant.now()));
        System.out.println("results in " + out.toAbsolutePath() + " (results.md, results.csv, *.svg, jmh-*.json)");
    }

    record Header(String command, Instant start, Instant end) {}

    static void writeReport(Path folder, Results results, Header header) throws Exception {
        Report r = new Report(folder);
        r.paragraph("# iomux benchmarks");
        if (header != null) {
            r.paragraph("Made by `" + header.command() + "` on " + DateTimeFormatter.ISO_LOCAL_DATE_TIME
                    .format(header.start().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC in "
                    + Duration.between(header.start(), header.end()).toSeconds() + " s, on " + Machine.describe()
                    + ". Every figure in a table was measured in this one run, beside its reference.");
            Files.writeString(folder.resolve("machine.txt"), Machine.describe() + "\n");
        } else if (Files.exists(folder.resolve("machine.txt"))) {
            r.paragraph("On " + Files.readString(folder.resolve("machine.txt")).trim() + ".");
        }
        Set<String> measured = new LinkedHashSet<>();
        for (Row row : results.rows()) {
            measured.add(row.section());
        }
        for (Part part : parts()) {
            if (measured.contains(part.name())) {
                part.report(results, r);
            }
        }
        Files.writeString(folder.resolve("results.md"), r.markdown());
    }

    private static void usage() {
        System.out.println("usage: benchmarks/run [--full | --smoke] [--only PART,...] [--out DIR]\n"
                + "       benchmarks/run --report DIR\n"
                + "parts: " + parts().stream().map(Part::name).toList());
    }

    /** What the report says of the machine: CPU, cores, kernel, JVM. */
    static final class Machine {
        static String describe() {
            String cpu = "unknown CPU";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            } catch (IOException ignored) {
                // not Linux: the suite does not run there anyway
            }
            String kernel = System.getProperty("os.version");
            return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, Linux " + kernel + ", "
                    + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        }
    }
}
