package org.iomux.examples;

import org.iomux.ErrnoException;
import org.iomux.NativeBuffer;
import org.iomux.Socket;

/**
 * One non-blocking echo connection with a bounded buffer: what is read is written back, in order.
 * When {@code capacity} bytes are unsent (a client that sends but does not read), reading stops until
 * the client reads, so memory stays bounded and no byte is dropped. Used by the event-driven models
 * (epoll, poll, select, signal-driven I/O); not thread-safe.
 *
 * <p>The buffer is held only while bytes are in flight: taken from the event loop's
 * {@link BufferPool} just before a read, given back as soon as everything read has been written. An
 * idle connection holds none. A connection that finds no direct memory for a buffer when data
 * arrives ({@code -XX:MaxDirectMemorySize}) is closed and counted, and the server serves the others.
 *
 * <p>The buffer is a {@link NativeBuffer}, read into and written from by offset ({@code [start, end)}
 * is unsent): the cheapest calls (no buffer address to look up), and no position to flip or bytes to
 * compact. Reading goes on into the room after {@code end}; once that is full, it waits until
 * everything has been written and the buffer starts over.
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
    private final BufferPool pool;
    /** Null while no bytes are in flight. */
    private NativeBuffer buffer;
    /** The bytes read and not yet written: {@code buffer[start, end)}. */
    private int start, end;
    private boolean eof;
    private boolean closed;
    /** Set when there was no direct memory for a buffer: the connection is then closed. */
    private OutOfMemoryError noMemory;
    private int wants = READ;
    private long echoed;
    /** The interest last registered with the multiplexer (kept by the caller). */
    int registered;

    private EchoConnection(EchoServer server, BufferPool pool, Socket socket) {
        this.server = server;
        this.pool = pool;
        this.socket = socket;
        this.fd = socket.fd();
    }

    /**
     * A connection for {@code socket}, just admitted by {@code server}, whose buffers come from
     * {@code pool} (its event loop's): counted served. It holds no buffer yet.
     */
    static EchoConnection open(EchoServer server, BufferPool pool, Socket socket) {
        EchoConnection c = new EchoConnection(server, pool, socket);
        server.connections.incrementAndGet();
        return c;
    }

    /**
     * Moves bytes. With {@code drain}, until neither reading nor writing makes progress: what edge
     * triggering (and signal-driven I/O) needs, since it stops only at EAGAIN or with the buffer
     * full. Without, one pass: write what is pending, read once, write what came. That is enough
     * under level triggering, which reports the descriptor again while anything is left, and it
     * saves the read that would only return EAGAIN: two system calls per echoed message, as a C
     * server makes, instead of three. Then, with nothing left unsent, the buffer goes back to the pool.
     *
     * @return {@link #CLOSED} when the connection is over (end of stream with nothing left to send,
     *         an error, or no memory for a buffer: counted) and now closed; else {@link #READ} and/or
     *         {@link #WRITE}: what to wait for
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
        if (noMemory != null) { // no direct memory for a buffer: this connection only
            server.noMemoryForBuffer(noMemory);
            close();
            return CLOSED;
        }
        boolean pending = start < end;
        if (!pending && buffer != null) {
            pool.give(buffer);
            buffer = null;
        }
        if (eof && !pending) {
            close();
            return CLOSED;
        }
        // room to read: no buffer (one is taken at the read), or room after end
        wants = (pending ? WRITE : 0) | (!eof && (buffer == null || end < buffer.capacity()) ? READ : 0);
        return wants;
    }

    /** The multiplexer's interest for what the connection waits for: {@code in}, {@code out}, both or 0. */
    int interest(int in, int out) {
        return ((wants & READ) != 0 ? in : 0) | ((wants & WRITE) != 0 ? out : 0);
    }

    /** Writes what is pending; true if something was written. */
    private boolean flush() throws ErrnoException {
        if (start == end) {
            return false;
        }
        int w = socket.write(buffer, start, end - start);
        echoed += w;
        start += w;
        if (start == end) {
            start = end = 0; // all written: the whole buffer is room again
        }
        return w > 0;
    }

    /**
     * Reads once if there is room, taking a buffer from the pool first if it holds none; true if that
     * read data or end of stream. False, with {@link #noMemory} set, if there is no buffer to read into.
     */
    private boolean fill() throws ErrnoException {
        if (eof) {
            return false;
        }
        if (buffer == null) {
            try {
                buffer = pool.take();
            } catch (OutOfMemoryError e) {
                noMemory = e;
                return false;
            }
        } else if (end == buffer.capacity()) {
            return false; // full: read again once it has all been written
        }
        int n = socket.read(buffer, end, buffer.capacity() - end);
        if (n < 0) {
            eof = true;
        } else {
            end += n;
        }
        return n != 0;
    }

    /**
     * Closes the socket (which also takes it out of an epoll set), gives its buffer back (what was
     * unsent is dropped with the connection) and settles its accounts; idempotent.
     */
    void close() {
        if (!closed) {
            closed = true;
            socket.close();
            if (buffer != null) {
                pool.give(buffer);
                buffer = null;
                start = end = 0;
            }
            server.closed(echoed);
        }
    }
}
