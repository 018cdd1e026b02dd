package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;

/**
 * An {@code eventfd(2)} counter: the way to wake a thread blocked in {@link Epoll#wait},
 * {@link Poll#poll} or {@link Select#select} from another thread. Register it for reading
 * ({@code Epoll.IN}); {@link #signal()} makes it readable, {@link #drain()} resets it.
 *
 * <pre>{@code
 * EventFd wakeup = EventFd.open(true);
 * epoll.add(wakeup, Epoll.IN, WAKEUP_TOKEN);
 * // another thread:   wakeup.signal();
 * // the loop, on WAKEUP_TOKEN:   wakeup.drain();
 * }</pre>
 *
 * <p>Thread-safe: {@link #signal()} may be called from any number of threads at once (the kernel
 * adds to the counter atomically); allocation-free.
 */
public final class EventFd extends Descriptor {
    private EventFd(Backend backend, int fd) {
        super(backend, fd, true);
    }

    @Override
    String kind() {
        return "eventfd";
    }

    /** A new eventfd with counter 0, {@code EFD_CLOEXEC}, and {@code EFD_NONBLOCK} if asked. */
    public static EventFd open(Backend backend, boolean nonBlocking) throws ErrnoException {
        int fd = backend.calls.eventfd(0, Abi.EFD_CLOEXEC | (nonBlocking ? Abi.EFD_NONBLOCK : 0));
        if (fd < 0) {
            throw Errors.exception("eventfd(0, EFD_CLOEXEC" + (nonBlocking ? "|EFD_NONBLOCK)" : ")"), fd);
        }
        return new EventFd(backend, fd);
    }

    /** {@link #open(Backend, boolean)} with the default backend. */
    public static EventFd open(boolean nonBlocking) throws ErrnoException {
        return open(Backends.defaultBackend(), nonBlocking);
    }

    /** Adds 1 to the counter, making the eventfd readable. */
    public void signal() throws ErrnoException {
        add(1);
    }

    /**
     * Adds {@code value} (1 to 2^64-2) to the counter. If the counter would overflow, a
     * non-blocking eventfd returns false ({@code EAGAIN}); a blocking one waits.
     */
    public boolean add(long value) throws ErrnoException {
        if (value == 0 || value == -1L) {
            throw new IllegalArgumentException("eventfd value must be 1 to 2^64-2, not " + Long.toUnsignedString(value));
        }
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.putLong(Scratch.SMALL, value);
        long r = writeNative(scratch.address(Scratch.SMALL, 8), 8);
        Reference.reachabilityFence(pinned);
        if (r == -Errors.EAGAIN) {
            return false;
        }
        if (r < 0) {
            throw Errors.exception("write(eventfd=" + fd + ")", r);
        }
        return true;
    }

    /**
     * Reads and resets the counter.
     *
     * @return the counter's value, or 0 if it was 0 and the eventfd is non-blocking
     */
    public long drain() throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        long r = readNative(scratch.address(Scratch.SMALL, 8), 8);
        Reference.reachabilityFence(pinned);
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        if (r < 0) {
            throw Errors.exception("read(eventfd=" + fd + ")", r);
        }
        return scratch.getLong(Scratch.SMALL);
    }
}
