package org.iomux;

import org.iomux.spi.NativeCalls;

/**
 * An owned file descriptor: the base of every iomux handle ({@link Descriptor}, {@link Socket},
 * {@link EventFd}, {@link Epoll}).
 *
 * <h2>Lifetime</h2>
 * Every operation <em>acquires</em> the handle for the duration of its system call and releases it
 * after. {@link #close()} is idempotent; it marks the handle closed at once, so that any later
 * operation throws {@link IllegalStateException} before making a system call, and the descriptor
 * number itself is closed when the last in-flight call returns (immediately, if none is). The
 * number is therefore never closed under a running call, and a call is never made on a number
 * that may already belong to another file: the race that makes raw {@code int} descriptors
 * dangerous in multi-threaded programs. (The JDK's channels use the same scheme.)
 *
 * <p>Closing a handle while another thread is blocked in a call on it does not interrupt that call
 * by itself; subclasses document how they unblock it ({@link Socket} shuts the socket down).
 *
 * <h2>Thread safety</h2>
 * The lifetime protocol ({@code Lifetime}, shared with {@link SharedMemory}) is lock-free and safe
 * from any thread (a compare-and-set on one state word); each subclass documents the
 * thread-safety of its operations.
 */
public abstract class FdHandle extends Lifetime implements AutoCloseable {
    final Backend backend;
    /** {@code backend.calls}, one load nearer for the calls on the hot paths. */
    final NativeCalls calls;
    final int fd;
    private final boolean owned;

    FdHandle(Backend backend, int fd, boolean owned) {
        this.backend = backend;
        this.calls = backend.calls;
        this.fd = fd;
        this.owned = owned;
    }

    /**
     * The descriptor number, e.g. to use as {@code epoll_event.data} or in a log line.
     *
     * @throws IllegalStateException if the handle is closed: the number may already be reused
     */
    public final int fd() {
        if (isClosed()) {
            throw closedException();
        }
        return fd;
    }

    /** False once {@link #close()} has been called. */
    public final boolean isOpen() {
        return !isClosed();
    }

    /** The backend this handle makes its calls through. */
    public final Backend backend() {
        return backend;
    }

    /** Whether {@link #close()} closes the descriptor (false for {@link Descriptor#borrow}ed ones). */
    public final boolean isOwned() {
        return owned;
    }

    /**
     * Marks the start of a call on this descriptor.
     *
     * @return the descriptor number, valid until the matching {@link #release()}
     * @throws IllegalStateException if the handle is closed
     */
    final int acquire() {
        retain();
        return fd;
    }

    // release(): inherited from Lifetime; the last one out after close() closes the number

    /**
     * Closes the handle; idempotent and safe from any thread. See the class documentation: the
     * descriptor is closed now, or when the last call in flight on it returns.
     */
    @Override
    public final void close() {
        markClosed();
    }

    /** Called once, by {@link #close()}, when other threads are inside calls on this descriptor. */
    @Override
    void closingWhileInUse() {
    }

    /** Called once, by the last user; releases the descriptor and anything else the handle owns. */
    @Override
    void closeNow() {
        // close(2): never retried, not even on EINTR, since Linux releases the number regardless
        if (owned) {
            calls.close(fd);
        }
    }

    /** A short name of what the descriptor is, for messages: "socket", "epoll", ... */
    abstract String kind();

    @Override
    final IllegalStateException closedException() {
        return new IllegalStateException(kind() + " (fd " + fd + ") is closed");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[fd=" + fd + (isOpen() ? "" : ", closed") + ", " + backend.name() + "]";
    }
}
