package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code echo-load} against in-test servers: a faithful one, a corrupting one, resetting and closing ones. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoLoadTest {
    private static final Pattern SUMMARY = Pattern.compile("echo-load: \\d+ connections, depth \\d+, sizes "
            + "(random 1\\.\\.|fixed )\\d+: \\d+ msgs in \\d+\\.\\d\\d s = \\d+ msgs/s, \\d+\\.\\d MiB/s, "
            + "latency (p50 \\S+ \\S+ p99 \\S+ \\S+ max \\S+ \\S+|-), mismatches \\d+, errors \\d+");

    /** A thread-per-connection echo server on plain java.net sockets, which can misbehave on purpose. */
    private static final class Peer implements AutoCloseable {
        /** ONE_AT_A_TIME: echoes faithfully, serving a connection to its end before accepting the next. */
        enum Mode { ECHO, CORRUPT_FIRST, RESET_ALL, CLOSE_ALL, GARBAGE, ONE_AT_A_TIME }

        private final ServerSocket server;
        private final List<java.net.Socket> accepted = new ArrayList<>();
        private final Mode mode;
        private final long after;

        /** {@code after}: the stream offset at which a misbehaving mode acts. */
        Peer(Mode mode, long after) throws IOException {
            this.mode = mode;
            this.after = after;
            this.server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::acceptLoop, "peer-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            for (int n = 0; ; n++) {
                java.net.Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                synchronized (accepted) {
                    accepted.add(s);
                }
                boolean first = n == 0;
                if (mode == Mode.ONE_AT_A_TIME) {
                    serve(s, first);
                    continue;
                }
                Thread t = new Thread(() -> serve(s, first), "peer-" + n);
                t.setDaemon(true);
                t.start();
            }
        }

        private void serve(java.net.Socket s, boolean first) {
            byte[] buffer = new byte[65536];
            long total = 0;
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                if (mode == Mode.GARBAGE) {
                    in.read(buffer);
                    out.write("HTTP/1.0 400 Bad Request\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    while (in.read(buffer) >= 0) {
                        // discard
                    }
                    return;
                }
                for (int n; (n = in.read(buffer)) >= 0; total += n) {
                    if (mode == Mode.CORRUPT_FIRST && first && total <= after && after < total + n) {
                        buffer[(int) (after - total)] ^= 0x20;
                    }
                    if ((mode == Mode.RESET_ALL || mode == Mode.CLOSE_ALL) && total + n > after) {
                        out.write(buffer, 0, (int) (after - total));
                        out.flush();
                        if (mode == Mode.RESET_ALL) {
                            s.setSoLinger(true, 0); // close sends RST
                            return;
                        }
                        s.shutdownOutput(); // FIN; and read on, so that close never turns it into a RST
                        while (in.read(buffer) >= 0) {
                            // discard
                        }
                        return;
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (java.net.Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    private static EchoLoad.Config config(int port) {
        return new EchoLoad.Config().host("127.0.0.1").port(port).connectTimeoutMillis(5000).drainTimeoutMillis(5000);
    }

    @Test
    void fiftyConnectionsDepthFourRandomSizesUpTo1MiB() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.ECHO, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(50).depth(4).size(1 << 20)
                    .randomSizes(true).duration(2).seed(7));
            System.out.println(r.summary());
            assertEquals(50, r.connectionsEstablished(), r.summary());
            assertEquals(0, r.mismatches(), r.summary());
            assertEquals(0, r.errors(), r.errorSamples() + " " + r.summary());
            assertTrue(r.messages() > 0, r.summary());
            assertTrue(r.bytes() >= r.messages(), r.summary());
            assertTrue(r.ok(), r.summary());
            assertTrue(r.p50Nanos() > 0 && r.p50Nanos() <= r.p99Nanos() && r.p99Nanos() <= r.maxNanos(), r.summary());
            assertTrue(SUMMARY.matcher(r.summary()).matches(), r.summary());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jni", "jna", "jnr"})
    void everyBackendWithFixedSizesAndAFewBytesMore(String backend) throws Exception {
        try (Peer peer = new Peer(Peer.Mode.ECHO, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(8).depth(3).size(70_001)
                    .randomSizes(false).duration(0.3).backend(backend));
            assertTrue(r.ok(), r.errorSamples() + " " + r.summary());
            assertTrue(r.messages() > 0, r.summary());
            assertEquals(r.messages() * 70_001, r.bytes(), r.summary());
            assertTrue(r.summary().contains("sizes fixed 70001"), r.summary());
        }
    }

    @Test
    void oneByteMessagesDeepPipeline() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.ECHO, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(4).depth(64).size(1).duration(0.3));
            assertTrue(r.ok(), r.errorSamples() + " " + r.summary());
            assertEquals(r.messages(), r.bytes(), r.summary());
        }
    }

    @Test
    void aMessageLimitStopsAfterExactlyThatManyEchoes() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.ECHO, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(7).depth(3).size(100).randomSizes(false)
                    .messages(1001).duration(30));
            assertTrue(r.ok(), r.errorSamples() + " " + r.summary());
            assertEquals(1001, r.messages(), r.summary());
            assertEquals(1001 * 100, r.bytes(), r.summary());
            assertTrue(r.elapsedNanos() < 20_000_000_000L, r.summary()); // stopped by the limit, not the duration
        }
    }

    @Test
    void theDrainClosesFinishedConnectionsSoAnIterativeServerReachesTheRest() throws Exception {
        // Connection 0 holds the server while sending; the other four wait in its backlog with their first
        // message in flight, and are served only because connection 0 is closed once its echoes are back.
        try (Peer peer = new Peer(Peer.Mode.ONE_AT_A_TIME, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(5).size(64).randomSizes(false)
                    .messages(300).duration(30));
            assertTrue(r.ok(), r.errorSamples() + " " + r.summary());
            assertEquals(300, r.messages(), r.summary());
        }
        try (Peer peer = new Peer(Peer.Mode.ONE_AT_A_TIME, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(3).size(64).duration(0.3));
            assertTrue(r.ok(), r.errorSamples() + " " + r.summary());
        }
    }

    @Test
    void theCommandPrintsOneSummaryLineAndExitsZero() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.ECHO, 0)) {
            Output o = execute("--port", Integer.toString(peer.port()), "--connections", "5", "--duration=0.5",
                    "--size", "10000", "--depth", "2", "--seed", "-3");
            assertEquals(0, o.status(), o.err());
            String[] lines = o.out().split("\n");
            assertEquals(1, lines.length, o.out());
            assertTrue(SUMMARY.matcher(lines[0]).matches(), lines[0]);
            assertTrue(lines[0].startsWith("echo-load: 5 connections, depth 2, sizes random 1..10000: "), lines[0]);
            assertTrue(lines[0].endsWith("mismatches 0, errors 0"), lines[0]);
        }
    }

    @Test
    void aFlippedByteIsAMismatchAndAFailure() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.CORRUPT_FIRST, 100_000)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(4).depth(2).size(8192).duration(0.5));
            assertTrue(r.mismatches() > 0, r.summary());
            assertEquals(0, r.errors(), r.errorSamples() + " " + r.summary());
            assertFalse(r.ok(), r.summary());
            assertNotNull(r.firstMismatch());
            assertTrue(r.firstMismatch().contains("byte 100000 of the connection's stream"), r.firstMismatch());
        }
        try (Peer peer = new Peer(Peer.Mode.CORRUPT_FIRST, 12_345)) {
            Output o = execute("--port", Integer.toString(peer.port()), "--connections", "3", "--duration", "0.3");
            assertEquals(1, o.status(), o.out() + o.err());
            assertTrue(o.out().contains("mismatches 1, errors 0"), o.out());
            assertTrue(o.err().contains("first mismatch"), o.err());
        }
    }

    @Test
    void aResetIsAnError() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.RESET_ALL, 50_000)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(10).depth(2).size(4096).duration(0.5));
            assertTrue(r.errors() > 0, r.summary());
            assertEquals(10, r.connectionsEstablished(), r.summary());
            assertEquals(0, r.mismatches(), r.summary());
            assertFalse(r.ok(), r.summary());
        }
    }

    @Test
    void endOfStreamBeforeTheEchoesIsAnError() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.CLOSE_ALL, 30_000)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(6).depth(1).size(1000).duration(0.5));
            assertEquals(6, r.errors(), r.errorSamples() + " " + r.summary());
            assertTrue(r.errorSamples().get(0).contains("end of stream"), r.errorSamples().toString());
            assertEquals(0, r.mismatches(), r.summary());
            assertFalse(r.ok());
        }
    }

    @Test
    void garbageCutShortStillCountsAsAMismatch() throws Exception {
        try (Peer peer = new Peer(Peer.Mode.GARBAGE, 0)) {
            EchoLoad.Result r = EchoLoad.run(config(peer.port()).connections(3).size(1000).randomSizes(false)
                    .duration(0.3));
            assertEquals(3, r.mismatches(), r.summary());
            assertEquals(3, r.errors(), r.errorSamples() + " " + r.summary());
            assertEquals(0, r.messages(), r.summary());
            assertTrue(r.firstMismatch().contains("got 0x48"), r.firstMismatch()); // 'H'
        }
    }

    @Test
    void connectsThatNeverCompleteTimeOut() throws Exception {
        // listen(1) and never accept: the kernel queues two connections, then drops further SYNs
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            EchoLoad.Result r = EchoLoad.run(config(s.getLocalPort()).connections(6).connectTimeoutMillis(500)
                    .drainTimeoutMillis(200).duration(0.1));
            assertTrue(r.connectionsEstablished() < 6, r.summary());
            assertTrue(r.errors() >= 6 - r.connectionsEstablished(), r.summary());
            assertTrue(r.errorSamples().stream().anyMatch(e -> e.contains("timed out after 500 ms")),
                    r.errorSamples().toString());
            assertFalse(r.ok());
        }
    }

    @Test
    void refusedConnectionsAreErrors() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // nothing listens there once closed
        }
        EchoLoad.Result r = EchoLoad.run(config(port).connections(3).duration(0.2));
        assertEquals(0, r.connectionsEstablished(), r.summary());
        assertEquals(3, r.errors(), r.summary());
        assertEquals(0, r.messages(), r.summary());
        assertFalse(r.ok());
        assertTrue(r.summary().startsWith("echo-load: 0 of 3 connections"), r.summary());
        assertTrue(r.errorSamples().get(0).contains("ECONNREFUSED"), r.errorSamples().toString());
        Output o = execute("--port", Integer.toString(port), "--connections", "2", "--duration", "0.1");
        assertEquals(1, o.status());
    }

    @Test
    void argumentErrorsExitWithTwo() {
        String[][] bad = {
            {"--connections", "0"}, {"--size", "x"}, {"--size", "0"}, {"--bogus", "1"}, {"--duration", "-1"},
            {"--duration", "NaN"}, {"--sizes", "medium"}, {"--backend", "ffm"}, {"--port"}, {"--port", "70000"},
            {"--depth", "0"}, {"stray"}, {"--connect-timeout", "0"}, {"--messages", "-1"}, {"--duration", "0"},
        };
        for (String[] args : bad) {
            Output o = execute(args);
            assertEquals(2, o.status(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.err().contains("usage:"), o.err());
            assertEquals("", o.out());
        }
        assertThrows(IllegalArgumentException.class, () -> EchoLoad.run(new EchoLoad.Config().depth(0)));
        Output help = execute("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("usage:"), help.out());
    }

    @Test
    void parsesEveryOption() {
        EchoLoad.Config c = EchoLoad.parse(new String[] {"--host", "localhost", "--port=9", "--connections", "7",
            "--size", "1048576", "--sizes", "fixed", "--depth", "3", "--duration", "0.5", "--seed", "42",
            "--backend", "jnr", "--connect-timeout", "1500", "--drain-timeout", "2500", "--messages", "123"});
        assertEquals("localhost", c.host());
        assertEquals(9, c.port());
        assertEquals(7, c.connections());
        assertEquals(1 << 20, c.size());
        assertFalse(c.randomSizes());
        assertEquals(3, c.depth());
        assertEquals(0.5, c.duration());
        assertEquals(42, c.seed());
        assertEquals("jnr", c.backend());
        assertEquals(1500, c.connectTimeoutMillis());
        assertEquals(2500, c.drainTimeoutMillis());
        assertEquals(123, c.messages());
        EchoLoad.Config d = EchoLoad.parse(new String[0]);
        assertEquals(100, d.connections());
        assertEquals(1, d.depth());
        assertEquals(4096, d.size());
        assertTrue(d.randomSizes());
        assertEquals(5.0, d.duration());
        assertEquals(0, d.messages());
    }

    @Test
    void theStreamIsDeterministicAndVerifiesAtAnyAlignment() {
        long seed = EchoLoad.messageSeed(EchoLoad.connectionSeed(1, 2), 3);
        ByteBuffer b = ByteBuffer.allocateDirect(200).order(ByteOrder.LITTLE_ENDIAN);
        for (int offset = 0; offset < 16; offset++) {
            for (int at = 0; at < 9; at++) {
                EchoLoad.fill(b, at, seed, offset, 150);
                assertEquals(-1, EchoLoad.verify(b, at, seed, offset, 150));
                for (int i = 0; i < 150; i++) {
                    assertEquals(EchoLoad.expected(seed, offset + i), b.get(at + i));
                }
                b.put(at + 77, (byte) (b.get(at + 77) ^ 1));
                assertEquals(offset + 77, EchoLoad.verify(b, at, seed, offset, 150));
            }
        }
        assertTrue(EchoLoad.messageSeed(EchoLoad.connectionSeed(1, 2), 3) != EchoLoad.messageSeed(EchoLoad.connectionSeed(1, 3), 2));
        for (int i = 0; i < 1000; i++) {
            int size = EchoLoad.messageSize(EchoLoad.messageSeed(5, i), 10, true);
            assertTrue(size >= 1 && size <= 10, Integer.toString(size));
        }
    }

    @Test
    void checksTheMinimalEchoExampleInAChildJvm() throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "minimal-echo", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String line = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(line));
            assertTrue(m.find(), line);
            EchoLoad.Result r = EchoLoad.run(config(Integer.parseInt(m.group(1))).connections(20).depth(2)
                    .size(100_000).duration(1));
            assertTrue(r.ok(), r.errorSamples() + " " + r.summary());
            assertTrue(r.messages() > 0, r.summary());
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Output execute(String... args) {
        return Output.of((out, err) -> EchoLoad.execute(args, out, err));
    }
}
