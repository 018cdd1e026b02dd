package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Programs the suite runs to completion (the C references, load generators). */
public final class Processes {
    private Processes() {}

    /**
     * Runs {@code command} and returns its standard output; standard error goes to the suite's.
     *
     * @throws IOException if it does not end within {@code timeout} (it is killed) or exits non-zero
     */
    public static String output(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("iomux-bench", ".out");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IOException(String.join(" ", command) + ": still running after " + timeout.toSeconds() + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + "\n" + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
