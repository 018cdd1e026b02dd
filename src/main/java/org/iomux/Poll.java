package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;
import org.iomux.spi.NativeCalls;
import org.iomux.spi.StructLayout;

/**
 * A reusable, off-heap {@code struct pollfd} array and {@code poll(2)} over it.
 *
 * <pre>
 * struct pollfd { int fd; short events; short revents; };   // 8 bytes
 * </pre>
 *
 * Entries are added with {@link #add} (which returns the entry's index), changed with
 * {@link #setEvents}, and removed with {@link #remove} (which moves the last entry into the gap, as
 * an O(1) event loop wants). After {@link #poll}, {@link #revents(int)} tells what each entry is
 * ready for: the asked-for bits plus {@link #ERR}, {@link #HUP} and {@link #NVAL}, which the kernel
 * always reports. {@code NVAL} means the number is not an open descriptor (closed behind the set's
 * back). The array grows as needed; polling allocates nothing.
 *
 * <h2>Handles and raw numbers</h2>
 * An entry added as a handle ({@link #add(FdHandle, int)}) keeps the handle, and each
 * {@link #poll} holds every such handle for the duration of the call, as any call on a
 * descriptor does (see {@link FdHandle}): a handle closed while in the set makes {@code poll}
 * throw {@link IllegalStateException} before the call, so a number the kernel has since reused
 * is never polled (remove the entry before closing the handle); one closed by another thread
 * during a poll is closed when the poll returns (a {@link Socket} is shut down, which wakes the
 * poll). An entry added as a raw number ({@link #add(int, int)}) is the caller's to keep valid: a
 * number closed after {@code add} gives {@link #NVAL}, or, once reused, reports on whatever the
 * number names then.
 *
 * <p>Owns its native memory, not the descriptors. Not thread-safe: confine to one thread.
 */
public final class Poll implements AutoCloseable {
    public static final int IN = Abi.POLLIN;
    public static final int PRI = Abi.POLLPRI;
    public static final int OUT = Abi.POLLOUT;
    /** Output only: an error condition (always reported). */
    public static final int ERR = Abi.POLLERR;
    /** Output only: hang up (always reported). */
    public static final int HUP = Abi.POLLHUP;
    /** Output only: the fd is not open (always reported). */
    public static final int NVAL = Abi.POLLNVAL;
    public static final int RDNORM = Abi.POLLRDNORM;
    public static final int RDBAND = Abi.POLLRDBAND;
    public static final int WRNORM = Abi.POLLWRNORM;
    public static final int WRBAND = Abi.POLLWRBAND;
    public static final int MSG = Abi.POLLMSG;
    /** The peer shut down its writing side (Linux 2.6.17). */
    public static final int RDHUP = Abi.POLLRDHUP;

    /** The bits {@code events} may hold. */
    public static final int ALL_FLAGS = IN | PRI | OUT | ERR | HUP | NVAL | RDNORM | RDBAND | WRNORM | WRBAND | MSG | RDHUP;

    private final Backend backend;
    private final NativeCalls calls;
    private final int stride;
    private final int fdOffset;
    private final int eventsOffset;
    private final int reventsOffset;
    private NativeBuffer memory;
    /** Entry i's handle, or null for a raw number; as long as the pollfd array has room for. */
    private FdHandle[] handles;
    private int size;

