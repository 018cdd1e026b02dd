package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.iomux.Backends;
import org.iomux.spi.InternalAccess;
import org.iomux.spi.NativeCalls;

/**
 * A server the suite starts as a process (an example server, the C or a reference server): started
 * with its output in a log file, ready once it prints {@code listening on}, measured while it runs
 * (CPU time over it and its child processes, such as prefork-echo's workers; resident memory and
 * descriptors from {@code /proc}), and stopped with SIGTERM, then SIGKILL.
 */
public final class Server implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** Raw calls, for clock_gettime on another process's CPU clock, which the typed API lacks. */
    private static final NativeCalls CALLS = InternalAccess.calls(Backends.defaultBackend());

    private final String name;
    private final Process process;
    private final Path log;

    private Server(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} with standard output and error in {@code log}, and waits until it prints
     * {@code listening on}.
     *
     * @throws IOException if it exits or stays silent past {@code readyTimeout} (it is then stopped);
     *                     the message quotes the end of its log
     */
    public static Server start(String name, List<String> command, Path log, Duration readyTimeout)
            throws IOException, InterruptedException {
        return start(name, command, log, "listening on", readyTimeout);
    }

    /**
     * Starts {@code command} as {@link #start(String, List, Path, Duration)} does, ready once its output
     * holds {@code ready}: for a long-running process that is not a server, e.g. a client holding
     * connections open.
     */
    public static Server start(String name, List<String> command, Path log, String ready, Duration readyTimeout)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Server server = new Server(name, p, log);
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (!server.log().contains(ready)) {
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                String why = p.isAlive() ? "not ready ('" + ready + "') after " + readyTimeout.toSeconds() + " s"
                        : "exited with status " + p.exitValue();
                server.close();
                throw new IOException(name + " " + why + " (" + String.join(" ", command) + "); its log "
                        + log + " ends:\n" + tail(server.log(), 15));
            }
            Thread.sleep(20);
        }
        return server;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The server's output so far. */
    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    public Path logFile() {
        return log;
    }

    /**
     * CPU seconds (user and system) used so far by the server and its live descendants: for each
     * process, every thread's, those that have ended too. Read from each process's CPU-time clock
     * ({@code clock_gettime} of the clock {@code clock_getcpuclockid(pid)} names, which Linux lets any
     * process read), to the nanosecond: the sum that {@code /proc/PID/stat} splits into utime and stime
     * and rounds to clock ticks (10 ms), too coarse for a short run. A descendant that has exited is no
     * longer counted; the suite's servers keep theirs while measured.
     */
    public double cpuSeconds() {
        long nanos = 0;
        for (long pid : family()) {
            nanos += cpuNanos(pid);
        }
        return nanos / 1e9;
    }

    /** {@code VmRSS} of the server process (not its children), in bytes. */
    public long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024; // "VmRSS:   123456 kB"
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    /** Descriptors the server process has open ({@code /proc/PID/fd}). */
    public int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    /** SIGTERM to the server, SIGKILL to it and its descendants if it has not ended within 10 s. */
    @Override
    public void close() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.println(name + ": still running " + STOP_GRACE.toSeconds() + " s after SIGTERM; killing it");
                process.destroyForcibly().waitFor();
            }
            for (ProcessHandle d : descendants) {
                // a server that stops cleanly has reaped its workers; these are the ones it left behind
                if (d.isAlive()) {
                    d.destroyForcibly();
                    d.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A TCP port on 127.0.0.1, at or above {@code from}, with nothing listening on it now (bound and
     * released at once: the server about to use it may still lose a race, and then says so).
     */
    public static int freePort(int from) throws IOException {
        for (int port = from; port < 65536; port++) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException inUse) {
                // taken: the next one
            }
        }
        throw new IOException("no free port at or above " + from);
    }

    private List<Long> family() {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(d -> pids.add(d.pid()));
        return pids;
    }

    /** The CPU time of process {@code pid} in nanoseconds; 0 if it has gone. */
    private static long cpuNanos(long pid) {
        // clock_getcpuclockid(3) for another process: the pid, complemented, above CPUCLOCK_SCHED (2), the
        // clock of the scheduler's exact run time (<linux/posix-timers.h>, MAKE_PROCESS_CPUCLOCK)
        int clock = (~(int) pid << 3) | 2;
        ByteBuffer timespec = ByteBuffer.allocateDirect(CALLS.layout().timespecSize).order(ByteOrder.nativeOrder());
        if (CALLS.clockGettime(clock, CALLS.address(timespec)) < 0) {
            return 0; // EINVAL: no such process any more
        }
        return timespec.getLong(CALLS.layout().timespecSec) * 1_000_000_000L
                + timespec.getLong(CALLS.layout().timespecNsec);
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
    }
}
