package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;
import org.iomux.spi.NativeCalls;
import org.iomux.spi.StructLayout;

/**
 * {@code select(2)} with descriptor sets of any size.
 *
 * <p>glibc's {@code fd_set} holds 1,024 descriptors ({@code FD_SETSIZE}), but the kernel reads as
 * many bitmap words as {@code nfds} needs, up to the process's descriptor table; this class sizes its
 * bitmaps for {@code fdLimit} descriptors, so {@code select} works at 10,000 descriptors and beyond
 * (raise {@code RLIMIT_NOFILE} first, see {@link ResourceLimit}). The bitmaps are
 * {@code unsigned long} words, bit {@code fd % 64} of word {@code fd / 64}, as the kernel reads them.
 *
 * <p>The interest sets live on the Java heap; each {@link #select} copies them into the off-heap
 * result sets, which the kernel overwrites with what is ready (the classic {@code select} loop,
 * done for the caller); a set that holds no descriptor is passed as {@code NULL}, so the kernel
 * does not scan it. {@link #nextReady} walks the results a bitmap word at a time. Polling
 * allocates nothing.
 *
 * <h2>Handles and raw numbers</h2>
 * A descriptor added as a handle ({@link #add(FdHandle, int)}) keeps the handle, and each
 * {@link #select} holds every such handle for the duration of the call, as any call on a
 * descriptor does (see {@link FdHandle}): a handle closed while in the sets makes {@code select}
 * throw {@link IllegalStateException} before the call, so a number the kernel has since reused is
 * never watched (remove it before closing the handle); one closed by another thread during a
 * select is closed when the select returns (a {@link Socket} is shut down, which wakes it). A
 * descriptor added as a raw number ({@link #add(int, int)}) is the caller's to keep valid: closed,
 * it makes {@code select} fail with {@code EBADF}; reused, it is watched under its new owner.
 *
 * <p>Owns its memory, not the descriptors. Not thread-safe: confine to one thread.
 */
public final class Select implements AutoCloseable {
    /** Interest in / readiness for reading. */
    public static final int READ = 1;
    /** Interest in / readiness for writing. */
    public static final int WRITE = 2;
    /** Interest in / readiness of exceptional conditions (TCP urgent data). */
    public static final int EXCEPT = 4;

    /** An upper bound on {@code fdLimit}: Linux's default {@code fs.nr_open}. */
    public static final int MAX_FD_LIMIT = 1 << 20;

    private final Backend backend;
    private final NativeCalls calls;
    private final int fdLimit;
    private final int words;
    private final long[][] interest;
    /** Descriptors in each interest set. */
    private final int[] members = new int[3];
    /** Which sets the last select passed to the kernel (bit {@code set}). */
    private int passed;
    private final NativeBuffer memory;
    private final int timevalOffset;
    private final int timevalSec;
    private final int timevalUsec;
    private int highest = -1;
    /** Bitmap words the last select wrote; later words hold nothing current. */
    private int lastUsed;
    /** The handle descriptor {@code fd} was added with, or null (a raw number, or not a member). */
    private FdHandle[] handles = new FdHandle[0];
    /** Non-null entries of {@link #handles}: none, and select walks nothing. */
    private int handleCount;

    private Select(Backend backend, int fdLimit) {
        if (fdLimit < 1 || fdLimit > MAX_FD_LIMIT) {
            throw new IllegalArgumentException("select fdLimit " + fdLimit + " is outside [1, " + MAX_FD_LIMIT + "]");
        }
        StructLayout l = backend.layout();
        if (l.fdSetWord != 8) {
            throw new IllegalStateException("select bitmaps of " + l.fdSetWord + "-byte words are not supported");
        }
        this.backend = backend;
        this.calls = backend.calls;
        this.fdLimit = fdLimit;
        this.words = (fdLimit + 63) >>> 6;
        this.interest = new long[3][words];
        int setBytes = words * 8;
        this.timevalOffset = 3 * setBytes;
        this.timevalSec = timevalOffset + l.timevalSec;
        this.timevalUsec = timevalOffset + l.timevalUsec;
        this.memory = NativeBuffer.allocate(backend, timevalOffset + l.timevalSize);
    }

    /** Sets for descriptors {@code 0 .. fdLimit-1}. */
    public static Select open(Backend backend, int fdLimit) {
        return new Select(backend, fdLimit);
    }

