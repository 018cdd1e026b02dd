package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;

/**
 * A descriptor that can be read and written: {@code read(2)}, {@code write(2)}, {@code readv(2)},
 * {@code writev(2)} on direct or heap {@link ByteBuffer}s, byte arrays and {@link NativeBuffer}s
 * (the cheapest: no buffer address to look up per call), and the {@code fcntl(2)}
 * flags {@code O_NONBLOCK} and {@code FD_CLOEXEC}.
 *
 * <h2>Results</h2>
 * Like {@link java.nio.channels.SocketChannel}: a read returns the number of bytes read, {@link #EOF}
 * ({@code -1}) at end of stream, and {@code 0} when a non-blocking descriptor has nothing
 * ({@code EAGAIN}); a write returns the number of bytes written, {@code 0} when a non-blocking
 * descriptor is full. {@code EAGAIN} is never an exception. {@link ByteBuffer} variants advance its
 * position by what was transferred. Any other failure throws {@link ErrnoException}.
 * {@code EINTR} is retried (see the package documentation).
 *
 * <h2>Thread safety</h2>
 * Calls may be made from any thread; as with the system calls, concurrent reads (or writes) on
 * one stream interleave unpredictably. See {@link FdHandle} for close.
 */
public class Descriptor extends FdHandle {
    /** What a read returns at end of stream. */
    public static final int EOF = -1;

    /**
     * The file status flags {@code F_SETFL} can change, per fcntl(2): {@code O_APPEND},
     * {@code O_ASYNC}, {@code O_DIRECT}, {@code O_NOATIME} and {@code O_NONBLOCK}; the only bits
     * {@link #setStatusFlags} takes.
     */
    public static final int SETTABLE_STATUS_FLAGS = Abi.O_APPEND | Abi.O_ASYNC | Abi.O_DIRECT | Abi.O_NOATIME
            | Abi.O_NONBLOCK;

    private static final int IOV_MAX = 1024;

    Descriptor(Backend backend, int fd, boolean owned) {
        super(backend, fd, owned);
    }

    /** Takes ownership of {@code fd} (closed by {@link #close()}), with the default backend. */
    public static Descriptor adopt(int fd) {
        return adopt(Backends.defaultBackend(), fd);
    }

    /** Takes ownership of {@code fd} (closed by {@link #close()}). */
    public static Descriptor adopt(Backend backend, int fd) {
        return new Descriptor(backend, fd, true);
    }

    /**
     * Wraps {@code fd} without owning it: {@link #close()} ends this handle's use of the number but
     * leaves the descriptor open. For descriptors owned elsewhere (stdin, another library's).
     */
    public static Descriptor borrow(int fd) {
        return borrow(Backends.defaultBackend(), fd);
    }

    /** See {@link #borrow(int)}. */
    public static Descriptor borrow(Backend backend, int fd) {
        return new Descriptor(backend, fd, false);
    }

    @Override
    String kind() {
        return "descriptor";
    }

    // ---- read ---------------------------------------------------------------------------------

