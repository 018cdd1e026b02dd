package org.iomux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SharedChild} JVM with an explicit backend, started with {@code ProcessBuilder} on this
 * JVM's class path (a Java child inherits no descriptors: what it shares with the test, it opens by
 * name or receives over a socket). Its output lines are collected by a reader thread so that the
 * test can wait for one with a deadline.
 */
final class ChildJvm implements AutoCloseable {
    private static final String END = "\u0000end";

    final String backend;
    final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    private final Writer stdin;

    private ChildJvm(String backend, Process process) {
        this.backend = backend;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    seen.add(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                seen.add("(read failed: " + e + ")");
            }
            lines.add(END);
        }, "child-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** The backends child JVMs use, rotated through (all three unless -Diomux.test.childBackends says). */
    static List<String> backends() {
        return List.of(System.getProperty("iomux.test.childBackends", "jni,jnr,jna").split(","));
    }

    /**
     * The backend {@code step} places after the one this JVM tests, in {@link #backends()} order
     * (wrapping round): with steps 1 and 2, a test's two children use the two other backends, and
     * over the three surefire runs (one per backend) each child role is played by every backend.
     */
    static String rotated(int step) {
        List<String> all = backends();
        int self = all.indexOf(Backends.defaultBackend().name());
        return all.get(Math.floorMod(self + step, all.size()));
    }

    static ChildJvm start(String backend, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xshare:auto");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-D" + Backends.PROPERTY + "=" + backend);
        for (String property : new String[] {"iomux.jni.library", "iomux.jni.tmpdir", "java.io.tmpdir"}) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add(SharedChild.class.getName());
        Collections.addAll(command, args);
        return new ChildJvm(backend, new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Waits for an output line starting with {@code prefix}; returns it. */
    String expect(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(END)) {
                throw new AssertionError("child (" + backend + ") " + (line == null ? "did not print" : "ended without")
                        + " a line starting with '" + prefix + "'; its output: " + output());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    void send(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** Waits for the child to exit; returns its exit status. */
    int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child (" + backend + ") did not exit; its output: " + output());
        }
        return process.exitValue();
    }

    String output() {
        synchronized (seen) {
            return String.join(" | ", seen);
        }
    }

    /** SIGKILL (Process.destroyForcibly on Linux), and reaps it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
        try {
            stdin.close();
        } catch (IOException e) {
            // the child is gone: nothing to flush
        }
    }
}
