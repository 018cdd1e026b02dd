package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A server JVM: started (optionally under {@code prlimit}, with JVM options), its port read from
 * the first line of its standard output, stopped with a signal. Its standard error goes to a file,
 * copied to ours at the end, so that tests can look for what it reported.
 */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final Path err;
    final int port;
    final String name;

    ServerProcess(String model, String backend, String... extra) throws IOException {
        this(List.of(), List.of(), model, backend, extra);
    }

    /** {@code prefix}: a command to run java under (e.g. prlimit); {@code jvm}: JVM options. */
    ServerProcess(List<String> prefix, List<String> jvm, String model, String backend, String... extra)
            throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvm);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(model.split(" ")));
        command.addAll(List.of("--port", "0", "--backend", backend));
        command.addAll(List.of(extra));
        this.name = model.split(" ")[0];
        this.err = Files.createTempFile("echo-server-", ".err");
        this.process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        Matcher m = line == null ? null : Pattern.compile("^listening on 127\\.0\\.0\\.1:(\\d+)$").matcher(line);
        if (m == null || !m.find()) {
            process.destroyForcibly();
            throw new AssertionError(model + " did not start: " + line + "\n" + stderr());
        }
        this.port = Integer.parseInt(m.group(1));
    }

    /** What it has written to standard error so far. */
    String stderr() throws IOException {
        return Files.readString(err);
    }

    /** The server process and its descendants (prefork's workers). */
    List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(process.toHandle());
        process.toHandle().descendants().forEach(all::add);
        return all;
    }

    /** Descriptors of every kind the server holds, from /proc (the workers' too, for prefork). */
    long descriptors() {
        long count = 0;
        for (ProcessHandle h : processes()) {
            try (Stream<Path> fds = Files.list(Path.of("/proc/" + h.pid() + "/fd"))) {
                count += fds.count();
            } catch (IOException | java.io.UncheckedIOException gone) {
                // a worker exiting
            }
        }
        return count;
    }

    /**
     * {@link #descriptors()} once it has held still for a second: workers may still be receiving
     * their listener when the parent prints its first line.
     */
    long stableDescriptors() throws Exception {
        long last = descriptors();
        int still = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (still < 10 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = descriptors();
            still = now == last ? still + 1 : 0;
            last = now;
        }
        return last;
    }

    /** Waits (up to 20 s) for the descriptor count to come back to {@code baseline}. */
    void awaitDescriptors(long baseline, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (descriptors() != baseline && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(baseline, descriptors(), name + ": descriptors left open " + what);
    }

    long residentKiB() {
        long total = 0;
        for (ProcessHandle h : processes()) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + h.pid() + "/status"))) {
                    if (l.startsWith("VmRSS:")) {
                        total += Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException gone) {
                // exiting
            }
        }
        return total;
    }

    /** CPU time (user + system) of the server and its workers, in clock ticks (1/100 s). */
    long cpuTicks() {
        long total = 0;
        for (ProcessHandle h : processes()) {
            try {
                String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                total += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            } catch (IOException gone) {
                // exiting
            }
        }
        return total;
    }

    void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    /**
     * Sends {@code signal} (TERM or INT) and waits for the exit; checks the status, and that the
     * rest of standard output is exactly one summary line, which it returns.
     */
    String stop(String signal) throws Exception {
        signal(signal, process.pid());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), name + " did not stop on SIG" + signal);
        List<String> rest = new ArrayList<>();
        for (String l; (l = out.readLine()) != null; ) {
            rest.add(l);
        }
        int code = process.exitValue();
        int bySignal = 128 + (signal.equals("INT") ? 2 : 15);
        assertTrue(code == bySignal || code == 0, name + " exited with " + code + "\n" + stderr());
        assertEquals(1, rest.size(), name + ": standard output after 'listening on' should be one summary line: "
                + rest + "\n" + stderr());
        assertTrue(rest.get(0).startsWith(name + ": served "), rest.get(0));
        return rest.get(0);
    }

    /** SIGTERM; returns the summary line. */
    String stop() throws Exception {
        return stop("TERM");
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String e = stderr();
        if (!e.isEmpty()) {
            System.err.print("--- " + name + " stderr:\n" + e);
        }
        Files.deleteIfExists(err);
    }

    /** The number in a summary line that {@code regex}'s group matches ("served (\\d+) connections"), or 0. */
    static long count(String summary, String regex) {
        Matcher m = Pattern.compile(regex).matcher(summary);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** A client connected to the server on 127.0.0.1:{@code port}, reads timing out after 30 s. */
    static java.net.Socket connect(int port) throws IOException {
        java.net.Socket s = new java.net.Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** Sends a message of 1 to 4096 bytes and checks its echo; returns its size. */
    static int echo(java.net.Socket s, int seed) throws IOException {
        byte[] message = new byte[1 + new Random(seed).nextInt(4096)];
        new Random(seed).nextBytes(message);
        s.getOutputStream().write(message);
        byte[] got = new byte[message.length];
        new DataInputStream(s.getInputStream()).readFully(got);
        assertArrayEquals(message, got);
        return message.length;
    }
}
