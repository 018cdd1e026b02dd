package org.iomux.examples;

import java.nio.ByteBuffer;
import org.iomux.ErrnoException;
import org.iomux.Socket;

/**
 * One non-blocking echo connection with a bounded buffer: what is read is written back, in order.
 * When {@code capacity} bytes are unsent (a client that sends but does not read), reading stops until
 * the client reads, so memory stays bounded and no byte is dropped. Used by the event-driven models
 * (epoll, poll, select, signal-driven I/O); not thread-safe.
 */
final class EchoConnection {
    /** {@link #service()} result bits: what the connection waits for next. */
    static final int READ = 1, WRITE = 2, CLOSED = 4;

    final Socket socket;
    final int fd;
    private final ByteBuffer buffer;
    private boolean eof;
    long echoed;
    /** The interest last registered with the multiplexer (kept by the caller). */
    int interest;

    EchoConnection(Socket socket, int capacity) {
        this.socket = socket;
        this.fd = socket.fd();
        this.buffer = ByteBuffer.allocateDirect(capacity);
    }

    /**
     * Moves bytes until neither reading nor writing makes progress: what edge triggering (and
     * signal-driven I/O) needs, since it stops only at EAGAIN or with the buffer full.
     *
     * @return {@link #CLOSED} when the connection is over (end of stream with nothing left to send),
     *         else {@link #READ} and/or {@link #WRITE}: what to wait for
     * @throws ErrnoException on a connection error (reset, ...): close the connection
     */
    int service() throws ErrnoException {
        return service(true);
    }

    /**
     * With {@code drain} false, one pass: write what is pending, read once, write what came. Enough
     * under level triggering, which reports the descriptor again while anything is left, and it
     * saves the read that would only return EAGAIN: two system calls per echoed message, as a C
     * server makes, instead of three.
     */
    int service(boolean drain) throws ErrnoException {
        if (!drain) {
            flush();
            if (!eof && buffer.hasRemaining()) {
                if (socket.read(buffer) < 0) {
                    eof = true;
                }
                flush();
            }
            return result();
        }
        for (;;) {
            boolean progress = false;
            if (buffer.position() > 0) {
                buffer.flip();
                int w = socket.write(buffer);
                buffer.compact();
                echoed += w;
                progress = w > 0;
            }
            if (!eof && buffer.hasRemaining()) {
                int n = socket.read(buffer);
                if (n < 0) {
                    eof = true;
                    progress = true;
                } else if (n > 0) {
                    progress = true;
                }
            }
            if (!progress) {
                break;
            }
        }
        return result();
    }

    private void flush() throws ErrnoException {
        if (buffer.position() > 0) {
            buffer.flip();
            echoed += socket.write(buffer);
            buffer.compact();
        }
    }

    private int result() {
        if (eof && buffer.position() == 0) {
            return CLOSED;
        }
        return (buffer.position() > 0 ? WRITE : 0) | (!eof && buffer.hasRemaining() ? READ : 0);
    }
}
