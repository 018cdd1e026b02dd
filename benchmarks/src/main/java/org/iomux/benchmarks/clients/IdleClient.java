package org.iomux.benchmarks.clients;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.ResourceLimit;
import org.iomux.Socket;

/**
 * Opens N TCP connections to {@code 127.0.0.1:PORT} and holds them open and idle (nothing sent or read)
 * until killed: the load of the memory benchmark. Prints {@code connected N} once every connect has
 * completed (the server may still be accepting the last ones: the suite counts its descriptors).
 *
 * <p>Non-blocking connects on one epoll, at most {@value #WINDOW} in progress at once, so that the
 * server's accept queue (a backlog of 1,024) is not overrun: a handshake the queue has no room for is
 * dropped and retried by the kernel only a second later. Raises its own descriptor limit to N + 100
 * (up to the hard limit).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.iomux.benchmarks.clients.IdleClient PORT N</pre>
 */
public final class IdleClient {
    static final int WINDOW = 256;

    private IdleClient() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: IdleClient PORT CONNECTIONS");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        long limit = ResourceLimit.raiseSoft(ResourceLimit.NOFILE, n + 100L);
        if (limit < n + 100L) {
            throw new IOException("RLIMIT_NOFILE is " + limit + " (the hard limit): " + n + " connections need "
                    + (n + 100));
        }
        List<Socket> sockets = connectAll(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), n);
        System.out.println("connected " + sockets.size());
        System.out.flush();
        // idle: the sockets stay open (and reachable) until the process is killed
        Thread.sleep(Long.MAX_VALUE);
        sockets.forEach(Socket::close);
    }

    private static List<Socket> connectAll(InetSocketAddress address, int n) throws IOException {
        List<Socket> sockets = new ArrayList<>(n);
        try (Epoll epoll = Epoll.open(); EpollEvents events = EpollEvents.allocate(WINDOW)) {
            int inProgress = 0;
            int connected = 0;
            while (connected < n) {
                while (sockets.size() < n && inProgress < WINDOW) {
                    Socket s = Socket.tcp(address, true);
                    sockets.add(s);
                    if (s.connect(address)) {
                        connected++;
                    } else {
                        epoll.add(s, Epoll.OUT, sockets.size() - 1);
                        inProgress++;
                    }
                }
                int ready = epoll.wait(events, 10_000);
                if (ready == 0) {
                    throw new IOException("no connect completed in 10 s; " + connected + " of " + n + " connected");
                }
                for (int i = 0; i < ready; i++) {
                    Socket s = sockets.get((int) events.data(i));
                    if (s.finishConnect()) {
                        epoll.delete(s);
                        inProgress--;
                        connected++;
                    }
                }
            }
        }
        return sockets; // on an error the process exits, which closes what it opened
    }
}
