package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Programs the suite runs to completion (the C references, load generators). */
public final class Processes {
    private Processes() {}

    /** How a program ended: its exit status ({@link #TIMED_OUT} if it was killed) and standard output. */
    public record Outcome(int exit, String stdout) {
        /** The status of a program killed for running past its time, as timeout(1) reports it. */
        public static final int TIMED_OUT = 124;
    }

    /**
     * Runs {@code command} and returns its standard output; standard error goes to the suite's.
     *
     * @throws IOException if it does not end within {@code timeout} (it is killed) or exits non-zero
     */
    public static String output(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Outcome o = run(command, timeout);
        if (o.exit() == Outcome.TIMED_OUT) {
            throw new IOException(String.join(" ", command) + ": still running after " + timeout.toSeconds() + " s");
        }
        if (o.exit() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + o.exit() + "\n" + o.stdout());
        }
        return o.stdout();
    }

    /**
     * Runs {@code command} to its end, or kills it after {@code timeout}; standard error goes to the
     * suite's. For programs whose failure is a result to report (a load checker's exit status), not an
     * error of the suite.
     */
    public static Outcome run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("iomux-bench", ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                return new Outcome(Outcome.TIMED_OUT, Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * {@code command} pinned to one CPU with taskset(1), so that a server and its load generator do not
     * share a core (or migrate onto each other's); unchanged where the machine has fewer CPUs than that.
     */
    public static List<String> onCpu(int cpu, List<String> command) {
        if (cpu >= Runtime.getRuntime().availableProcessors()) {
            return command;
        }
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", Integer.toString(cpu)));
        pinned.addAll(command);
        return pinned;
    }
}
