package org.iomux.examples;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.iomux.Descriptor;
import org.iomux.SignalIo;
import org.iomux.Socket;

/**
 * README's signal-driven I/O example, verbatim: an echo server on 127.0.0.1 (port 7008, or the first
 * argument; 0 picks a free one) driven by real-time signals through the {@link SignalIo} dispatcher.
 * Every handler runs on the dispatcher thread, so the map of unsent bytes needs no locking.
 */
public final class MinimalSignalEcho {
    private MinimalSignalEcho() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7008;
        try (Socket listener = Socket.listenTcp(new InetSocketAddress("127.0.0.1", port), 128, true);
             SignalIo io = SignalIo.start()) {                        // its own thread and a free SIGRTMIN+n
            Map<Descriptor, ByteBuffer> buffers = new HashMap<>();    // dispatcher thread only
            SignalIo.Handler echo = (d, band, code) -> {
                ByteBuffer buf = buffers.computeIfAbsent(d, k -> ByteBuffer.allocateDirect(16384).flip());
                for (;;) {
                    if (buf.hasRemaining()) {                         // unsent bytes first
                        d.write(buf);
                        if (buf.hasRemaining()) {
                            return;                                   // socket full: OUT calls us again
                        }
                    }
                    int n = d.read(buf.clear());
                    buf.flip();
                    if (n == 0) {
                        return;                                       // EAGAIN: drained (signals are edge-like)
                    }
                    if (n < 0) {                                      // end of stream
                        io.unregister(d);
                        buffers.remove(d);
                        d.close();
                        return;
                    }
                }
            };
            io.register(listener, (d, band, code) -> {
                for (Socket c; (c = ((Socket) d).accept(true)) != null; ) {
                    io.register(c, echo);
                }
            });
            System.out.println("listening on " + listener.localAddress() + " (signal " + io.signal() + ")");
            Thread.currentThread().join();                            // the dispatcher does the rest
        }
    }
}
