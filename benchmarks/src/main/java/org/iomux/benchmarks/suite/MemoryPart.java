package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory per connection: the resident memory ({@code VmRSS}) and the live Java heap of a server
 * before and after 10,000 idle connections, for iomux's epoll-echo (jni) and Netty's epoll server.
 *
 * <p>How: the server starts (pinned to CPU 0) with the same fixed, pre-touched heap for both
 * ({@value #HEAP}: {@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}), so that the heap is
 * resident from the start and the growth of RSS is the memory outside it (garbage in pages the heap
 * touched for the first time would otherwise count as memory per connection). It is warmed up by a
 * short echo-load run, so that
 * what any connection needs once (classes, compiled code, an allocator's first chunks) is in the
 * baseline; then its live heap (the total of {@code jcmd PID GC.class_histogram}, which collects
 * first) and its RSS are read. A client process ({@code IdleClient}, on CPU 1) opens N connections
 * and holds them without sending; once the server has a descriptor for each ({@code /proc/PID/fd}),
 * heap and RSS are read again. Per connection: the difference over N, for the live heap and for RSS
 * (outside the heap); their sum is what a connection costs the process. The kernel's socket memory is
 * in neither.
 * epoll-echo runs twice: with its default per-connection buffer ({@code --buffer 65536}) and with
 * {@code --buffer 4096}.
 */
public final class MemoryPart implements Part {
    static final String[] METRICS = {"rss_before", "rss_after", "heap_before", "heap_after", "objects_before",
        "objects_after", "accepted"};

    static final String HEAP = "256m";
    /**
     * The servers' JVM options. The direct memory limit defaults to the maximum heap, which would stop
     * epoll-echo's 64 KiB per connection at 4,000 connections: 4 GiB lets both servers allocate as they
     * would with the JVM's default heap on this machine.
     */
    private static final List<String> JVM = List.of("-Xms" + HEAP, "-Xmx" + HEAP, "-XX:+AlwaysPreTouch",
            "-XX:MaxDirectMemorySize=4g");

    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");

    /** A server: row subject and backend, its command for a port. */
    private record Spec(String subject, String backend, IntFunction<List<String>> command) {}

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void run(Settings s, Results results) throws Exception {
        int n = s.pick(100, 10_000, 10_000);
        String max = Integer.toString(2 * n); // the examples refuse connections beyond --max-connections
        List<Spec> specs = List.of(
                example(s, "epoll-echo", "--max-connections", max),
                example(s, "epoll-echo-buffer-4096", "--max-connections", max, "--buffer", "4096"),
                new Spec(EchoPart.NETTY, Row.NO_BACKEND, port -> java(List.of("-cp", System.getProperty("java.class.path"),
                        "org.iomux.benchmarks.servers.NettyEcho", Integer.toString(port)))));
        int nextPort = 7600;
        for (Spec spec : specs) {
            int port = Server.freePort(nextPort);
            nextPort = port + 1;
            double[] v = new double[METRICS.length];
            java.util.Arrays.fill(v, Double.NaN);
            try {
                measure(s, spec, port, n, v);
            } catch (IOException e) { // jcmd failed, the server died, ...: reported as failed, not fatal to the suite
                System.err.println("memory: " + spec.subject() + ": " + e);
            }
            for (int i = 0; i < METRICS.length; i++) {
                results.add(Row.of(name(), spec.subject(), spec.backend(), "conns=" + n, METRICS[i], v[i],
                        METRICS[i].equals("accepted") ? "count" : METRICS[i].startsWith("objects") ? "objects" : "bytes"));
            }
            System.out.printf("memory: %-24s %d connections: RSS %+.0f B/conn, heap %+.0f B/conn%n", spec.subject(), n,
                    (v[1] - v[0]) / n, (v[3] - v[2]) / n);
        }
    }

    private static Spec example(Settings s, String subject, String... args) {
        return new Spec(subject, "jni", port -> {
            List<String> c = new ArrayList<>(List.of("-jar", s.examplesJar().toString(), "epoll-echo",
                    "--port", Integer.toString(port), "--backend", "jni"));
            c.addAll(List.of(args));
            return java(c);
        });
    }

    /** A server JVM with {@link #JVM}'s options. */
    private static List<String> java(List<String> args) {
        List<String> c = new ArrayList<>(List.of(Settings.java()));
        c.addAll(JVM);
        c.addAll(args);
        return c;
    }

    /** Fills {@code v} with the metrics in {@link #METRICS}' order, as far as it gets. */
    private void measure(Settings s, Spec spec, int port, int n, double[] v) throws IOException, InterruptedException {
        Path logs = s.out().resolve("logs");
        String label = EchoPart.fileName(spec.subject(), spec.backend(), port);
        Server server;
        try {
            server = Server.start(spec.subject(), Processes.onCpu(0, spec.command().apply(port)),
                    logs.resolve("memory-" + label), Duration.ofSeconds(60));
        } catch (IOException e) {
            System.err.println("memory: " + e.getMessage());
            return;
        }
        try (server) {
            int idle = server.openDescriptors();
            Processes.Outcome warm = Processes.run(Processes.onCpu(1, List.of(Settings.java(), "-jar",
                    s.examplesJar().toString(), "echo-load", "--port", Integer.toString(port), "--connections", "100",
                    "--size", "4096", "--duration", "0.5")), Duration.ofSeconds(60));
            if (warm.exit() != 0) {
                System.err.println("memory: warm-up of " + spec.subject() + " exited " + warm.exit());
                return;
            }
            // the client has exited, but the server may not have closed its connections yet: wait for that, or the
            // baseline counts some of them, and the check below then finds fewer idle connections than opened
            int descriptors;
            long settle = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((descriptors = server.openDescriptors()) > idle && System.nanoTime() - settle < 0) {
                Thread.sleep(20);
            }
            long[] heap = liveHeap(server.pid());
            v[0] = server.residentBytes();
            v[2] = heap[1];
            v[4] = heap[0];
            Server client;
            try {
                client = Server.start("idle client", Processes.onCpu(1, List.of(Settings.java(), "-cp",
                        System.getProperty("java.class.path"), "org.iomux.benchmarks.clients.IdleClient",
                        Integer.toString(port), Integer.toString(n))), logs.resolve("memory-client-" + label),
                        "connected", Duration.ofSeconds(120));
            } catch (IOException e) {
                v[6] = server.isAlive() ? server.openDescriptors() - descriptors : 0;
                System.err.println("memory: " + e.getMessage() + "\nmemory: the server's log: " + server.logFile());
                return;
            }
            try (client) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int accepted;
                while ((accepted = server.openDescriptors() - descriptors) < n && System.nanoTime() - deadline < 0) {
                    Thread.sleep(50);
                }
                v[6] = accepted;
                if (accepted < n) {
                    System.err.println("memory: " + spec.subject() + " holds " + accepted + " of " + n + " connections"
                            + " after 60 s");
                    return;
                }
                // RSS first: the full GC of the histogram grows the JVM's own arenas with the number of objects
                // (16 MiB for Netty's 280,000 more), memory that is the measurement's, not the connections'
                v[1] = server.residentBytes();
                heap = liveHeap(server.pid());
                v[3] = heap[1];
                v[5] = heap[0];
            }
        }
    }

    /** Live objects and bytes in the heap of JVM {@code pid}, after the full collection that the histogram makes. */
    private static long[] liveHeap(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        String out = Processes.output(List.of(jcmd, Long.toString(pid), "GC.class_histogram"), Duration.ofSeconds(60));
        Matcher m = HISTOGRAM_TOTAL.matcher(out);
        if (!m.find()) {
            throw new IOException("no Total line in jcmd " + pid + " GC.class_histogram:\n" + out);
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        report.heading("Memory per connection");
        Map<String, Map<String, Double>> cells = new LinkedHashMap<>();
        Map<String, String> params = new LinkedHashMap<>();
        for (Row r : results.select(r -> r.section().equals(name()))) {
            String key = EchoPart.Spec.label(r.subject(), r.backend());
            cells.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.metric(), r.value());
            params.put(key, r.params());
        }
        report.paragraph("Resident memory (VmRSS) and live Java heap (after a full GC: the total of `jcmd PID "
                + "GC.class_histogram`) of each server, warmed up, before and after a client opened idle connections "
                + "(nothing sent); per connection = the difference / connections. Both servers run with the same "
                + HEAP + " heap, fixed and pre-touched (`-Xms` = `-Xmx`, `-XX:+AlwaysPreTouch`), so the heap is resident "
                + "from the start and RSS grows by the memory outside it (direct buffers, native structures): a "
                + "connection costs the process its RSS share plus its heap share. The kernel's socket buffers are in "
                + "neither. An epoll-echo connection holds its buffer (`--buffer`, 64 KiB by default: a direct buffer, "
                + "zeroed, so resident) only while it has bytes in flight, taken from its event loop's pool of free "
                + "buffers (at most 16, or 1 MiB) when it is about to read; Netty takes a buffer from its pool only when "
                + "there is something to read.");
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, Double>> e : cells.entrySet()) {
            Map<String, Double> v = e.getValue();
            double n = Double.parseDouble(params.get(e.getKey()).replace("conns=", ""));
            double accepted = v.getOrDefault("accepted", Double.NaN);
            double rss = (v.getOrDefault("rss_after", Double.NaN) - v.getOrDefault("rss_before", Double.NaN)) / n;
            double heap = (v.getOrDefault("heap_after", Double.NaN) - v.getOrDefault("heap_before", Double.NaN)) / n;
            double objects = (v.getOrDefault("objects_after", Double.NaN) - v.getOrDefault("objects_before", Double.NaN)) / n;
            rows.add(List.of(e.getKey(), Report.fmt(n), mib(v.get("rss_before")), mib(v.get("rss_after")), bytes(rss),
                    mib(v.get("heap_before")), mib(v.get("heap_after")), bytes(heap), bytes(rss + heap),
                    Report.fmt(objects),
                    accepted >= n ? "ok" : Double.isNaN(accepted) ? "FAILED (see logs/)"
                            : "INVALID: " + Report.fmt(accepted) + " of " + Report.fmt(n) + " connections accepted"));
        }
        report.table(List.of("server", "connections", "RSS before MiB", "RSS after MiB", "RSS per connection",
                "heap before MiB", "heap after MiB", "heap per connection", "total per connection",
                "objects per connection", "status"), rows);
    }

    private static String mib(Double bytes) {
        return bytes == null ? "n/a" : Report.fmt(bytes / (1 << 20));
    }

    private static String bytes(double b) {
        if (Double.isNaN(b)) {
            return "n/a";
        }
        return Math.abs(b) >= 10 * 1024 ? Report.fmt(b / 1024) + " KiB" : Report.fmt(b) + " B";
    }
}
