package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.iomux.examples.ServerProcess.connect;
import static org.iomux.examples.ServerProcess.count;
import static org.iomux.examples.ServerProcess.echo;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example server, on every backend, started as its own JVM: checked under load by the load
 * checker (many connections, messages of 1 byte to 1 MiB one at a time, then small ones eight deep,
 * byte-exact), with a client that stops reading while it sends (another is served meanwhile, memory
 * stays bounded), with connections reset mid-message (counted by the server), for leaks of any
 * descriptor, and for a clean shutdown on SIGTERM whose summary has the right counts.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EchoServersTest {

    /**
     * Each model with the number of connections the load checker runs against it: 200 where the
     * model serves that many at once; the blocking models with a fixed pool get a pool as large as
     * the load. The iterative server gets one: it serves one client at a time, by design, and the
     * load checker holds all its connections open for the whole run, so every connection after
     * the first would wait in the backlog until the first closes, at the end, and its echoes would
     * miss the drain deadline.
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

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("servers")
    void servesUnderLoadSurvivesResetsAndSlowReadersAndStopsCleanly(String model, String backend, int concurrency)
            throws Exception {
        try (ServerProcess server = new ServerProcess(model, backend)) {
            long baseline = server.stableDescriptors();

            // large messages, one at a time, then small ones many at a time
            long echoed = 0;
            for (EchoLoad.Config config : List.of(
                    EchoLoad.Config.builder().size(1 << 20).randomSizes(true).depth(1),
                    EchoLoad.Config.builder().size(64).randomSizes(true).depth(8))) {
                EchoLoad.Result load = EchoLoad.run(config.port(server.port).connections(concurrency).durationSeconds(1)
                        .backend(backend).build());
                assertEquals(0, load.mismatches(), model + ": " + load);
                assertEquals(0, load.errors(), model + ": " + load);
                assertEquals(concurrency, load.connectionsEstablished(), model + ": " + load);
                assertTrue(load.messages() >= concurrency, model + ": " + load);
                echoed += load.bytes();
            }

            echoed += resetsMidMessageHarmNoOne(server);
            boolean oneAtATime = model.startsWith("iterative-echo");
            echoed += slowReaderGetsEveryByteWithBoundedMemory(server, !oneAtATime);

            server.awaitDescriptors(baseline, "after every client closed");

            String summary = server.stop();
            // two loads, the steady client and ten reset ones, the slow reader and the one served meanwhile
            assertEquals(2L * concurrency + 12 + (oneAtATime ? 0 : 1), count(summary, "served (\\d+) connections"),
                    summary);
            long bytes = count(summary, "echoed (\\d+) bytes");
            assertTrue(bytes >= echoed && bytes <= echoed + 10 * RESET_AFTER, echoed + " expected: " + summary);
            assertEquals(10, count(summary, "(\\d+) connection errors"), "the ten resets: " + summary);
            assertEquals(0, count(summary, "refused (\\d+)"), summary);
        }
    }

    private static final int RESET_AFTER = 50_000;

    /**
     * Clients reset (SO_LINGER 0) in the middle of a message; another client is served throughout.
     * Returns the bytes echoed to that one.
     */
    private static long resetsMidMessageHarmNoOne(ServerProcess server) throws Exception {
        long echoed = 0;
        try (java.net.Socket steady = connect(server.port)) {
            echoed += echo(steady, 1000);
            for (int i = 0; i < 10; i++) {
                java.net.Socket victim = connect(server.port);
                victim.getOutputStream().write(new byte[RESET_AFTER]);
                victim.setSoLinger(true, 0);
                victim.close(); // RST with unsent and unread data
                echoed += echo(steady, 1000 + i);
            }
        }
        return echoed;
    }

    /**
     * A client sends 48 MiB without reading, then reads: the server must stop reading from it
     * (bounded buffer) rather than buffer it all, serve another client meanwhile (unless it serves
     * one at a time), and send every byte back in order. Returns the bytes echoed.
     */
    private static long slowReaderGetsEveryByteWithBoundedMemory(ServerProcess server, boolean servesOthers) throws Exception {
        int total = 48 << 20;
        long before = server.residentKiB();
        AtomicLong sent = new AtomicLong();
        long echoed = total;
        try (java.net.Socket c = connect(server.port)) {
            c.setReceiveBufferSize(65536);
            c.setSendBufferSize(65536);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream os = c.getOutputStream();
                    byte[] chunk = new byte[65536];
                    for (int at = 0; at < total; at += chunk.length) {
                        fill(chunk, at);
                        os.write(chunk);
                        sent.addAndGet(chunk.length);
                    }
                    c.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // the writer stalls: the server has stopped reading from it
            long last = -1;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; ) {
                Thread.sleep(250);
                if (sent.get() == last) {
                    break;
                }
                last = sent.get();
            }
            assertTrue(!writer.isDone(), "the server buffered everything instead of applying back-pressure");
            if (servesOthers) {
                try (java.net.Socket other = connect(server.port)) {
                    echoed += echo(other, 77); // one stalled client holds up no other
                }
            }
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
            long after = server.residentKiB();
            System.out.println(server.name + ": resident " + before + " KiB before the slow reader, " + during
                    + " during the stall (" + sent.get() / 1024 + " KiB sent), " + after + " after");
            assertTrue(during - before < MEMORY_SLACK_KIB && after - before < MEMORY_SLACK_AFTER_KIB, "server memory grew by "
                    + (during - before) + " KiB (during the stall), " + (after - before) + " KiB (after) while a client sent"
                    + " 48 MiB without reading");
        }
        return echoed;
    }

    /** What a server's resident size may grow by while a client sends 48 MiB without reading. */
    private static final long MEMORY_SLACK_KIB = 4 * 1024;
    /**
     * ... and once it has echoed all 48 MiB: more, because moving that much also makes the JVM
     * compile the busy path and grow its heap a little (4.6 MiB seen once), but still a fraction of
     * what buffering the stream would take.
     */
    private static final long MEMORY_SLACK_AFTER_KIB = 16 * 1024;

    private static void fill(byte[] chunk, int offset) {
        for (int i = 0; i < chunk.length; i++) {
            int x = offset + i;
            chunk[i] = (byte) (x ^ (x >>> 8) ^ (x >>> 16));
        }
    }

}