    /** Reads into {@code dst}'s remaining space. @return bytes read, {@link #EOF}, or 0 ({@code EAGAIN}) */
    public int read(ByteBuffer dst) throws ErrnoException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int position = dst.position();
        int length = remaining(position, dst.limit());
        if (length == 0) {
            return 0;
        }
        int fd = acquire();
        long r;
        try {
            do {
                r = dst.isDirect()
                        ? calls.read(fd, dst, position, length)
                        : calls.read(fd, dst.array(), dst.arrayOffset() + position, length);
            } while (r == -Errors.EINTR);
        } finally {
            release();
        }
        int n = readResult(r, "read");
        if (n > 0) {
            dst.position(position + n);
        }
        return n;
    }

    /** Reads into {@code array[offset, offset + length)}. @return bytes read, {@link #EOF}, or 0 ({@code EAGAIN}) */
    public int read(byte[] array, int offset, int length) throws ErrnoException {
        Errors.checkRange("read", offset, length, array.length);
        if (length == 0) {
            return 0;
        }
        int fd = acquire();
        long r;
        try {
            do {
                r = calls.read(fd, array, offset, length);
            } while (r == -Errors.EINTR);
        } finally {
            release();
        }
        return readResult(r, "read");
    }

    /**
     * Reads into {@code dst[offset, offset + length)}: the kernel writes that native memory directly,
     * and the call passes only numbers to the backend (a {@link ByteBuffer}'s address must be looked
     * up on every call), so this is the cheapest read.
     *
     * @return bytes read, {@link #EOF}, or 0 ({@code EAGAIN})
     * @throws IndexOutOfBoundsException if the range is not inside {@code dst}
     * @throws IllegalStateException if this descriptor or {@code dst} is closed
     */
    public int read(NativeBuffer dst, int offset, int length) throws ErrnoException {
        ByteBuffer pinned = dst.enterCallStoring(offset, length);
        long r;
        try {
            if (length == 0) {
                return 0;
            }
            r = readNative(dst.address() + offset, length);
        } finally {
            dst.exit();
            Reference.reachabilityFence(pinned);
        }
        return readResult(r, "read");
    }

    /**
     * Scattering read ({@code readv(2)}) into the remaining space of {@code dsts[offset, offset + length)},
     * which must be direct buffers; at most {@code IOV_MAX} (1024) buffers take part in one call.
     *
     * @return bytes read, {@link #EOF}, or 0 ({@code EAGAIN})
     */
    public long read(ByteBuffer[] dsts, int offset, int length) throws ErrnoException {
        Errors.checkRange("readv", offset, length, dsts.length);
        int count = Math.min(length, IOV_MAX);
        for (int i = 0; i < count; i++) {
            if (dsts[offset + i].isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
        }
        long r = vector(dsts, offset, count, true);
        if (r == 0) {
            return hasRemaining(dsts, offset, count) ? EOF : 0;
        }
        if (r < 0) {
            return r == -Errors.EAGAIN ? 0 : throwFor(r, "readv");
        }
        advance(dsts, offset, count, r);
        return r;
    }

    // ---- write --------------------------------------------------------------------------------

    /** Writes {@code src}'s remaining bytes. @return bytes written, or 0 ({@code EAGAIN}) */
    public int write(ByteBuffer src) throws ErrnoException {
        int position = src.position();
        int length = remaining(position, src.limit());
        if (length == 0) {
            return 0;
        }
        if (!src.isDirect() && !src.hasArray()) {
            return writeCopy(src, position, length);
        }
        int fd = acquire();
        long r;
        try {
            do {
                r = src.isDirect()
                        ? calls.write(fd, src, position, length)
                        : calls.write(fd, src.array(), src.arrayOffset() + position, length);
            } while (r == -Errors.EINTR);
        } finally {
            release();
        }
        int n = writeResult(r, "write");
        src.position(position + n);
        return n;
    }

    /** Writes {@code array[offset, offset + length)}. @return bytes written, or 0 ({@code EAGAIN}) */
    public int write(byte[] array, int offset, int length) throws ErrnoException {
        Errors.checkRange("write", offset, length, array.length);
        if (length == 0) {
            return 0;
        }
        int fd = acquire();
        long r;
        try {
            do {
                r = calls.write(fd, array, offset, length);
            } while (r == -Errors.EINTR);
        } finally {
            release();
        }
        return writeResult(r, "write");
    }

    /**
     * Writes {@code src[offset, offset + length)}, as {@link #read(NativeBuffer, int, int)} reads.
     *
     * @return bytes written, or 0 ({@code EAGAIN})
     * @throws IndexOutOfBoundsException if the range is not inside {@code src}
     * @throws IllegalStateException if this descriptor or {@code src} is closed
     */
    public int write(NativeBuffer src, int offset, int length) throws ErrnoException {
        ByteBuffer pinned = src.enterCall(offset, length);
        long r;
        try {
            if (length == 0) {
                return 0;
            }
            r = writeNative(src.address() + offset, length);
        } finally {
            src.exit();
            Reference.reachabilityFence(pinned);
        }
        return writeResult(r, "write");
    }

    /**
     * Gathering write ({@code writev(2)}) of the remaining bytes of {@code srcs[offset, offset + length)},
     * which must be direct buffers; at most {@code IOV_MAX} (1024) buffers take part in one call.
     *
     * @return bytes written, or 0 ({@code EAGAIN})
     */
    public long write(ByteBuffer[] srcs, int offset, int length) throws ErrnoException {
        Errors.checkRange("writev", offset, length, srcs.length);
        int count = Math.min(length, IOV_MAX);
        long r = vector(srcs, offset, count, false);
        if (r < 0) {
            return r == -Errors.EAGAIN ? 0 : throwFor(r, "writev");
        }
        advance(srcs, offset, count, r);
        return r;
    }

    /**
     * {@code read(2)} into native memory {@code [address, address + length)} that the caller keeps
     * alive; {@code EINTR} is retried.
     *
     * @return bytes read, or {@code -errno} (including {@code -EAGAIN})
     */
    final long readNative(long address, long length) {
        int fd = acquire();
        try {
            long r;
            do {
                r = calls.read(fd, address, length);
            } while (r == -Errors.EINTR);
            return r;
        } finally {
            release();
        }
    }

    /** {@code write(2)} from native memory, as {@link #readNative}. */
    final long writeNative(long address, long length) {
        int fd = acquire();
        try {
            long r;
            do {
                r = calls.write(fd, address, length);
            } while (r == -Errors.EINTR);
            return r;
        } finally {
            release();
        }
    }

    /** A read-only heap buffer has no accessible array: copy through the per-thread scratch. */
    private int writeCopy(ByteBuffer src, int position, int length) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        int n = Math.min(length, Scratch.SMALL);
        ByteBuffer pinned = scratch.pin();
        for (int i = 0; i < n; i++) {
            scratch.putByte(i, src.get(position + i));
        }
        long r = writeNative(scratch.address(), n);
        Reference.reachabilityFence(pinned);
        int written = writeResult(r, "write");
        src.position(position + written);
        return written;
    }

    private long vector(ByteBuffer[] buffers, int offset, int count, boolean read) throws ErrnoException {
        StructLayout layout = backend.layout();
        NativeBuffer iov = Scratch.get(backend);
        ByteBuffer pinned = iov.pin();
        for (int i = 0; i < count; i++) {
            ByteBuffer b = buffers[offset + i];
            if (!b.isDirect()) {
                throw new IllegalArgumentException((read ? "readv" : "writev") + ": buffer " + (offset + i)
                        + " is not direct");
            }
            int position = b.position();
            int at = i * layout.iovecSize;
            iov.putLong(at + layout.iovecBase, calls.address(b) + position);
            iov.putLong(at + layout.iovecLen, remaining(position, b.limit()));
        }
        int fd = acquire();
        long r;
        try {
            do {
                r = read ? calls.readv(fd, iov.address(), count) : calls.writev(fd, iov.address(), count);
            } while (r == -Errors.EINTR);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
            Reference.reachabilityFence(buffers);
        }
        return r;
    }

    /**
     * The bytes between a buffer's {@code position} and {@code limit}, read once each by the
     * caller, or 0 if {@code position > limit}. A buffer is not thread-safe: one that another
     * thread changes meanwhile can be seen that way, and {@code limit - position} would then be
     * negative, which read(2) takes as a huge {@code size_t} and fills past the buffer. The JDK's
     * channels clamp the same way ({@code sun.nio.ch.IOUtil}). Every address and length passed to
     * the kernel comes from these two reads, so it stays inside {@code [0, capacity)}.
     */
    static int remaining(int position, int limit) {
        return position <= limit ? limit - position : 0;
    }

    private static boolean hasRemaining(ByteBuffer[] buffers, int offset, int count) {
        for (int i = 0; i < count; i++) {
            if (buffers[offset + i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private static void advance(ByteBuffer[] buffers, int offset, int count, long n) {
        for (int i = 0; i < count && n > 0; i++) {
            ByteBuffer b = buffers[offset + i];
            int position = b.position();
            int step = (int) Math.min(n, remaining(position, b.limit()));
            b.position(position + step);
            n -= step;
        }
    }

    private int readResult(long r, String call) throws ErrnoException {
        if (r > 0) {
            return (int) r;
        }
        if (r == 0) {
            return EOF;
        }
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        return throwFor(r, call);
    }

    private int writeResult(long r, String call) throws ErrnoException {
        if (r >= 0) {
            return (int) r;
        }
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        return throwFor(r, call);
    }

    final int throwFor(long r, String call) throws ErrnoException {
        throw Errors.exception(call + "(fd=" + fd + ")", r);
    }

    // ---- fcntl --------------------------------------------------------------------------------

    /**
     * {@code fcntl(fd, cmd, arg)} for the commands that take an integer (or nothing) and return an
     * integer: the escape hatch for what the typed methods do not cover. Accepted: {@code F_DUPFD},
     * {@code F_DUPFD_CLOEXEC}, {@code F_GETFD}, {@code F_SETFD}, {@code F_GETFL}, {@code F_SETFL},
     * {@code F_GETOWN}, {@code F_SETOWN}, {@code F_GETSIG}, {@code F_SETSIG}, {@code F_GETLEASE},
     * {@code F_SETLEASE}, {@code F_NOTIFY}, {@code F_GETPIPE_SZ}, {@code F_SETPIPE_SZ},
     * {@code F_GET_SEALS}, {@code F_ADD_SEALS} (constants in {@code org.iomux.spi.Abi}).
     * {@code F_SETFL} takes what {@link #setStatusFlags} takes.
     *
     * <p>Every other command takes a pointer ({@code F_GETLK}, {@code F_GETOWN_EX},
     * {@code F_GET_RW_HINT}, ...), to which the kernel writes: an integer passed as one would let it
     * overwrite arbitrary memory of the JVM, so they are refused. {@link #setOwner(OwnerType, int)}
     * and {@link #ownerEx()} cover {@code F_SETOWN_EX}/{@code F_GETOWN_EX}.
     *
     * @throws IllegalArgumentException for any other command
     */
    public int fcntl(int cmd, long arg) throws ErrnoException {
        if (!isIntegerCommand(cmd)) {
            throw new IllegalArgumentException("fcntl: command " + cmd + " is not one that takes an integer argument"
                    + " (pointer-taking commands have typed methods, or are not supported)");
        }
        if (cmd == Abi.F_SETFL) {
            checkStatusFlags(arg);
        }
        return fcntlInteger(cmd, arg);
    }

    /** The fcntl(2) commands whose third argument is an integer or absent, never a pointer. */
    private static boolean isIntegerCommand(int cmd) {
        switch (cmd) {
            case Abi.F_DUPFD: case Abi.F_DUPFD_CLOEXEC: case Abi.F_GETFD: case Abi.F_SETFD:
            case Abi.F_GETFL: case Abi.F_SETFL: case Abi.F_GETOWN: case Abi.F_SETOWN:
            case Abi.F_GETSIG: case Abi.F_SETSIG: case Abi.F_GETLEASE: case Abi.F_SETLEASE: case Abi.F_NOTIFY:
            case Abi.F_GETPIPE_SZ: case Abi.F_SETPIPE_SZ: case Abi.F_GET_SEALS: case Abi.F_ADD_SEALS:
                return true;
            default:
                return false;
        }
    }

    /** {@code fcntl} of a command known to take an integer. */
    private int fcntlInteger(int cmd, long arg) throws ErrnoException {
        int fd = acquire();
        int r;
        try {
            r = calls.fcntl(fd, cmd, arg);
        } finally {
            release();
        }
        if (r < 0) {
            throw Errors.exception("fcntl(fd=" + fd + ", cmd=" + cmd + ")", r);
        }
        return r;
    }

    /**
     * {@code fcntl(F_DUPFD_CLOEXEC, lowest)}: a new descriptor for the same open file, numbered
     * {@code lowest} or the first free number above it, owned by the returned handle.
     */
    public Descriptor duplicate(int lowest) throws ErrnoException {
        if (lowest < 0) {
            throw new IllegalArgumentException("lowest descriptor number " + lowest + " < 0");
        }
        return new Descriptor(backend, fcntlInteger(Abi.F_DUPFD_CLOEXEC, lowest), true);
    }

    /** The file status flags ({@code F_GETFL}): access mode, {@code O_NONBLOCK}, {@code O_ASYNC}, ... */
    public int statusFlags() throws ErrnoException {
        return fcntlInteger(Abi.F_GETFL, 0);
    }

    /**
     * Sets the file status flags ({@code F_SETFL}): {@code flags} is a combination of
     * {@link #SETTABLE_STATUS_FLAGS}, the only ones the kernel changes (fcntl(2)); the others are
     * cleared. Any other bit is rejected rather than passed on, since some are real flags that a
     * stray bit would set ({@code 0x40000} is {@code O_NOATIME}). The idiom is
     * {@code setStatusFlags((statusFlags() & SETTABLE_STATUS_FLAGS) | X)}; {@link #setNonBlocking}
     * and {@link #setAsync} do that for their flag.
     *
     * @throws IllegalArgumentException for a bit outside {@link #SETTABLE_STATUS_FLAGS}, including
     *         the access mode and creation flags {@link #statusFlags()} reports
     */
    public void setStatusFlags(int flags) throws ErrnoException {
        checkStatusFlags(flags);
        fcntlInteger(Abi.F_SETFL, flags);
    }

    private static void checkStatusFlags(long flags) {
        if ((flags & ~(long) SETTABLE_STATUS_FLAGS) != 0) {
            throw new IllegalArgumentException("F_SETFL: bits 0x" + Long.toHexString(flags & ~(long) SETTABLE_STATUS_FLAGS)
                    + " are not among the flags it can change (O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME, O_NONBLOCK)");
        }
    }

    public boolean isNonBlocking() throws ErrnoException {
        return (statusFlags() & Abi.O_NONBLOCK) != 0;
    }

    /** Sets or clears {@code O_NONBLOCK}. */
    public void setNonBlocking(boolean on) throws ErrnoException {
        int flags = statusFlags() & SETTABLE_STATUS_FLAGS;
        int updated = on ? flags | Abi.O_NONBLOCK : flags & ~Abi.O_NONBLOCK;
        if (updated != flags) {
            setStatusFlags(updated);
        }
    }

    // ---- signal-driven I/O (fcntl(2), "Managing signals") -------------------------------------

    /**
     * Who {@code F_SETOWN_EX} names as the receiver of a descriptor's I/O signals. Immutable
     * constants, safe to share between threads.
     */
    public enum OwnerType {
        /** One thread ({@code F_OWNER_TID}): the signal is thread-directed, only that thread gets it. */
        THREAD(Abi.F_OWNER_TID),
        /** A process ({@code F_OWNER_PID}): any thread of it that does not block the signal gets it. */
        PROCESS(Abi.F_OWNER_PID),
        /** A process group ({@code F_OWNER_PGRP}). */
        PROCESS_GROUP(Abi.F_OWNER_PGRP);

        final int kernel;

        OwnerType(int kernel) {
            this.kernel = kernel;
        }

        static OwnerType of(int kernel) {
            for (OwnerType t : values()) {
                if (t.kernel == kernel) {
                    return t;
                }
            }
            throw new IllegalStateException("unknown f_owner_ex.type " + kernel);
        }
    }

    /**
     * The receiver of a descriptor's I/O signals ({@code struct f_owner_ex}); id 0 means none. An
     * immutable value (a snapshot of what {@link #ownerEx()} read: another thread may change the
     * owner afterwards), safe to share between threads.
     */
    public static final class Owner {
        private final OwnerType type;
        private final int id;

        public Owner(OwnerType type, int id) {
            this.type = type;
            this.id = id;
        }

        public OwnerType type() {
            return type;
        }

        public int id() {
            return id;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Owner && ((Owner) o).type == type && ((Owner) o).id == id;
        }

        @Override
        public int hashCode() {
            return type.hashCode() * 31 + id;
        }

        @Override
        public String toString() {
            return type + " " + id;
        }
    }

    /**
     * {@code F_SETOWN}: {@code pid} > 0 a process, {@code pid} < 0 the process group {@code -pid},
     * 0 nobody. Prefer {@link #setOwner(OwnerType, int)}: inside a JVM a process-directed signal
     * can land on any thread that does not block it.
     */
    public void setOwner(int pid) throws ErrnoException {
        fcntlInteger(Abi.F_SETOWN, pid);
    }

    /**
     * {@code F_GETOWN}, made with {@code F_GETOWN_EX}: plain {@code F_GETOWN} cannot return every
     * process group id, since a negative result looks like an error (fcntl(2), BUGS).
     *
     * @return the process id, minus the process group id, or 0; a thread owner as its id
     */
    public int owner() throws ErrnoException {
        Owner o = ownerEx();
        return o.type() == OwnerType.PROCESS_GROUP ? -o.id() : o.id();
    }

    /** {@code F_SETOWN_EX}. */
    public void setOwner(OwnerType type, int id) throws ErrnoException {
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.putInt(Scratch.SMALL + l.fOwnerExType, type.kernel);
        scratch.putInt(Scratch.SMALL + l.fOwnerExPid, id);
        int fd = acquire();
        int r;
        try {
            r = calls.fcntlPointer(fd, Abi.F_SETOWN_EX, scratch.address(Scratch.SMALL, l.fOwnerExSize));
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("fcntl(fd=" + fd + ", F_SETOWN_EX, " + type + " " + id + ")", r);
        }
    }

    /** {@code F_GETOWN_EX}. */
    public Owner ownerEx() throws ErrnoException {
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int fd = acquire();
        int r;
        try {
            r = calls.fcntlPointer(fd, Abi.F_GETOWN_EX, scratch.address(Scratch.SMALL, l.fOwnerExSize));
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("fcntl(fd=" + fd + ", F_GETOWN_EX)", r);
        }
        return new Owner(OwnerType.of(scratch.getInt(Scratch.SMALL + l.fOwnerExType)),
                scratch.getInt(Scratch.SMALL + l.fOwnerExPid));
    }

    /**
     * {@code F_SETSIG}: the signal sent when I/O is possible; 0 restores {@code SIGIO} (without
     * {@code siginfo}). A real-time signal queues one {@code siginfo} per event, with the descriptor
     * in {@code si_fd} and the {@code poll} bits in {@code si_band}.
     */
    public void setIoSignal(int sig) throws ErrnoException {
        if (sig < 0 || sig > SignalSet.MAX_SIGNAL) {
            throw new IllegalArgumentException("signal " + sig + " is outside [0, " + SignalSet.MAX_SIGNAL + "]");
        }
        fcntlInteger(Abi.F_SETSIG, sig);
    }

    /** {@code F_GETSIG}: 0 means {@code SIGIO}. */
    public int ioSignal() throws ErrnoException {
        return fcntlInteger(Abi.F_GETSIG, 0);
    }

    /** Sets or clears {@code O_ASYNC}: whether I/O readiness sends the owner a signal. */
    public void setAsync(boolean on) throws ErrnoException {
        int flags = statusFlags() & SETTABLE_STATUS_FLAGS;
        int updated = on ? flags | Abi.O_ASYNC : flags & ~Abi.O_ASYNC;
        if (updated != flags) {
            setStatusFlags(updated);
        }
    }

    public boolean isAsync() throws ErrnoException {
        return (statusFlags() & Abi.O_ASYNC) != 0;
    }

    /** Whether {@code FD_CLOEXEC} is set ({@code F_GETFD}). */
    public boolean isCloseOnExec() throws ErrnoException {
        return (fcntlInteger(Abi.F_GETFD, 0) & Abi.FD_CLOEXEC) != 0;
    }

    /** Sets or clears {@code FD_CLOEXEC} ({@code F_SETFD}). */
    public void setCloseOnExec(boolean on) throws ErrnoException {
        int flags = fcntlInteger(Abi.F_GETFD, 0);
        fcntlInteger(Abi.F_SETFD, on ? flags | Abi.FD_CLOEXEC : flags & ~Abi.FD_CLOEXEC);
    }
}
