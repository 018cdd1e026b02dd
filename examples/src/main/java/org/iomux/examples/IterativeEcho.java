package org.iomux.examples;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.iomux.ErrnoException;
import org.iomux.Socket;

/**
 * {@code iterative-echo}: the baseline. One thread, blocking I/O, one client at a time: accept, echo
 * until the client closes, accept the next. Simplest possible and needs nothing from the OS, but every
 * other client waits (connected, in the listen backlog) for as long as the current one stays, so it
 * suits only short exchanges; one client that never closes stops the service.
 */
final class IterativeEcho extends EchoServer {
    private Socket listener;
    private final Object lock = new Object();
    private Socket current; // guarded by lock: the connection stop() must shut down
    private volatile boolean stopping;

    public static void main(String[] args) {
        EchoServer.main(new IterativeEcho(), args);
    }

    @Override
    String name() {
        return "iterative-echo";
    }

    @Override
    String summary() {
        return "An iterative echo server: one thread, blocking I/O, one client at a time (the others wait in the"
                + " backlog).";
    }

    /** No --max-connections: one connection at a time is the model. */
    @Override
    List<ServerOptions.Option> commonOptions() {
        return ServerOptions.COMMON.stream().filter(o -> o != ServerOptions.MAX_CONNECTIONS).toList();
    }

    @Override
    long buffersAtOnce() {
        return 1;
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        listener = Socket.listenTcp(address, 1024, false); // blocking: accept sleeps in the kernel
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize); // one client at a time: one buffer
        for (Socket s; (s = Acceptor.acceptBlocking(listener, this)) != null; ) {
            synchronized (lock) {
                if (stopping) { // stop() ran between accept and here: it could not shut this one down
                    s.close();
                    return;
                }
                current = s;
            }
            connections.incrementAndGet();
            try {
                BlockingEcho.echo(s, buffer, bytes::addAndGet);
            } catch (ErrnoException e) {
                if (!stopping) {
                    errors.incrementAndGet(); // reset, ...: this client only
                }
            } finally {
                synchronized (lock) {
                    current = null;
                }
                s.close();
            }
        }
    }

    @Override
    void stop() {
        stopping = true;
        listener.close(); // a blocked accept is woken (the socket is shut down), a later one throws
        synchronized (lock) {
            if (current != null) {
                BlockingEcho.shutdown(current); // a blocked read returns end of stream, a blocked write EPIPE
            }
        }
    }

    @Override
    void close() {
        if (listener != null) {
            listener.close();
        }
    }
}