    /** {@link #open(Backend, int)} with the default backend. */
    public static Select open(int fdLimit) {
        return open(Backends.defaultBackend(), fdLimit);
    }

    /** The descriptors these sets can hold: {@code 0 .. fdLimit()-1}. */
    public int fdLimit() {
        return fdLimit;
    }

    /**
     * Adds {@code handle}'s descriptor with interest {@code READ | WRITE | EXCEPT} (any
     * combination; {@code 0} removes it); each {@link #select} holds the handle (see the class
     * documentation).
     *
     * @throws IllegalStateException if the handle is closed
     */
    public void add(FdHandle handle, int interestOps) throws ErrnoException {
        int fd = handle.fd();
        add(fd, interestOps);
        if (interestOps != 0) {
            if (fd >= handles.length) {
                handles = java.util.Arrays.copyOf(handles, Math.min(fdLimit, Math.max(fd + 1, handles.length * 2)));
            }
            handleCount++;
            handles[fd] = handle;
        }
    }

    /**
     * Sets the interest for {@code fd} to {@code interestOps} ({@code 0} removes it).
     *
     * @throws ErrnoException {@code EBADF} for a negative descriptor
     * @throws IndexOutOfBoundsException for {@code fd >= fdLimit()}
     */
    public void add(int fd, int interestOps) throws ErrnoException {
        check(fd);
        Errors.checkFlags("select", interestOps, READ | WRITE | EXCEPT);
        if (fd < handles.length && handles[fd] != null) {
            handles[fd] = null; // from now on a raw number, or not a member
            handleCount--;
        }
        int word = fd >>> 6;
        long bit = 1L << (fd & 63);
        for (int set = 0; set < 3; set++) {
            long before = interest[set][word];
            long after = (interestOps & (1 << set)) != 0 ? before | bit : before & ~bit;
            interest[set][word] = after;
            members[set] += Long.bitCount(after) - Long.bitCount(before);
        }
        if (interestOps != 0) {
            highest = Math.max(highest, fd);
        } else if (fd == highest) {
            while (highest >= 0 && interest(highest) == 0) {
                highest--;
            }
        }
    }

    /** Removes {@code fd} from every set. */
    public void remove(int fd) throws ErrnoException {
        add(fd, 0);
    }

    /** The interest held for {@code fd}. */
    public int interest(int fd) {
        if (fd < 0 || fd >= fdLimit) {
            return 0;
        }
        int word = fd >>> 6;
        long bit = 1L << (fd & 63);
        return ((interest[0][word] & bit) != 0 ? READ : 0)
                | ((interest[1][word] & bit) != 0 ? WRITE : 0)
                | ((interest[2][word] & bit) != 0 ? EXCEPT : 0);
    }

    /**
     * {@code select(highest + 1, ...)}.
     *
     * @param timeoutMillis -1 to wait without limit, 0 to return at once, else milliseconds
     * @return the number of (descriptor, condition) pairs ready, as select(2) counts them
     */
    public int select(long timeoutMillis) throws ErrnoException {
        if (timeoutMillis < -1) {
            throw new IllegalArgumentException("timeout " + timeoutMillis + " ms < -1");
        }
        int nfds = highest + 1;
        int used = (nfds + 63) >>> 6;
        ByteBuffer pinned = memory.pin();
        holdHandles(used);
        long base = memory.address();
        // saturated: select(Long.MAX_VALUE) waits (practically) for ever, it does not overflow to 0
        long timeoutNanos = timeoutMillis > 0 ? Timeouts.millisToNanos(timeoutMillis) : 0;
        long start = timeoutMillis > 0 ? System.nanoTime() : 0;
        int n;
        int sets = 0;
        try {
            for (;;) {
                sets = 0;
                for (int set = 0; set < 3; set++) {
                    if (members[set] == 0) {
                        continue;
                    }
                    sets |= 1 << set;
                    long[] bits = interest[set];
                    int at = set * words * 8;
                    for (int w = 0; w < used; w++) {
                        memory.putLong(at + w * 8, bits[w]);
                    }
                }
                long timeval = 0;
                if (timeoutMillis >= 0) {
                    long left = timeoutMillis == 0 ? 0 : Timeouts.remaining(timeoutNanos, start) / 1000; // µs
                    memory.putLong(timevalSec, left / 1_000_000);
                    memory.putLong(timevalUsec, left % 1_000_000);
                    timeval = base + timevalOffset;
                }
                n = calls.select(nfds, (sets & READ) != 0 ? base : 0, (sets & WRITE) != 0 ? base + words * 8L : 0,
                        (sets & EXCEPT) != 0 ? base + 2L * words * 8 : 0, timeval);
                if (n != -Errors.EINTR) {
                    break;
                }
            }
        } finally {
            releaseHandles(used, Integer.MAX_VALUE);
            Reference.reachabilityFence(pinned);
        }
        // the kernel writes the result bitmaps back, cleared where nothing is ready, even on timeout
        lastUsed = n < 0 ? 0 : used;
        passed = n < 0 ? 0 : sets;
        if (n < 0) {
            throw Errors.exception("select(nfds=" + nfds + ")", n);
        }
        return n;
    }

