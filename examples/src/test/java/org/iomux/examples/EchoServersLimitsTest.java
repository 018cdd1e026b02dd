package org.iomux.examples;

import static org.iomux.examples.ServerProcess.connect;
import static org.iomux.examples.ServerProcess.count;
import static org.iomux.examples.ServerProcess.echo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The servers at their limits, on the default backend: {@code --max-connections}, out of
 * descriptors, out of direct memory, prefork workers killed, shutdown by SIGINT with clients
 * connected and stalled, and the command line ({@code --help}, usage errors, a failed start).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoServersLimitsTest {

    static Stream<String> models(String... skip) {
        String only = System.getProperty("iomux.examples.only", "");
        return Stream.of("epoll-echo", "epoll-echo --edge --threads 2 --balance exclusive", "poll-echo", "select-echo",
                "sigio-echo", "iterative-echo", "thread-per-connection-echo", "prethread-echo --accept each --threads 8",
                "prethread-echo --accept main --threads 8", "prefork-echo --accept lock --workers 2 --threads 4",
                "prefork-echo --accept nolock --workers 2 --threads 4", "prefork-echo --accept pass --workers 2 --threads 4")
                .filter(m -> m.startsWith(only) && Stream.of(skip).noneMatch(m::startsWith));
    }

    static Stream<String> limitedModels() {
        return models("iterative-echo");
    }

    /**
     * Three clients are served, a fourth is refused (end of stream at once); one of the three then
     * sends 4 MiB without reading, and SIGINT stops the server anyway, promptly, with a summary
     * that counts them.
     */
    @ParameterizedTest
    @MethodSource("limitedModels")
    void refusesBeyondMaxConnectionsAndStopsOnSigintWithClientsStalled(String model) throws Exception {
        try (ServerProcess server = new ServerProcess(model, "jni", "--max-connections", "3")) {
            List<java.net.Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(connect(server.port));
                    echo(clients.get(i), i);
                }
                try (java.net.Socket fourth = connect(server.port)) {
                    fourth.setSoTimeout(10_000);
                    assertEquals(-1, fourth.getInputStream().read(), "the fourth connection is closed at once");
                }
                echo(clients.get(0), 10); // the three are still served
                stall(clients.get(1));
                long start = System.nanoTime();
                String summary = server.stop("INT");
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "took too long to stop");
                assertEquals(3, count(summary, "served (\\d+) connections"), summary);
                assertEquals(1, count(summary, "refused (\\d+)"), summary);
            } finally {
                for (java.net.Socket c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void iterativeStopsOnSigintWithItsClientStalled() throws Exception {
        try (ServerProcess server = new ServerProcess("iterative-echo", "jni");
             java.net.Socket client = connect(server.port);
             java.net.Socket waiting = connect(server.port)) { // in the backlog
            echo(client, 1);
            stall(client);
            String summary = server.stop("INT");
            assertEquals(1, count(summary, "served (\\d+) connections"), summary);
        }
    }

    /**
     * Sends without reading until the writes block: the server has stopped reading from it (its
     * buffer is full) or is blocked writing to it. The writer thread stays blocked.
     */
    private static void stall(java.net.Socket c) throws Exception {
        c.setSendBufferSize(65536);
        c.setReceiveBufferSize(65536);
        AtomicLong sent = new AtomicLong();
        Thread writer = new Thread(() -> {
            byte[] chunk = new byte[65536];
            try {
                for (int i = 0; i < 4096; i++) { // 256 MiB at most
                    c.getOutputStream().write(chunk);
                    sent.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // reset or closed at shutdown
            }
        });
        writer.setDaemon(true);
        writer.start();
        long last = -1;
        while (sent.get() != last) {
            last = sent.get();
            Thread.sleep(300);
        }
        assertTrue(writer.isAlive(), sent.get() + " bytes went through without being read");
    }

    /** Pools larger than the descriptors allow, so that accept runs out of descriptors, not of threads. */
    static Stream<String> shortOfDescriptors() {
        String only = System.getProperty("iomux.examples.only", "");
        return Stream.of("epoll-echo", "epoll-echo --edge --threads 2 --balance exclusive", "poll-echo", "select-echo",
                "sigio-echo", "thread-per-connection-echo", "prethread-echo --accept each --threads 100",
                "prefork-echo --accept lock --workers 2 --threads 100",
                "prefork-echo --accept pass --workers 1 --threads 2") // the parent runs out, holding its queue
                .filter(m -> m.startsWith(only));
    }

    /**
     * Under a low RLIMIT_NOFILE, with more clients than descriptors: the clients already served go on
     * being served, the server does not spin (accepting pauses), it takes the waiting clients once
     * others leave, and SIGTERM stops it.
     */
    @ParameterizedTest
    @MethodSource("shortOfDescriptors")
    void outOfDescriptorsPausesAcceptingAndRecovers(String model) throws Exception {
        List<String> limit = List.of("prlimit", "--nofile=" + 64 + ":" + 64, "--");
        try (ServerProcess server = new ServerProcess(limit, List.of(), model, "jni")) {
            List<java.net.Socket> served = new ArrayList<>();
            List<java.net.Socket> waiting = new ArrayList<>();
            try {
                // connect one at a time until one is not served: the server is out of descriptors
                byte[] unanswered = null;
                while (unanswered == null) {
                    assertTrue(served.size() < 200, "more than 200 clients served under a limit of 64 descriptors");
                    java.net.Socket c = connect(server.port);
                    byte[] message = send(c, served.size());
                    if (answered(c, message, 1000)) {
                        served.add(c);
                    } else {
                        waiting.add(c);
                        unanswered = message;
                    }
                }
                for (int i = 0; i < 60; i++) {
                    waiting.add(connect(server.port)); // in the backlog
                }
                Thread.sleep(300);
                long cpu = server.cpuTicks();
                Thread.sleep(1000);
                long used = server.cpuTicks() - cpu;
                assertTrue(used < 50, model + " used " + used + "0 ms of CPU in 1 s while out of descriptors: it spins");
                for (int i = 0; i < served.size(); i++) {
                    assertTrue(answered(served.get(i), send(served.get(i), 100 + i), 5000),
                            "client " + i + " is not served any more");
                }
                for (int i = 0; i < 10 && !served.isEmpty(); i++) {
                    served.remove(0).close();
                }
                assertTrue(answered(waiting.get(0), unanswered, 10_000), "a waiting client was not taken once others left");
                String summary = server.stop();
                assertTrue(count(summary, "accepting paused (\\d+) times") > 0, summary);
                assertTrue(server.stderr().contains("EMFILE"), server.stderr());
            } finally {
                for (java.net.Socket c : served) {
                    c.close();
                }
                for (java.net.Socket c : waiting) {
                    c.close();
                }
            }
        }
    }

    /** Sends a message of 1 to 4096 bytes; returns it. */
    private static byte[] send(java.net.Socket c, int seed) throws IOException {
        byte[] message = new byte[1 + new Random(seed).nextInt(4096)];
        new Random(seed).nextBytes(message);
        c.getOutputStream().write(message);
        return message;
    }

    /** Whether the echo of {@code message} (sent, not yet answered) comes back within {@code millis}. */
    private static boolean answered(java.net.Socket c, byte[] message, int millis) throws IOException {
        c.setSoTimeout(millis);
        byte[] got = new byte[message.length];
        int n = 0;
        try {
            for (int r; n < got.length && (r = c.getInputStream().read(got, n, got.length - n)) > 0; ) {
                n += r;
            }
        } catch (SocketTimeoutException e) {
            assertEquals(0, n, "half an echo");
            return false;
        } finally {
            c.setSoTimeout(30_000);
        }
        assertArrayEquals(message, got);
        return true;
    }

    /**
     * With room for a few buffers only (-XX:MaxDirectMemorySize): the server warns at start. A
     * connection holds a buffer only while bytes are in flight, so idle and echoing connections cost
     * none: many more connections than buffers are served. Clients that send without reading hold a
     * full buffer each; once those fill the direct memory, a connection whose data finds no memory for
     * a buffer is closed (and counted), while the stalled ones stay; once two of them leave, their
     * buffers serve new data again, and the idle connections too.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll-echo", "epoll-echo --edge", "poll-echo", "select-echo", "sigio-echo"})
    void connectionsWithoutMemoryForTheirBufferAreClosed(String model) throws Exception {
        if (!model.startsWith(System.getProperty("iomux.examples.only", ""))) {
            return;
        }
        try (ServerProcess server = new ServerProcess(List.of(), List.of("-XX:MaxDirectMemorySize=2m"), model, "jni",
                "--buffer", Integer.toString(256 << 10))) {
            assertTrue(server.stderr().contains("warning"), server.stderr());
            List<java.net.Socket> idle = new ArrayList<>();
            List<java.net.Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 24; i++) { // 24 buffers would be 6 MiB
                    java.net.Socket c = connect(server.port);
                    assertTrue(echoesOneByte(c), "idle connection " + i + " was not served");
                    idle.add(c);
                }
                int closed = 0;
                for (int i = 0; i < 12 && closed < 2; i++) {
                    java.net.Socket c = connect(server.port);
                    if (echoesOneByte(c)) {
                        stall(c); // holds a full buffer in the server from now on
                        stalled.add(c);
                    } else {
                        closed++;
                        c.close();
                    }
                }
                assertTrue(stalled.size() >= 2 && closed == 2, stalled.size() + " stalled, " + closed + " closed");
                stalled.remove(0).close();
                stalled.remove(0).close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                boolean again = false;
                while (!again && System.nanoTime() < deadline) { // the server sees them gone when it next writes
                    try (java.net.Socket c = connect(server.port)) {
                        again = echoesOneByte(c);
                    }
                    if (!again) {
                        Thread.sleep(100);
                    }
                }
                assertTrue(again, "no connection served after stalled ones left");
                for (int i = 0; i < idle.size(); i++) {
                    echo(idle.get(i), i); // idle meanwhile: still served, one at a time
                }
                String summary = server.stop();
                assertTrue(count(summary, "(\\d+) closed for lack of memory") >= closed, summary);
                assertTrue(server.stderr().contains("no memory for a connection's buffer"), server.stderr());
            } finally {
                for (java.net.Socket c : idle) {
                    c.close();
                }
                for (java.net.Socket c : stalled) {
                    c.close();
                }
            }
        }
    }

    /** True if {@code c} echoes a byte; false if it is closed (end of stream, or reset: the byte was unread). */
    private static boolean echoesOneByte(java.net.Socket c) throws IOException {
        c.setSoTimeout(5000);
        try {
            c.getOutputStream().write(1);
            int b = c.getInputStream().read();
            assertTrue(b == 1 || b == -1, "got " + b);
            return b == 1;
        } catch (java.net.SocketException reset) {
            return false;
        }
    }

    /** A worker killed (SIGKILL) is replaced and service goes on; workers' output never reaches our stdout. */
    @ParameterizedTest
    @ValueSource(strings = {"nolock", "pass"})
    void aKilledPreforkWorkerIsReplaced(String mode) throws Exception {
        if (!"prefork-echo".startsWith(System.getProperty("iomux.examples.only", "prefork-echo"))) {
            return;
        }
        try (ServerProcess server = new ServerProcess("prefork-echo --workers 2 --threads 2 --accept " + mode, "jni")) {
            List<ProcessHandle> workers = workers(server);
            assertEquals(2, workers.size());
            String stdout = Files.readSymbolicLink(Path.of("/proc/" + server.process.pid() + "/fd/1")).toString();
            for (ProcessHandle w : workers) {
                assertNotEquals(stdout, Files.readSymbolicLink(Path.of("/proc/" + w.pid() + "/fd/1")).toString(),
                        "a worker writes to the parent's standard output");
            }
            server.signal("KILL", workers.get(0).pid());
            await(() -> workers(server).size() == 2 && !workers(server).contains(workers.get(0)), "a replacement");
            for (int i = 0; i < 8; i++) {
                try (java.net.Socket c = connect(server.port)) {
                    echo(c, i);
                }
            }
            String summary = server.stop();
            assertTrue(summary.contains("1 worker replaced"), summary);
        }
    }

    /**
     * lock: the worker holding the accept lock (blocked in accept while it holds it) is killed; the
     * other worker, waiting for the lock, is told the owner died, recovers it and takes the next
     * connection, without waiting for the replacement.
     */
    @Test
    void aPreforkWorkerKilledHoldingTheAcceptLockStallsNoOne() throws Exception {
        if (!"prefork-echo".startsWith(System.getProperty("iomux.examples.only", "prefork-echo"))) {
            return;
        }
        try (ServerProcess server = new ServerProcess("prefork-echo --workers 2 --threads 1 --accept lock", "jni")) {
            List<ProcessHandle> workers = workers(server);
            assertEquals(2, workers.size());
            long holder = lockHolder(workers.get(0));
            ProcessHandle survivor = workers.stream().filter(w -> w.pid() != holder).findFirst().orElseThrow();
            assertEquals(1, workers.stream().filter(w -> w.pid() == holder).count(), "holder " + holder);
            server.signal("KILL", holder);
            try (java.net.Socket c = connect(server.port)) {
                echo(c, 1);
            }
            assertTrue(server.stderr().contains("(pid " + survivor.pid() + "): pid " + holder
                    + " died holding the accept lock; recovered"), server.stderr());
            String summary = server.stop();
            assertTrue(summary.contains("accept lock recovered from a dead holder 1 time"), summary);
        }
    }

    private static List<ProcessHandle> workers(ServerProcess server) {
        return server.process.toHandle().children().filter(ProcessHandle::isAlive).toList();
    }

    /** The pid of the accept lock's holder, read from the shared region named on a worker's command line. */
    private static long lockHolder(ProcessHandle worker) throws Exception {
        String[] args = new String(Files.readAllBytes(Path.of("/proc/" + worker.pid() + "/cmdline")),
                StandardCharsets.UTF_8).split("\0");
        String shm = null;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--shm")) {
                shm = args[i + 1];
            }
        }
        int offset = PreforkWorker.layout(2).offset("holder");
        try (FileChannel f = FileChannel.open(Path.of("/dev/shm" + shm), StandardOpenOption.READ)) {
            MappedByteBuffer m = f.map(FileChannel.MapMode.READ_ONLY, 0, offset + 8);
            m.order(ByteOrder.nativeOrder());
            long holder = 0;
            // the holder writes its pid once it has the lock; idle, it stays in accept holding it
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; ) {
                holder = m.getLong(offset);
                Thread.sleep(200);
                if (holder != 0 && m.getLong(offset) == holder) {
                    break;
                }
            }
            return holder;
        }
    }

    private static void await(Supplier<Boolean> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.get()) {
            assertTrue(System.nanoTime() < deadline, "no " + what + " after 30 s");
            Thread.sleep(50);
        }
    }

    // ---- the command line, in this JVM --------------------------------------------------------

    static List<EchoServer> allServers() {
        return List.of(new EpollEcho(), new PollEcho(), new SelectEcho(), new SigioEcho(), new IterativeEcho(),
                new ThreadPerConnectionEcho(), new PrethreadEcho(), new PreforkEcho());
    }

    @Test
    void helpListsEachServersOptionsAndBadUsageExitsTwo() {
        for (EchoServer server : allServers()) {
            Output help = run(server, "--help");
            assertEquals(0, help.status(), server.name());
            assertTrue(help.out().startsWith("usage: java -jar iomux-examples.jar " + server.name()), help.out());
            for (ServerOptions.Option o : server.ownOptions()) {
                assertTrue(help.out().contains("--" + o.name), server.name() + " --" + o.name + ": " + help.out());
            }
            assertEquals(!(server instanceof IterativeEcho), help.out().contains("--max-connections"), help.out());
            for (String[] bad : new String[][] {{"--backend", "ffm"}, {"--bogus"}, {"--port", "x"}, {"stray"},
                    {"--buffer", "0"}}) {
                Output o = run(server, bad);
                assertEquals(2, o.status(), server.name() + " " + String.join(" ", bad));
                assertTrue(o.err().contains("usage:"), o.err());
                assertEquals("", o.out());
            }
        }
        assertEquals(2, run(new IterativeEcho(), "--max-connections", "5").status());
    }

    @Test
    void aServerThatCannotStartSaysSoAndPrintsNoSummary() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Output o = run(new PollEcho(), "--port", Integer.toString(taken.getLocalPort()));
            assertEquals(1, o.status());
            assertEquals("", o.out());
            assertTrue(o.err().contains("cannot start") && o.err().contains("EADDRINUSE"), o.err());
            assertFalse(o.err().contains("\tat "), "a stack trace for a system call's error: " + o.err());
        }
    }

    private static Output run(EchoServer server, String... args) {
        return Output.of((out, err) -> EchoServer.run(server, args, out, err));
    }
}
