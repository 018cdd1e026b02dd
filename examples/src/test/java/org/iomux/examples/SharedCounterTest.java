package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.iomux.SharedMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** README's cross-process counter: three JVMs, one per backend, at once on one fresh region. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedCounterTest {
    private static final Pattern DONE = Pattern.compile("^(jni|jnr|jna) done, counter = (\\d+)$", Pattern.MULTILINE);

    @Test
    void threeJvmsOnThreeBackendsCountExactly() throws Exception {
        String name = "/iomux-examples-counter-" + ProcessHandle.current().pid();
        int increments = 20_000;
        SharedMemory.unlink(name); // a leftover of an interrupted run would count on
        List<Process> processes = new ArrayList<>();
        try {
            for (String backend : List.of("jni", "jnr", "jna")) {
                processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Diomux.backend=" + backend, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                        "shared-counter", Integer.toString(increments), name)
                        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start());
            }
            Set<String> backends = new TreeSet<>();
            long highest = 0;
            for (Process p : processes) {
                String out;
                try (var in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
                assertEquals(0, p.exitValue(), out);
                Matcher m = DONE.matcher(out);
                assertTrue(m.find(), out);
                backends.add(m.group(1));
                long counter = Long.parseLong(m.group(2));
                assertTrue(counter >= increments && counter <= 3L * increments, out);
                highest = Math.max(highest, counter);
            }
            assertEquals(Set.of("jni", "jna", "jnr"), backends);
            assertEquals(3L * increments, highest, "the last one to finish sees every increment");
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
            }
            SharedMemory.unlink(name);
        }
    }
}
