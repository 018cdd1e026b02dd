package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example server, on every backend, started as its own JVM: checked under load by the load
 * checker (many connections, messages of 1 byte to 1 MiB, byte-exact), with a client that stops
 * reading while it sends, with connections reset mid-message, for descriptor leaks, and for a clean
 * shutdown on SIGTERM.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EchoServersTest {

    /**
     * Each model with the number of connections the load checker runs against it: 200 where the
     * model serves that many at once; the blocking models with a fixed pool get a pool as large as
     * the load (an iterative server serves one client at a time, by design).
     */
    static Stream<Arguments> servers() {
        List<Object[]> models = List.of(
                new Object[] {"epoll-echo", 200},
                new Object[] {"epoll-echo --edge", 200},
                new Object[] {"epoll-echo --threads 2 --balance reuseport", 200},
                new Object[] {"epoll-echo --threads 2 --balance exclusive --edge", 200},
                new Object[] {"poll-echo", 200},
                new Object[] {"select-echo", 200},
                new Object[] {"sigio-echo", 200},
                new Object[] {"iterative-echo", 1},
                new Object[] {"thread-per-connection-echo", 200},
                new Object[] {"prethread-echo --accept each --threads 200", 200},
                new Object[] {"prethread-echo --accept main --threads 200", 200},
                new Object[] {"prefork-echo --accept lock --workers 2 --threads 100", 200},
                new Object[] {"prefork-echo --accept nolock --workers 2 --threads 100", 200},
                new Object[] {"prefork-echo --accept pass --workers 2 --threads 100", 200});
        List<Arguments> all = new ArrayList<>();
        // -Diomux.examples.only=epoll-echo runs the models whose command starts with that text
        String only = System.getProperty("iomux.examples.only", "");
        for (Object[] model : models) {
            String command = (String) model[0];
            if (Main.has(command.split(" ")[0]) && command.startsWith(only)) {
                for (String backend : List.of("jni", "jna", "jnr")) {
                    all.add(Arguments.of(command, backend, model[1]));
                }
            }
        }
        return all.stream();
    }

    /** A server JVM: started, its port read from the first line, stopped with SIGTERM. */
    static final class Server implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final int port;
        final String name;

        Server(String model, String backend, String... extra) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(model.split(" ")));
            command.addAll(List.of("--port", "0", "--backend", backend));
            command.addAll(List.of(extra));
            this.name = model.split(" ")[0];
            this.process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            Matcher m = line == null ? null : Pattern.compile("^listening on 127\\.0\\.0\\.1:(\\d+)$").matcher(line);
            if (m == null || !m.find()) {
                process.destroyForcibly();
                throw new AssertionError(model + " did not start: " + line);
            }
            this.port = Integer.parseInt(m.group(1));
        }

        /** Sockets the server process holds, from /proc (the workers' too, for prefork). */
        long sockets() throws IOException {
            long count = 0;
            List<ProcessHandle> all = new ArrayList<>();
            all.add(process.toHandle());
            process.toHandle().descendants().forEach(all::add);
            for (ProcessHandle h : all) {
                try (Stream<Path> fds = Files.list(Path.of("/proc/" + h.pid() + "/fd"))) {
                    for (Path fd : (Iterable<Path>) fds::iterator) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                                count++;
                            }
                        } catch (IOException gone) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException gone) {
                    // a worker exiting
                }
            }
            return count;
        }

        /**
         * {@link #sockets()} once it has held still for a second: workers may still be receiving
         * their listener when the parent prints its first line.
         */
        long stableSockets() throws Exception {
            long last = sockets();
            int still = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (still < 10 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                long now = sockets();
                still = now == last ? still + 1 : 0;
                last = now;
            }
            return last;
        }

        long residentKiB() throws IOException {
            long total = 0;
            List<ProcessHandle> all = new ArrayList<>();
            all.add(process.toHandle());
            process.toHandle().descendants().forEach(all::add);
            for (ProcessHandle h : all) {
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

        /** SIGTERM; returns the summary line. */
        String stop() throws Exception {
            // SIGTERM through the handle: Process.destroy() would also close our end of its stdout
            process.toHandle().destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), name + " did not stop on SIGTERM");
            String last = null;
            for (String l; (l = out.readLine()) != null; ) {
                last = l;
            }
            int code = process.exitValue();
            assertTrue(code == 143 || code == 0, name + " exited with " + code);
            return last;
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("servers")
    void servesUnderLoadSurvivesResetsAndSlowReadersAndStopsCleanly(String model, String backend, int concurrency)
            throws Exception {
        try (Server server = new Server(model, backend)) {
            long baseline = server.stableSockets();

            EchoLoad.Result load = EchoLoad.run(EchoLoad.Config.builder()
                    .port(server.port).connections(concurrency).size(1 << 20).randomSizes(true).depth(1)
                    .durationSeconds(2).backend(backend).build());
            assertEquals(0, load.mismatches(), model + ": " + load);
            assertEquals(0, load.errors(), model + ": " + load);
            assertEquals(concurrency, load.connectionsEstablished(), model + ": " + load);
            assertTrue(load.messages() >= concurrency, model + ": " + load);

            resetsMidMessageHarmNoOne(server);
            slowReaderGetsEveryByteWithBoundedMemory(server);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.sockets() > baseline && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(baseline, server.sockets(), model + ": sockets left open after every client closed");

            String summary = server.stop();
            assertTrue(summary != null && summary.startsWith(server.name + ": served "), model + ": " + summary);
        }
    }

    /** Clients reset (SO_LINGER 0) in the middle of a message; another client is served throughout. */
    private static void resetsMidMessageHarmNoOne(Server server) throws Exception {
        try (java.net.Socket steady = connect(server.port)) {
            echo(steady, 1000);
            for (int i = 0; i < 10; i++) {
                java.net.Socket victim = connect(server.port);
                victim.getOutputStream().write(new byte[50_000]);
                victim.setSoLinger(true, 0);
                victim.close(); // RST with unsent and unread data
                echo(steady, 1000 + i);
            }
        }
    }

    /**
     * A client sends 48 MiB without reading, then reads: the server must stop reading from it
     * (bounded buffer) rather than buffer it all, and every byte must come back in order.
     */
    private static void slowReaderGetsEveryByteWithBoundedMemory(Server server) throws Exception {
        int total = 48 << 20;
        long before = server.residentKiB();
        try (java.net.Socket c = connect(server.port)) {
            c.setReceiveBufferSize(65536);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream os = c.getOutputStream();
                    byte[] chunk = new byte[65536];
                    for (int sent = 0; sent < total; sent += chunk.length) {
                        fill(chunk, sent);
                        os.write(chunk);
                    }
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(500); // the writer blocks: the server has stopped reading
            assertTrue(!writer.isDone(), "the server buffered everything instead of applying back-pressure");
            long during = server.residentKiB();
            InputStream in = c.getInputStream();
            byte[] got = new byte[65536];
            byte[] expected = new byte[65536];
            for (int received = 0; received < total; received += got.length) {
                new DataInputStream(in).readFully(got);
                fill(expected, received);
                assertArrayEquals(expected, got, "stream differs at byte " + received);
            }
            assertEquals(-1, in.read(), "end of stream after the last byte");
            writer.get(60, TimeUnit.SECONDS);
            assertTrue(during - before < 24 * 1024, "server memory grew by " + (during - before)
                    + " KiB while a client sent 48 MiB without reading");
        }
    }

    private static void fill(byte[] chunk, int offset) {
        for (int i = 0; i < chunk.length; i++) {
            int x = offset + i;
            chunk[i] = (byte) (x ^ (x >>> 8) ^ (x >>> 16));
        }
    }

    private static java.net.Socket connect(int port) throws IOException {
        java.net.Socket s = new java.net.Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        return s;
    }

    private static void echo(java.net.Socket s, int seed) throws IOException {
        byte[] message = new byte[1 + new Random(seed).nextInt(4096)];
        new Random(seed).nextBytes(message);
        s.getOutputStream().write(message);
        byte[] got = new byte[message.length];
        new DataInputStream(s.getInputStream()).readFully(got);
        assertArrayEquals(message, got);
    }
}
