package org.iomux.jnr;

import java.lang.ref.Reference;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;

import org.iomux.spi.Abi;
import org.iomux.spi.Backend;
import org.iomux.spi.StructLayout;

/**
 * The {@code jnr} backend: each {@link Backend} method is one call of the C library function of
 * the same name (see {@link LibC}), bound at run time by jnr-ffi (over jffi and libffi); no native
 * code of iomux's own is involved. {@code epoll_pwait2} has no glibc wrapper before 2.35, so it is
 * made through {@code syscall(2)}.
 *
 * <p><b>errno.</b> The library is loaded with {@link LibraryOption#SaveError}, so jffi copies
 * {@code errno} into a per-thread slot right after each native call returns, before the JVM can
 * run anything else on that thread that might change it; {@link Runtime#getLastError()} reads that
 * slot. A method reads it only when the call returned -1, and returns {@code -errno}. The
 * constructor checks the mechanism once ({@code close(-1)} must report {@code EBADF}).
 *
 * <p><b>Allocation.</b> A function with only primitive arguments, at most six, is bound by jnr-ffi
 * to a native method whose machine code it generates (its x86_64 stub compiler), and calling it
 * allocates no Java object. The {@code ByteBuffer} variants pass the buffer's native address plus
 * the position as a plain integer; the {@code byte[]} variants go through a per-thread direct
 * scratch buffer (see {@link #read(int, byte[], int, int)}). Only {@code byte[]} transfers larger
 * than the scratch buffer allocate.
 *
 * <p><b>Thread safety.</b> Stateless apart from the immutable binding, the cached layout and the
 * per-thread scratch buffers, so any method may be called from any thread.
 */
public final class JnrBackend implements Backend {

    /**
     * Size of the per-thread scratch buffer for {@code byte[]} I/O: the default pipe capacity, and
     * more than a typical socket read or write.
     */
    private static final int SCRATCH_SIZE = 64 * 1024;

    private final LibC.Functions libc;
    private final Runtime runtime;
    private final MemoryIO memory;
    private final StructLayout layout;
    private final ThreadLocal<Scratch> scratch;

    /**
     * Binds the C library.
     *
     * @throws IllegalStateException if jnr-ffi is not on the class path, if its jffi native stub
     *         cannot be loaded, if the C library cannot be bound, or if errno does not come back
     */
    public JnrBackend() {
        try {
            // failImmediately(): without it, LibraryLoader.load() swallows a load failure and returns
            // a proxy that throws on the first call, long after this constructor has returned.
            this.libc = LibraryLoader.create(LibC.Functions.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .failImmediately()
                    .load("c");
            this.runtime = Runtime.getRuntime(libc);
            this.memory = MemoryIO.getInstance();
            this.layout = JnrStructs.layout(runtime);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("jnr-ffi is not on the class path (it needs jnr-ffi, jffi, "
                    + "jffi's native jar and asm): " + describe(e), e);
        } catch (LinkageError | RuntimeException e) {
            // UnsatisfiedLinkError (no jffi stub for this platform, or it cannot be loaded), or
            // jnr-ffi's own failure to open the library or generate the binding.
            throw new IllegalStateException("jnr-ffi cannot bind the C library: " + describe(e), e);
        }
        // jnr-ffi binds a symbol it cannot find to a method that throws UnsatisfiedLinkError only
        // when called (AsmLibraryLoader), so look every one up now, in the process's global
        // namespace, where the C library the JVM runs on is.
        String missing = null;
        try {
            Library global = Library.getDefault();
            for (Method m : LibC.Functions.class.getMethods()) {
                if (global.getSymbolAddress(m.getName()) == 0) {
                    missing = missing == null ? m.getName() : missing + ", " + m.getName();
                }
            }
        } catch (LinkageError | RuntimeException e) {
            throw new IllegalStateException("jnr-ffi cannot look up C library symbols: " + describe(e), e);
        }
        if (missing != null) {
            throw new IllegalStateException("the C library lacks " + missing);
        }
        // One real call, which also proves that errno comes back.
        int rc;
        int errno;
        try {
            rc = libc.close(-1);
            errno = runtime.getLastError();
        } catch (LinkageError | RuntimeException e) {
            throw new IllegalStateException("jnr-ffi cannot call the C library: " + describe(e), e);
        }
        if (rc != -1 || errno != Abi.EBADF) {
            throw new IllegalStateException("jnr-ffi does not report errno: close(-1) returned " + rc
                    + " with errno " + errno + ", expected -1 with EBADF");
        }
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(memory));
    }

