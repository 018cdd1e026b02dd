package org.iomux.examples;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.iomux.ErrnoException;
import org.iomux.Socket;
import org.iomux.spi.Abi;

/**
 * {@code iterative-echo}: the baseline. One thread, blocking I/O, one client at a time: accept, echo
 * until the client closes, accept the next. Simplest possible and needs nothing from the OS, but every
 * other client waits (connected, in the listen backlog) for as long as the current one stays, so it
 * suits only short exchanges; one client that never closes stops the service.
 *
 * <p>Also home of the blocking echo loop that the thread models ({@code thread-per-connection-echo},
 * {@code prethread-echo}) share.
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

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        listener = Socket.listenTcp(address, 1024, false); // blocking: accept sleeps in the kernel
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize); // one client at a time: one buffer
        for (;;) {
            Socket s = accept(listener, this);
            if (s == null) {
                return; // stopped
            }
            synchronized (lock) {
                if (stopping) { // stop() ran between accept and here: it could not shut this one down
                    s.close();
                    return;
                }
                current = s;
            }
            connections.incrementAndGet(); // one at a time: --max-connections is never reached
            try {
                echo(s, buffer, bytes);
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
                shutdown(current); // a blocked read returns end of stream, a blocked write EPIPE
            }
        }
    }

    @Override
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    // ---- shared by the blocking models ----------------------------------------------------------

    /**
     * Blocking accept on {@code listener}; null once {@code server} is stopping (stop() closed the
     * listener: accept fails with EINVAL, or IllegalStateException if it was not yet in the call).
     * Other errors belong to one pending connection (ECONNABORTED, ...): counted, then accept again.
     */
    static Socket accept(Socket listener, EchoServer server) {
        for (;;) {
            try {
                return listener.accept(false);
            } catch (IllegalStateException closed) {
                return null;
            } catch (ErrnoException e) {
                if (!listener.isOpen()) {
                    return null;
                }
                server.errors.incrementAndGet();
            }
        }
    }

    /**
     * The blocking echo: read what has arrived (up to the buffer's size), write all of it back, repeat
     * until end of stream. A client that does not read blocks this thread in write, and only it.
     */
    static void echo(Socket s, ByteBuffer buffer, AtomicLong echoed) throws ErrnoException {
        for (;;) {
            buffer.clear();
            if (s.read(buffer) < 0) {
                return; // end of stream (also after stop() shut the socket down)
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                echoed.addAndGet(s.write(buffer)); // blocking: returns after writing something
            }
        }
    }

    /** shutdown(SHUT_RDWR): wakes the thread blocked on {@code s}; the thread closes it. */
    static void shutdown(Socket s) {
        try {
            s.shutdown(Abi.SHUT_RDWR);
        } catch (ErrnoException | IllegalStateException e) {
            // ENOTCONN: the peer is gone already; closed: its thread has finished
        }
    }
}
