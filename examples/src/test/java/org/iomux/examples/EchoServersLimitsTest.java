package org.iomux.examples;

import static org.iomux.examples.ServerProcess.connect;
import static org.iomux.examples.ServerProcess.count;
import static org.iomux.examples.ServerProcess.echo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
 * The servers at their limits, on the default backend: out of descriptors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoServersLimitsTest {

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
}
