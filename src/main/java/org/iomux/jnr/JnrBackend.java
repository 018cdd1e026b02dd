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
import org.iomux.spi.NativeCalls;
import org.iomux.spi.StructLayout;

/**
 * The {@code jnr} backend: each {@link NativeCalls} method is one call of the C library function of
 * the same name (see {@link LibC}), bound at run time by jnr-ffi (over jffi and libffi); no native
 * code of iomux's own is involved. {@code epoll_pwait2} has no glibc wrapper before 2.35, so it is
 * made through {@code syscall(2)}.
 *
 * <p><b>errno.</b> The library is loaded with {@link LibraryOption#SaveError}, so jffi copies
 * {@code errno} into a per-thread slot right after each native call returns, before the JVM can
 * run anything else on that thread that might change it; {@link Runtime#getLastError()} reads that
 * slot. A method reads it only when the call returned -1, and returns {@code -errno}. The
 * constructor checks the mechanism once ({@code close(-1)} must report {@code EBADF}). The
 * {@code pthread_*} functions (and {@code pthread_sigmask}) return the error number instead of
 * setting errno: their methods return it negated and never read the slot.
 *
 * <p><b>Allocation.</b> A function with only primitive arguments, at most six, is bound by jnr-ffi
 * to a native method whose machine code it generates (its x86_64 stub compiler), or, for the
 * six-argument ones ({@link LibC.SixArguments}: {@code syscall}, {@code mmap}), to jffi's
 * {@code invokeL6}; calling either allocates no Java object. That covers the hot paths: I/O,
 * the multiplexers, the mutex lock/trylock/clocklock/unlock and the signal mask and wait calls.
 * The {@code ByteBuffer} variants pass the buffer's native address plus the position as a plain
 * integer; the {@code byte[]} variants go through a per-thread direct scratch buffer (see
 * {@link #read(int, byte[], int, int)}). Only {@code byte[]} transfers larger than the scratch
 * buffer allocate, and {@link #wrap}, which returns a new buffer. ({@link #open} and
 * {@link #unlink} have jffi copy the path array to native memory per call, outside the Java heap.)
 *
 * <p><b>Thread safety.</b> Stateless apart from the immutable binding, the cached layout and the
 * per-thread scratch buffers, so any method may be called from any thread.
 */
final class JnrBackend implements NativeCalls {

    /**
     * Size of the per-thread scratch buffer for {@code byte[]} I/O: the default pipe capacity, and
     * more than a typical socket read or write.
     */
    private static final int SCRATCH_SIZE = 64 * 1024;

    private final LibC.Functions libc;
    private final LibC.SixArguments libc6;
    private final Runtime runtime;
    private final MemoryIO memory;
    private final StructLayout layout;
    private final ThreadLocal<Scratch> scratch;

