package org.iomux.examples;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.Socket;

/**
 * The 20-line epoll loop of README.md, verbatim: an echo server on 127.0.0.1 (port 7007, or the first
 * argument; 0 picks a free one). Level-triggered; for brevity accepted sockets stay blocking, so a
 * write waits for a slow reader. The {@code epoll-echo} example is the complete version (partial
 * writes with EPOLLOUT, edge triggering, several loops).
 */
public final class MinimalEcho {
    private MinimalEcho() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7007;
        try (Socket listener = Socket.listenTcp(new InetSocketAddress("127.0.0.1", port), 128, true);
             Epoll epoll = Epoll.open();
             EpollEvents events = EpollEvents.allocate(256)) {
            Socket[] connections = new Socket[65536];           // indexed by descriptor number
            ByteBuffer buffer = ByteBuffer.allocateDirect(16384);
            epoll.add(listener, Epoll.IN, -1);                  // data -1: the listener
            System.out.println("listening on " + listener.localAddress());
            for (;;) {
                int ready = epoll.wait(events, -1);
                for (int i = 0; i < ready; i++) {
                    int fd = (int) events.data(i);
                    if (fd == -1) {                             // accept until EAGAIN (null)
                        for (Socket c; (c = listener.accept(false)) != null; ) {
                            connections[c.fd()] = c;
                            epoll.add(c, Epoll.IN, c.fd());
                        }
                    } else if (connections[fd].read(buffer.clear()) < 0) {
                        connections[fd].close();                // close also leaves the epoll set
                        connections[fd] = null;
                    } else {
                        connections[fd].write(buffer.flip());   // blocking: writes it all
                    }
                }
            }
        }
    }
}