    /**
     * The exception and, when it differs, its root cause: jnr-ffi wraps a missing jffi stub as
     * "could not load FFI provider", and only the root cause says which file it looked for. Only
     * the root cause's first line, since jffi puts a whole stack trace into that message.
     */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e) {
            return e.toString();
        }
        String cause = root.toString();
        int eol = cause.indexOf('\n');
        return e + " (root cause: " + (eol < 0 ? cause : cause.substring(0, eol).trim()) + ")";
    }

    /** A thread's direct buffer for {@code byte[]} I/O, with its address looked up once. */
    private static final class Scratch {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(SCRATCH_SIZE);
        final long address;

        Scratch(MemoryIO memory) {
            address = memory.getDirectBufferAddress(buffer);
        }
    }

    /** {@code -errno} of the last call on this thread. */
    private int errno() {
        return -runtime.getLastError();
    }

    private int check(int rc) {
        return rc == -1 ? errno() : rc;
    }

    private long check(long rc) {
        return rc == -1 ? errno() : rc;
    }

    @Override
    public String name() {
        return "jnr";
    }

    @Override
    public StructLayout layout() {
        return layout;
    }

    @Override
    public long address(ByteBuffer direct) {
        // JNI GetDirectBufferAddress through jffi: no allocation, unlike Pointer.wrap(runtime, buf).
        return memory.getDirectBufferAddress(direct);
    }

    // ---- descriptors -------------------------------------------------------------------------

    @Override
    public int close(int fd) {
        return check(libc.close(fd));
    }

    @Override
    public int fcntl(int fd, int cmd, long arg) {
        return check(libc.fcntl(fd, cmd, arg));
    }

    @Override
    public int fcntlPointer(int fd, int cmd, long ptr) {
        return check(libc.fcntl(fd, cmd, ptr));
    }

    @Override
    public int pipe2(long fds, int flags) {
        return check(libc.pipe2(fds, flags));
    }

    @Override
    public int eventfd(int initval, int flags) {
        return check(libc.eventfd(initval, flags));
    }

    // ---- I/O -----------------------------------------------------------------------------------

    @Override
    public long read(int fd, long address, long length) {
        return check(libc.read(fd, address, length));
    }

    @Override
    public long write(int fd, long address, long length) {
        return check(libc.write(fd, address, length));
    }

    /*
     * jnr-ffi can take a ByteBuffer argument, and for a direct buffer it passes address + position()
     * (DirectBufferParameterStrategy). But the position here is an argument, not the buffer's own:
     * honouring it through jnr-ffi would mean moving the caller's position (a visible side effect,
     * unsafe if another thread uses the buffer) or a duplicate() per call. So the address is looked
     * up (JNI GetDirectBufferAddress, allocation-free) and the plain-integer overload is called.
     * The fence keeps the buffer, and so its memory, alive until the call has returned.
     */

    @Override
    public long read(int fd, ByteBuffer direct, int position, int length) {
        long rc = libc.read(fd, memory.getDirectBufferAddress(direct) + position, length);
        Reference.reachabilityFence(direct);
        return check(rc);
    }

    @Override
    public long write(int fd, ByteBuffer direct, int position, int length) {
        long rc = libc.write(fd, memory.getDirectBufferAddress(direct) + position, length);
        Reference.reachabilityFence(direct);
        return check(rc);
    }

    /*
     * jnr-ffi passes a byte[] argument whole: offset 0, length array.length
     * (PrimitiveArrayParameterStrategy), so it cannot honour offset. A heap ByteBuffer.wrap(array,
     * offset, length) is passed as its region, but jffi then copies that region to native memory
     * and back on every call (Array.c: a stack or malloc'd buffer, Get/SetByteArrayRegion), and the
     * wrapper is a per-call allocation. Copying through a per-thread direct scratch buffer costs one
     * copy and allocates nothing. A transfer longer than the scratch buffer takes the wrapping path
     * (see LibC), so that one call can still move the whole requested length.
     */

    @Override
    public long read(int fd, byte[] array, int offset, int length) {
        if (length > SCRATCH_SIZE) {
            return check(libc.read(fd, ByteBuffer.wrap(array, offset, length), length));
        }
        Scratch s = scratch.get();
        long rc = libc.read(fd, s.address, length);
        if (rc == -1) {
            return errno();
        }
        // Only the rc bytes read(2) wrote: the rest of the caller's range stays as it was.
        s.buffer.get(0, array, offset, (int) rc);
        return rc;
    }

    @Override
    public long write(int fd, byte[] array, int offset, int length) {
        if (length > SCRATCH_SIZE) {
            return check(libc.write(fd, ByteBuffer.wrap(array, offset, length), length));
        }
        Scratch s = scratch.get();
        s.buffer.put(0, array, offset, length);
        return check(libc.write(fd, s.address, length));
    }

    @Override
    public long readv(int fd, long iov, int iovcnt) {
        return check(libc.readv(fd, iov, iovcnt));
    }

    @Override
    public long writev(int fd, long iov, int iovcnt) {
        return check(libc.writev(fd, iov, iovcnt));
    }

    // ---- sockets -------------------------------------------------------------------------------

    @Override
    public int socket(int domain, int type, int protocol) {
        return check(libc.socket(domain, type, protocol));
    }

    @Override
    public int socketpair(int domain, int type, int protocol, long sv) {
        return check(libc.socketpair(domain, type, protocol, sv));
    }

    @Override
    public int bind(int fd, long addr, int addrlen) {
        return check(libc.bind(fd, addr, addrlen));
    }

    @Override
    public int listen(int fd, int backlog) {
        return check(libc.listen(fd, backlog));
    }

    @Override
    public int accept4(int fd, long addr, long addrlen, int flags) {
        return check(libc.accept4(fd, addr, addrlen, flags));
    }

    @Override
    public int connect(int fd, long addr, int addrlen) {
        return check(libc.connect(fd, addr, addrlen));
    }

    @Override
    public int shutdown(int fd, int how) {
        return check(libc.shutdown(fd, how));
    }

    @Override
    public int getsockname(int fd, long addr, long addrlen) {
        return check(libc.getsockname(fd, addr, addrlen));
    }

    @Override
    public int getpeername(int fd, long addr, long addrlen) {
        return check(libc.getpeername(fd, addr, addrlen));
    }

    @Override
    public int setsockopt(int fd, int level, int name, long value, int length) {
        return check(libc.setsockopt(fd, level, name, value, length));
    }

    @Override
    public int getsockopt(int fd, int level, int name, long value, long length) {
        return check(libc.getsockopt(fd, level, name, value, length));
    }

    // ---- multiplexers --------------------------------------------------------------------------

    @Override
    public int epollCreate1(int flags) {
        return check(libc.epoll_create1(flags));
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, long event) {
        return check(libc.epoll_ctl(epfd, op, fd, event));
    }

    @Override
    public int epollWait(int epfd, long events, int maxevents, int timeoutMillis) {
        return check(libc.epoll_wait(epfd, events, maxevents, timeoutMillis));
    }

    @Override
    public int epollPwait2(int epfd, long events, int maxevents, long timespec) {
        // sigmask NULL: no signal mask change, as epoll_wait (epoll_pwait2(2)). The sixth argument,
        // sigsetsize, is not passed (a six-argument binding stays allocation-free): the kernel reads
        // it only for a non-NULL mask (fs/eventpoll.c, do_epoll_pwait -> set_user_sigmask returns
        // at once when the mask is NULL).
        return (int) check(libc.syscall(Abi.SYS_EPOLL_PWAIT2, epfd, events, maxevents, timespec, 0L));
    }

    @Override
    public int poll(long fds, int nfds, int timeoutMillis) {
        return check(libc.poll(fds, nfds, timeoutMillis));
    }

    @Override
    public int select(int nfds, long readfds, long writefds, long exceptfds, long timeval) {
        return check(libc.select(nfds, readfds, writefds, exceptfds, timeval));
    }

    // ---- process -------------------------------------------------------------------------------

    @Override
    public int getrlimit(int resource, long rlim) {
        return check(libc.getrlimit(resource, rlim));
    }

    @Override
    public int setrlimit(int resource, long rlim) {
        return check(libc.setrlimit(resource, rlim));
    }

    @Override
    public int getpid() {
        return libc.getpid();
    }
}
