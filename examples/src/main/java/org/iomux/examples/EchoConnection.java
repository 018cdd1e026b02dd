package org.iomux.examples;

import java.nio.ByteBuffer;
import org.iomux.ErrnoException;
import org.iomux.Socket;

/**
 * One non-blocking echo connection with a bounded buffer: what is read is written back, in order.
 * When {@code capacity} bytes are unsent (a client that sends but does not read), reading stops until
 * the client reads, so memory stays bounded and no byte is dropped. Used by the event-driven models
 * (epoll, poll, select, signal-driven I/O); not thread-safe.
 *
 * <p>It keeps the server's books: {@link #open} counts it served, {@link #close()} gives back its
 * place under {@code --max-connections} and adds what it echoed, and an error on it (a reset, ...) is
 * counted and closes it, harming no other connection.
 */
final class EchoConnection {
    /** {@link #service} result bits: what the connection waits for next. */
    static final int READ = 1, WRITE = 2, CLOSED = 4;

    final Socket socket;
    final int fd;
    private final EchoServer server;
    private final ByteBuffer buffer;
    private boolean eof;
    private boolean closed;
    private int wants = READ;
    private long echoed;
    /** The interest last registered with the multiplexer (kept by the caller). */
    int registered;

    private EchoConnection(EchoServer server, Socket socket) {
        this.buffer = ByteBuffer.allocateDirect(server.bufferSize); // first: nothing to undo if it fails
        this.server = server;
        this.socket = socket;
        this.fd = socket.fd();
    }

    /**
     * A connection for {@code socket}, just admitted by {@code server}; or null if there is no
     * memory for its buffer (direct memory is bounded by {@code -XX:MaxDirectMemorySize}): then
     * that connection is refused (closed and counted), and the server goes on serving the others.
     * Created before it is registered anywhere, so a failure leaves nothing behind.
     */
    static EchoConnection open(EchoServer server, Socket socket) {
        EchoConnection c;
        try {
            c = new EchoConnection(server, socket);
        } catch (OutOfMemoryError e) {
            server.refuseAdmitted(socket, e);
            return null;
        }
        server.connections.incrementAndGet();
        return c;
    }

    /**
     * Moves bytes. With {@code drain}, until neither reading nor writing makes progress: what edge
     * triggering (and signal-driven I/O) needs, since it stops only at EAGAIN or with the buffer
     * full. Without, one pass: write what is pending, read once, write what came. That is enough
     * under level triggering, which reports the descriptor again while anything is left, and it
     * saves the read that would only return EAGAIN: two system calls per echoed message, as a C
     * server makes, instead of three.
     *
     * @return {@link #CLOSED} when the connection is over (end of stream with nothing left to send,
     *         or an error: counted) and now closed; else {@link #READ} and/or {@link #WRITE}: what
     *         to wait for
     */
    int service(boolean drain) {
        try {
            if (drain) {
                while (flush() | fill()) {
                    // until neither made progress
                }
            } else {
                flush();
                if (fill()) {
                    flush();
                }
            }
        } catch (ErrnoException e) {
            server.connectionError(); // reset by the peer, ...: this connection only
            close();
            return CLOSED;
        }
        if (eof && buffer.position() == 0) {
            close();
            return CLOSED;
        }
        wants = (buffer.position() > 0 ? WRITE : 0) | (!eof && buffer.hasRemaining() ? READ : 0);
        return wants;
    }

    /** The multiplexer's interest for what the connection waits for: {@code in}, {@code out}, both or 0. */
    int interest(int in, int out) {
        return ((wants & READ) != 0 ? in : 0) | ((wants & WRITE) != 0 ? out : 0);
    }

    /** Writes what is pending; true if something was written. */
    private boolean flush() throws ErrnoException {
        if (buffer.position() == 0) {
            return false;
        }
        buffer.flip();
        int w = socket.write(buffer);
        buffer.compact();
        echoed += w;
        return w > 0;
    }

    /** Reads once if there is room; true if that read data or end of stream. */
    private boolean fill() throws ErrnoException {
        if (eof || !buffer.hasRemaining()) {
            return false;
        }
        int n = socket.read(buffer);
        if (n < 0) {
            eof = true;
        }
        return n != 0;
    }

    /** Closes the socket (which also takes it out of an epoll set) and settles its accounts; idempotent. */
    void close() {
        if (!closed) {
            closed = true;
            socket.close();
            server.closed(echoed);
        }
    }
}
