package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Starts README's example servers in a child JVM and echoes through them from several clients at once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MinimalEchoTest {

    @ParameterizedTest
    @ValueSource(strings = {"minimal-echo", "minimal-sigio-echo"})
    void echoesEveryByteForSeveralClients(String example) throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), example, "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("listening on /127.0.0.1:"), String.valueOf(line));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(line);
            assertTrue(m.find(), line);
            int port = Integer.parseInt(m.group(1));
            java.net.Socket[] clients = new java.net.Socket[20];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new java.net.Socket();
                clients[i].connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            }
            Random random = new Random(5);
            for (int round = 0; round < 5; round++) {
                for (java.net.Socket c : clients) {
                    byte[] message = new byte[1 + random.nextInt(300_000)];
                    random.nextBytes(message);
                    OutputStream os = c.getOutputStream();
                    byte[] echoed = new byte[message.length];
                    // write and read at once: a message larger than the socket buffers would deadlock
                    Thread writer = new Thread(() -> {
                        try {
                            os.write(message);
                            os.flush();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    writer.start();
                    new DataInputStream(c.getInputStream()).readFully(echoed);
                    writer.join();
                    assertArrayEquals(message, echoed);
                }
            }
            for (java.net.Socket c : clients) {
                c.close();
            }
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
