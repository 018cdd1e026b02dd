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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Starts README's loop in a child JVM and echoes through it from several clients at once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MinimalEchoTest {

    @Test
    void echoesEveryByteForSeveralClients() throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "minimal-echo", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("listening on /127.0.0.1:"), String.valueOf(line));
            int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
            java.net.Socket[] clients = new java.net.Socket[20];
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new java.net.Socket();
                clients[i].connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            }
            Random random = new Random(5);
            for (int round = 0; round < 5; round++) {
                for (java.net.Socket c : clients) {
                    byte[] message = new byte[1 + random.nextInt(10_000)];
                    random.nextBytes(message);
                    OutputStream os = c.getOutputStream();
                    os.write(message);
                    os.flush();
                    byte[] echoed = new byte[message.length];
                    new DataInputStream(c.getInputStream()).readFully(echoed);
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
