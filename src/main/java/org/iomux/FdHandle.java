package org.iomux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.iomux.spi.Backend;

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
 * The lifetime protocol is lock-free and safe from any thread (a compare-and-set on one state
 * word); each subclass documents the thread-safety of its operations.
 */
public abstract class FdHandle implements AutoCloseable {
    private static final VarHandle STATE;
    private static final int CLOSED = 1;
    private static final int USER = 2;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FdHandle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Backend backend;
    final int fd;
    private final boolean owned;
    /** bit 0: closed; bits 1..31: the number of calls in flight. */
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    FdHandle(Backend backend, int fd, boolean owned) {
        this.backend = backend;
        this.fd = fd;
        this.owned = owned;
    }

    /**
     * The descriptor number, e.g. to use as {@code epoll_event.data} or in a log line.
     *
     * @throws IllegalStateException if the handle is closed: the number may already be reused
     */
    public final int fd() {
        if (((int) STATE.getVolatile(this) & CLOSED) != 0) {
            throw closedException();
        }
        return fd;
    }

    /** False once {@link #close()} has been called. */
    public final boolean isOpen() {
        return ((int) STATE.getVolatile(this) & CLOSED) == 0;
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
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                throw closedException();
            }
            if (STATE.compareAndSet(this, s, s + USER)) {
                return fd;
            }
        }
    }

    /** Marks the end of a call; the last one out after {@link #close()} closes the number. */
    final void release() {
        int s = (int) STATE.getAndAdd(this, -USER) - USER;
        if (s == CLOSED) {
            closeNow();
        }
    }

    /**
     * Closes the handle; idempotent and safe from any thread. See the class documentation: the
     * descriptor is closed now, or when the last call in flight on it returns.
     */
    @Override
    public final void close() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    closeNow();
                } else {
                    // calls are in flight: the descriptor is still open, so this is safe
                    closingWhileInUse();
                }
                return;
            }
        }
    }

    /** Called once, by {@link #close()}, when other threads are inside calls on this descriptor. */
    void closingWhileInUse() {
    }

    /** Called once, by the last user; releases the descriptor and anything else the handle owns. */
    void closeNow() {
        // close(2): never retried, not even on EINTR, since Linux releases the number regardless
        if (owned) {
            backend.close(fd);
        }
    }

    /** A short name of what the descriptor is, for messages: "socket", "epoll", ... */
    abstract String kind();

    final IllegalStateException closedException() {
        return new IllegalStateException(kind() + " (fd " + fd + ") is closed");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[fd=" + fd + (isOpen() ? "" : ", closed") + ", " + backend.name() + "]";
    }
}