    /** What {@code fd} was found ready for by the last {@link #select}: {@code READ | WRITE | EXCEPT} bits. */
    public int ready(int fd) {
        if (fd < 0 || (fd >>> 6) >= lastUsed) {
            return 0;
        }
        int word = fd >>> 6;
        long bit = 1L << (fd & 63);
        int r = 0;
        for (int set = 0; set < 3; set++) {
            if ((passed & (1 << set)) != 0 && (memory.getLong(set * words * 8 + word * 8) & bit) != 0) {
                r |= 1 << set;
            }
        }
        return r;
    }

    /**
     * The lowest descriptor {@code >= fromFd} that the last {@link #select} found ready for anything,
     * or -1: {@code for (int fd = s.nextReady(0); fd >= 0; fd = s.nextReady(fd + 1))} visits every
     * ready descriptor, 64 at a time where none is ready, without allocating.
     */
    public int nextReady(int fromFd) {
        if (fromFd < 0) {
            throw new IndexOutOfBoundsException("fromFd " + fromFd + " < 0");
        }
        for (int word = fromFd >>> 6; word < lastUsed; word++) {
            long bits = 0;
            for (int set = 0; set < 3; set++) {
                if ((passed & (1 << set)) != 0) {
                    bits |= memory.getLong(set * words * 8 + word * 8);
                }
            }
            if (word == fromFd >>> 6) {
                bits &= -1L << (fromFd & 63);
            }
            if (bits != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(bits);
            }
        }
        return -1;
    }

    public boolean isReadable(int fd) {
        return (ready(fd) & READ) != 0;
    }

    public boolean isWritable(int fd) {
        return (ready(fd) & WRITE) != 0;
    }

    /**
     * Holds the handle of every member that has one, for the call (walking the members a bitmap
     * word at a time). A closed handle throws, after releasing what was held.
     */
    private void holdHandles(int used) {
        if (handleCount == 0) {
            return;
        }
        int fd = -1;
        try {
            for (int w = 0; w < used; w++) {
                long bits = interest[0][w] | interest[1][w] | interest[2][w];
                while (bits != 0) {
                    fd = (w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    FdHandle h = fd < handles.length ? handles[fd] : null;
                    if (h != null) {
                        h.retain();
                    }
                }
            }
        } catch (IllegalStateException closed) {
            releaseHandles(used, fd);
            throw new IllegalStateException("select: " + closed.getMessage()
                    + "; remove it from the sets before closing it", closed);
        }
    }

    /** Releases the handles {@link #holdHandles} held, of the members below {@code belowFd}. */
    private void releaseHandles(int used, int belowFd) {
        if (handleCount == 0) {
            return;
        }
        for (int w = 0; w < used; w++) {
            long bits = interest[0][w] | interest[1][w] | interest[2][w];
            while (bits != 0) {
                int fd = (w << 6) + Long.numberOfTrailingZeros(bits);
                if (fd >= belowFd) {
                    return;
                }
                bits &= bits - 1;
                FdHandle h = fd < handles.length ? handles[fd] : null;
                if (h != null) {
                    h.release();
                }
            }
        }
    }

    private void check(int fd) throws ErrnoException {
        if (fd < 0) {
            throw Errors.synthetic("select(fd=" + fd + ")", Abi.EBADF);
        }
        if (fd >= fdLimit) {
            throw new IndexOutOfBoundsException("fd " + fd + " does not fit sets for fds below " + fdLimit);
        }
    }

    /** Releases the native memory (not the descriptors); idempotent. */
    @Override
    public void close() {
        handles = new FdHandle[0];
        handleCount = 0;
        memory.close();
    }
}
