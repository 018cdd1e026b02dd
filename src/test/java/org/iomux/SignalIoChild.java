package org.iomux;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The child JVM of {@link SignalIoTest#strayProcessDirectedSignalIsHarmless}: runs a dispatcher on a
 * socket pair (taking its signals by the {@link SignalIo.Method} named by the argument, if any),
 * prints {@code ready <signal>}, and on each {@code poke} line from standard input writes to the pair
 * and reports the event the dispatcher delivers.
 */
public final class SignalIoChild {
    private SignalIoChild() {}

    public static void main(String[] args) throws Exception {
        java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(false);
        SignalIo.Method method = args.length > 0 ? SignalIo.Method.valueOf(args[0]) : null;
        try (SignalIo io = SignalIo.builder().method(method).start(); Socket a = pair[0]; Socket b = pair[1]) {
            io.register(a, (d, band, code) -> {
                while (d.read(new byte[16], 0, 16) > 0) {
                    // drain
                }
                events.add("event " + code);
            });
            System.out.println("ready " + io.signal());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                b.write(new byte[] {1}, 0, 1);
                String event = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                System.out.println(event != null ? event : "no event");
            }
            io.close();
            System.out.println("closed strays=" + io.strays() + " events=" + io.events());
        }
    }
}