    private Poll(Backend backend, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("poll capacity " + capacity + " < 1");
        }
        StructLayout l = backend.layout();
        this.backend = backend;
        this.calls = backend.calls;
        this.stride = l.pollfdSize;
        this.fdOffset = l.pollfdFd;
        this.eventsOffset = l.pollfdEvents;
        this.reventsOffset = l.pollfdRevents;
        this.memory = NativeBuffer.allocate(backend, Math.multiplyExact(capacity, stride));
        this.handles = new FdHandle[capacity];
    }

    /** An empty set with room for {@code capacity} entries before it grows. */
    public static Poll open(Backend backend, int capacity) {
        return new Poll(backend, capacity);
    }

    /** {@link #open(Backend, int)} with the default backend. */
    public static Poll open(int capacity) {
        return open(Backends.defaultBackend(), capacity);
    }

    /** The number of entries. */
    public int size() {
        return size;
    }

    /**
     * Adds an entry for {@code handle}'s descriptor; each {@link #poll} holds the handle (see the
     * class documentation).
     *
     * @return the entry's index
     * @throws IllegalStateException if the handle is closed
     */
    public int add(FdHandle handle, int events) throws ErrnoException {
        int index = add(handle.fd(), events);
        handles[index] = handle;
        return index;
    }

    /**
     * Adds an entry for a raw descriptor number.
     *
     * @return the entry's index
     * @throws ErrnoException {@code EBADF} for a negative number (which poll(2) would silently skip)
     */
    public int add(int fd, int events) throws ErrnoException {
        if (fd < 0) {
            throw Errors.synthetic("poll(fd=" + fd + ")", Abi.EBADF);
        }
        Errors.checkFlags("poll", events, ALL_FLAGS);
        if ((size + 1) * stride > memory.capacity()) {
            grow();
        }
        int at = size * stride;
        memory.putInt(at + fdOffset, fd);
        memory.putShort(at + eventsOffset, (short) events);
        memory.putShort(at + reventsOffset, (short) 0);
        handles[size] = null;
        return size++;
    }

    /** Replaces the events asked for at {@code index}. */
    public void setEvents(int index, int events) {
        Errors.checkFlags("poll", events, ALL_FLAGS);
        memory.putShort(offset(index) + eventsOffset, (short) events);
    }

    /**
     * Removes entry {@code index} by moving the last entry into its place.
     *
     * @return the descriptor now at {@code index}, or -1 if the removed entry was the last
     */
    public int remove(int index) {
        int at = offset(index);
        int last = --size;
        handles[index] = handles[last];
        handles[last] = null;
        if (index == last) {
            return -1;
        }
        int from = last * stride;
        memory.putInt(at + fdOffset, memory.getInt(from + fdOffset));
        memory.putShort(at + eventsOffset, memory.getShort(from + eventsOffset));
        memory.putShort(at + reventsOffset, memory.getShort(from + reventsOffset));
        return memory.getInt(at + fdOffset);
    }

    /** Removes every entry. */
    public void clear() {
        java.util.Arrays.fill(handles, 0, size, null);
        size = 0;
    }

    public int fd(int index) {
        return memory.getInt(offset(index) + fdOffset);
    }

    public int events(int index) {
        return memory.getShort(offset(index) + eventsOffset) & 0xffff;
    }

    /** What entry {@code index} was found ready for by the last {@link #poll}. */
    public int revents(int index) {
        return memory.getShort(offset(index) + reventsOffset) & 0xffff;
    }

    /**
     * {@code poll(2)} over all entries.
     *
     * @param timeoutMillis -1 to wait without limit, 0 to return at once, else milliseconds
     * @return the number of entries with non-zero {@link #revents}
     */
    public int poll(int timeoutMillis) throws ErrnoException {
        if (timeoutMillis < -1) {
            throw new IllegalArgumentException("timeout " + timeoutMillis + " ms < -1");
        }
        ByteBuffer pinned = memory.pin();
        int held = retainHandles();
        long start = timeoutMillis > 0 ? System.nanoTime() : 0;
        int n;
        try {
            n = calls.poll(memory.address(), size, timeoutMillis);
            while (n == -Errors.EINTR) {
                int left = timeoutMillis <= 0 ? timeoutMillis
                        : (int) Math.max(0, timeoutMillis - (System.nanoTime() - start) / 1_000_000);
                n = calls.poll(memory.address(), size, left);
            }
        } finally {
            releaseHandles(held);
            Reference.reachabilityFence(pinned);
        }
        if (n < 0) {
            throw Errors.exception("poll(nfds=" + size + ")", n);
        }
        return n;
    }

    /**
     * Holds the handle of every entry that has one, for the call; returns how many entries were
     * walked (all of them). A closed handle throws, after releasing what was held.
     */
    private int retainHandles() {
        int i = 0;
        try {
            for (; i < size; i++) {
                FdHandle h = handles[i];
                if (h != null) {
                    h.retain();
                }
            }
            return i;
        } catch (IllegalStateException closed) {
            releaseHandles(i);
            throw new IllegalStateException("poll entry " + i + ": " + closed.getMessage()
                    + "; remove it from the set before closing it", closed);
        }
    }

    private void releaseHandles(int count) {
        for (int i = 0; i < count; i++) {
            FdHandle h = handles[i];
            if (h != null) {
                h.release();
            }
        }
    }

    private int offset(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("poll entry " + index + " of " + size);
        }
        return index * stride;
    }

    private void grow() {
        NativeBuffer old = memory;
        int capacity = old.capacity() / stride;
        NativeBuffer bigger = NativeBuffer.allocate(backend, Math.multiplyExact(Math.max(capacity * 2, 4), stride));
        for (int i = 0; i < size * stride; i += 4) {
            bigger.putInt(i, old.getInt(i));
        }
        memory = bigger;
        handles = java.util.Arrays.copyOf(handles, bigger.capacity() / stride);
        old.close();
    }

    /** Releases the native memory (not the descriptors); idempotent. */
    @Override
    public void close() {
        clear();
        memory.close();
    }
}