    /**
     * Binds the C library. For {@link org.iomux.Backends} only, which makes one per JVM.
     *
     * @throws IllegalStateException if jnr-ffi is not on the class path, if its jffi native stub
     *         cannot be loaded, if the C library cannot be bound, or if errno does not come back
     */
    JnrBackend() {
        try {
            // failImmediately(): without it, LibraryLoader.load() swallows a load failure and returns
            // a proxy that throws on the first call, long after this constructor has returned.
            // The C library first, then the process's global namespace (dlopen(NULL)), which is
            // where the check below looks: a symbol that is not in libc.so.6 itself is then still
            // bound. That matters for the pthread_mutex* functions before glibc 2.34, which lived
            // in libpthread.so.0 (loaded by the JVM itself there); since 2.34 libc.so.6 has them
            // all and the second handle is never consulted.
            this.libc = LibraryLoader.create(LibC.Functions.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .failImmediately()
                    .library("c")
                    .searchDefault()
                    .load();
            this.libc6 = LibraryLoader.create(LibC.SixArguments.class)
                    .option(LibraryOption.SaveError, Boolean.TRUE)
                    .failImmediately()
                    .library("c")
                    .searchDefault()
                    .load();
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
            for (Class<?> bound : new Class<?>[] {LibC.Functions.class, LibC.SixArguments.class}) {
                for (Method m : bound.getMethods()) {
                    if (global.getSymbolAddress(m.getName()) == 0) {
                        missing = missing == null ? m.getName() : missing + ", " + m.getName();
                    }
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

    /** For the functions that return an error number instead of setting errno (pthread_*). */
    private static int negated(int rc) {
        return -rc;
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

    @Override
    public ByteBuffer wrap(long address, int length) {
        // JNI NewDirectByteBuffer through jffi (Foreign.newDirectByteBuffer): a view of the memory,
        // nothing copied, and with no cleaner, so the buffer never frees or unmaps it. Big-endian,
        // as every new ByteBuffer.
        return memory.newDirectByteBuffer(address, length);
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
        // sigsetsize, is not passed (a seven-argument binding would allocate): the kernel reads
        // it only for a non-NULL mask (fs/eventpoll.c, do_epoll_pwait -> set_user_sigmask returns
        // at once when the mask is NULL).
        return (int) check(libc6.syscall(Abi.SYS_EPOLL_PWAIT2, epfd, events, maxevents, timespec, 0L));
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

    @Override
    public int gettid() {
        return libc.gettid();
    }

    @Override
    public int clockGettime(int clock, long timespec) {
        return check(libc.clock_gettime(clock, timespec));
    }

    // ---- signals -------------------------------------------------------------------------------

    @Override
    public int kill(int pid, int sig) {
        return check(libc.kill(pid, sig));
    }

    @Override
    public int tgkill(int tgid, int tid, int sig) {
        // glibc's tgkill wrapper (2.30) rather than syscall(SYS_tgkill, ...): no per-architecture
        // system call number to carry, and 2.30 is already required (gettid, clocklock).
        return check(libc.tgkill(tgid, tid, sig));
    }

    @Override
    public int sigrtmin() {
        return libc.__libc_current_sigrtmin();
    }

    @Override
    public int sigrtmax() {
        return libc.__libc_current_sigrtmax();
    }

    @Override
    public int pthreadSigmask(int how, long set, long oldset) {
        return negated(libc.pthread_sigmask(how, set, oldset));
    }

    @Override
    public int sigaction(int sig, long act, long oldact) {
        return check(libc.sigaction(sig, act, oldact));
    }

    @Override
    public int sigtimedwait(long set, long info, long timespec) {
        return check(libc.sigtimedwait(set, info, timespec));
    }

    @Override
    public int signalfd(int fd, long mask, int flags) {
        return check(libc.signalfd(fd, mask, flags));
    }

    // ---- files and shared memory ---------------------------------------------------------------

    @Override
    public int open(byte[] path, int flags, int mode) {
        return check(libc.open(path, flags, mode));
    }

    @Override
    public int unlink(byte[] path) {
        return check(libc.unlink(path));
    }

    @Override
    public int ftruncate(int fd, long length) {
        return check(libc.ftruncate(fd, length));
    }

    @Override
    public int fallocate(int fd, int mode, long offset, long length) {
        return check(libc.fallocate(fd, mode, offset, length));
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return check(libc.lseek(fd, offset, whence));
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        // MAP_FAILED is (void *) -1, which check() turns into -errno; no mapping starts there.
        return check(libc6.mmap(addr, length, prot, flags, fd, offset));
    }

    @Override
    public int munmap(long addr, long length) {
        return check(libc.munmap(addr, length));
    }

    // ---- pthread mutexes -----------------------------------------------------------------------

    @Override
    public int pthreadMutexattrInit(long attr) {
        return negated(libc.pthread_mutexattr_init(attr));
    }

    @Override
    public int pthreadMutexattrSettype(long attr, int type) {
        return negated(libc.pthread_mutexattr_settype(attr, type));
    }

    @Override
    public int pthreadMutexattrSetpshared(long attr, int pshared) {
        return negated(libc.pthread_mutexattr_setpshared(attr, pshared));
    }

    @Override
    public int pthreadMutexattrSetrobust(long attr, int robust) {
        return negated(libc.pthread_mutexattr_setrobust(attr, robust));
    }

    @Override
    public int pthreadMutexattrDestroy(long attr) {
        return negated(libc.pthread_mutexattr_destroy(attr));
    }

    @Override
    public int pthreadMutexInit(long mutex, long attr) {
        return negated(libc.pthread_mutex_init(mutex, attr));
    }

    @Override
    public int pthreadMutexLock(long mutex) {
        return negated(libc.pthread_mutex_lock(mutex));
    }

    @Override
    public int pthreadMutexTrylock(long mutex) {
        return negated(libc.pthread_mutex_trylock(mutex));
    }

    @Override
    public int pthreadMutexClocklock(long mutex, int clock, long abstime) {
        return negated(libc.pthread_mutex_clocklock(mutex, clock, abstime));
    }

    @Override
    public int pthreadMutexUnlock(long mutex) {
        return negated(libc.pthread_mutex_unlock(mutex));
    }

    @Override
    public int pthreadMutexConsistent(long mutex) {
        return negated(libc.pthread_mutex_consistent(mutex));
    }

    @Override
    public int pthreadMutexDestroy(long mutex) {
        return negated(libc.pthread_mutex_destroy(mutex));
    }

    // ---- ancillary data ------------------------------------------------------------------------

    @Override
    public long sendmsg(int fd, long msg, int flags) {
        return check(libc.sendmsg(fd, msg, flags));
    }

    @Override
    public long recvmsg(int fd, long msg, int flags) {
        return check(libc.recvmsg(fd, msg, flags));
    }
}
