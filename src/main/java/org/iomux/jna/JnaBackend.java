package org.iomux.jna;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.iomux.spi.Abi;
import org.iomux.spi.NativeCalls;
import org.iomux.spi.StructLayout;

/**
 * The {@code jna} backend: each method is one call of the C library function of the same name, bound
 * with JNA <em>direct mapping</em> ({@code Native.register} on {@code static native} methods whose
 * parameters are all primitives, pointers being {@code long}). {@link #epollPwait2} goes through
 * {@code syscall(2)}.
 *
 * <p><b>errno.</b> JNA's native dispatcher saves {@code errno} into a per-thread slot right after the
 * C function returns, before control is back in the JVM; {@link Native#getLastError()} reads that
 * slot. It is read only when the function returned {@code -1} (a successful call leaves the slot
 * alone), and then {@code -errno} is returned. Methods are not declared {@code throws
 * LastErrorException}, which would allocate an exception per failure.
 *
 * <p><b>Error numbers.</b> {@code pthread_sigmask} and the {@code pthread_mutex*} functions return an
 * error number instead of setting {@code errno}; it is returned negated, and JNA's slot is not read.
 *
 * <p><b>Allocation.</b> The address-based calls, {@code epollWait}, {@code epollCtl}, {@code poll},
 * {@code select}, the direct-buffer {@code read}/{@code write}, the signal calls
 * ({@code pthreadSigmask}, {@code sigtimedwait}, ...) and the mutex calls allocate nothing on the Java
 * heap.
 * The {@code byte[]} variants copy through a 64 KiB direct buffer per thread, allocated on a thread's
 * first such call, and so move at most 64 KiB per call (a short count, which {@code read(2)} and
 * {@code write(2)} allow).
 *
 * <p><b>Thread safety.</b> Stateless apart from the per-thread scratch buffers; every method may be
 * called from any thread.
 */
final class JnaBackend implements NativeCalls {

    /** Bound on one {@code byte[]} transfer: the per-thread scratch buffer's size. */
    private static final int SCRATCH_SIZE = 64 * 1024;

    /** {@code PATH_MAX} ({@code <linux/limits.h>}): the longest path, its NUL included. */
    private static final int PATH_MAX = 4096;

    /** {@code ENAMETOOLONG}, the same (asm-generic) number on x86_64 and aarch64. */
    private static final int ENAMETOOLONG = 36;

    /**
     * JNA direct mapping passes a {@code byte[]} argument as a pointer to the whole array (HotSpot copies
     * all of it out and back) and cannot add an offset, so array I/O is staged in native memory.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * For {@link org.iomux.Backends} only, which makes one per JVM.
     *
     * @throws IllegalStateException if JNA is not on the class path, cannot load its native part, or
     *         cannot bind the C library
     */
    JnaBackend() {
        try {
            Class.forName("com.sun.jna.Native", false, JnaBackend.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("JNA is not on the class path (com.sun.jna.Native not found)", e);
        }
        Throwable failure;
        try {
            failure = Libc.LOAD_FAILURE;
        } catch (LinkageError e) {
            failure = e;
        }
        if (failure != null) {
            throw new IllegalStateException("JNA cannot bind the C library: " + failure, failure);
        }
        try {
            // class initialisation of both: the layout and the address reader need JNA's native part
            Objects.requireNonNull(Structs.LAYOUT);
            Objects.requireNonNull(DirectAddress.METHOD);
        } catch (LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("JNA backend cannot initialise: " + cause, e);
        }
    }

    private static int result(int r) {
        return r == -1 ? -Native.getLastError() : r;
    }

    private static long result(long r) {
        return r == -1 ? -Native.getLastError() : r;
    }

    @Override
    public String name() {
        return "jna";
    }

    @Override
    public StructLayout layout() {
        return Structs.LAYOUT;
    }

    @Override
    public long address(ByteBuffer direct) {
        return DirectAddress.of(direct);
    }

    /**
     * JNI's {@code NewDirectByteBuffer} through JNA, which neither owns nor frees the memory. JNA sets
     * the native byte order on the buffer; it is reset to {@code BIG_ENDIAN}, the order of every new
     * {@code ByteBuffer} and of the JNI backend's, so that the backends hand out identical buffers.
     */
    @Override
    public ByteBuffer wrap(long address, int length) {
        return new Pointer(address).getByteBuffer(0, length).order(ByteOrder.BIG_ENDIAN);
    }

    // ---- descriptors

    @Override
    public int close(int fd) {
        return result(Libc.close(fd));
    }

    @Override
    public int fcntl(int fd, int cmd, long arg) {
        return result(Libc.fcntl(fd, cmd, arg));
    }

    @Override
    public int fcntlPointer(int fd, int cmd, long ptr) {
        return result(Libc.fcntl(fd, cmd, ptr));
    }

    @Override
    public int pipe2(long fds, int flags) {
        return result(Libc.pipe2(fds, flags));
    }

    @Override
    public int eventfd(int initval, int flags) {
        return result(Libc.eventfd(initval, flags));
    }

    // ---- I/O

    @Override
    public long read(int fd, long address, long length) {
        return result(Libc.read(fd, address, length));
    }

    @Override
    public long write(int fd, long address, long length) {
        return result(Libc.write(fd, address, length));
    }

    @Override
    public long read(int fd, ByteBuffer direct, int position, int length) {
        return result(Libc.read(fd, DirectAddress.of(direct) + position, length));
    }

    @Override
    public long write(int fd, ByteBuffer direct, int position, int length) {
        return result(Libc.write(fd, DirectAddress.of(direct) + position, length));
    }

    @Override
    public long read(int fd, byte[] array, int offset, int length) {
        Scratch scratch = SCRATCH.get();
        long n = Libc.read(fd, scratch.address, Math.min(length, SCRATCH_SIZE));
        if (n > 0) {
            scratch.buffer.get(0, array, offset, (int) n);
        }
        return result(n);
    }

    @Override
    public long write(int fd, byte[] array, int offset, int length) {
        Scratch scratch = SCRATCH.get();
        int n = Math.min(length, SCRATCH_SIZE);
        scratch.buffer.put(0, array, offset, n);
        return result(Libc.write(fd, scratch.address, n));
    }

    @Override
    public long readv(int fd, long iov, int iovcnt) {
        return result(Libc.readv(fd, iov, iovcnt));
    }

    @Override
    public long writev(int fd, long iov, int iovcnt) {
        return result(Libc.writev(fd, iov, iovcnt));
    }

    // ---- sockets

    @Override
    public int socket(int domain, int type, int protocol) {
        return result(Libc.socket(domain, type, protocol));
    }

    @Override
    public int socketpair(int domain, int type, int protocol, long sv) {
        return result(Libc.socketpair(domain, type, protocol, sv));
    }

    @Override
    public int bind(int fd, long addr, int addrlen) {
        return result(Libc.bind(fd, addr, addrlen));
    }

    @Override
    public int listen(int fd, int backlog) {
        return result(Libc.listen(fd, backlog));
    }

    @Override
    public int accept4(int fd, long addr, long addrlen, int flags) {
        return result(Libc.accept4(fd, addr, addrlen, flags));
    }

    @Override
    public int connect(int fd, long addr, int addrlen) {
        return result(Libc.connect(fd, addr, addrlen));
    }

    @Override
    public int shutdown(int fd, int how) {
        return result(Libc.shutdown(fd, how));
    }

    @Override
    public int getsockname(int fd, long addr, long addrlen) {
        return result(Libc.getsockname(fd, addr, addrlen));
    }

    @Override
    public int getpeername(int fd, long addr, long addrlen) {
        return result(Libc.getpeername(fd, addr, addrlen));
    }

    @Override
    public int setsockopt(int fd, int level, int name, long value, int length) {
        return result(Libc.setsockopt(fd, level, name, value, length));
    }

    @Override
    public int getsockopt(int fd, int level, int name, long value, long length) {
        return result(Libc.getsockopt(fd, level, name, value, length));
    }

    // ---- multiplexers

    @Override
    public int epollCreate1(int flags) {
        return result(Libc.epoll_create1(flags));
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, long event) {
        return result(Libc.epoll_ctl(epfd, op, fd, event));
    }

    @Override
    public int epollWait(int epfd, long events, int maxevents, int timeoutMillis) {
        return result(Libc.epoll_wait(epfd, events, maxevents, timeoutMillis));
    }

    @Override
    public int epollPwait2(int epfd, long events, int maxevents, long timespec) {
        // sigmask NULL and sigsetsize 0: no signal mask change, as epoll_wait. The libc syscall()
        // wrapper turns a kernel -errno into -1 and errno, ENOSYS included on kernels before 5.11.
        return (int) result(Libc.syscall(Abi.SYS_EPOLL_PWAIT2, epfd, events, maxevents, timespec, 0L, 0L));
    }

    @Override
    public int poll(long fds, int nfds, int timeoutMillis) {
        return result(Libc.poll(fds, nfds, timeoutMillis));
    }

    @Override
    public int select(int nfds, long readfds, long writefds, long exceptfds, long timeval) {
        return result(Libc.select(nfds, readfds, writefds, exceptfds, timeval));
    }

    // ---- process

    @Override
    public int getrlimit(int resource, long rlim) {
        return result(Libc.getrlimit(resource, rlim));
    }

    @Override
    public int setrlimit(int resource, long rlim) {
        return result(Libc.setrlimit(resource, rlim));
    }

    @Override
    public int getpid() {
        return Libc.getpid();
    }

    @Override
    public int gettid() {
        return Libc.gettid();
    }

    @Override
    public int clockGettime(int clock, long timespec) {
        return result(Libc.clock_gettime(clock, timespec));
    }

    // ---- signals

    @Override
    public int kill(int pid, int sig) {
        return result(Libc.kill(pid, sig));
    }

    @Override
    public int tgkill(int tgid, int tid, int sig) {
        return result(Libc.tgkill(tgid, tid, sig));
    }

    @Override
    public int sigrtmin() {
        return Libc.__libc_current_sigrtmin();
    }

    @Override
    public int sigrtmax() {
        return Libc.__libc_current_sigrtmax();
    }

    @Override
    public int pthreadSigmask(int how, long set, long oldset) {
        return -Libc.pthread_sigmask(how, set, oldset);
    }

    @Override
    public int sigaction(int sig, long act, long oldact) {
        return result(Libc.sigaction(sig, act, oldact));
    }

    @Override
    public int sigtimedwait(long set, long info, long timespec) {
        return result(Libc.sigtimedwait(set, info, timespec));
    }

    @Override
    public int signalfd(int fd, long mask, int flags) {
        return result(Libc.signalfd(fd, mask, flags));
    }

    // ---- files and shared memory

    @Override
    public int open(byte[] path, int flags, int mode) {
        byte[] name = cPath(path);
        return name == null ? -ENAMETOOLONG : result(Libc.open(name, flags, mode));
    }

    @Override
    public int unlink(byte[] path) {
        byte[] name = cPath(path);
        return name == null ? -ENAMETOOLONG : result(Libc.unlink(name));
    }

    @Override
    public int ftruncate(int fd, long length) {
        return result(Libc.ftruncate(fd, length));
    }

    @Override
    public int fallocate(int fd, int mode, long offset, long length) {
        return result(Libc.fallocate(fd, mode, offset, length));
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return result(Libc.lseek(fd, offset, whence));
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        // MAP_FAILED is (void *) -1, which result() turns into -errno
        return result(Libc.mmap(addr, length, prot, flags, fd, offset));
    }

    @Override
    public int munmap(long addr, long length) {
        return result(Libc.munmap(addr, length));
    }

    // ---- pthread mutexes (each function returns the error number; -0 is 0)

    @Override
    public int pthreadMutexattrInit(long attr) {
        return -Libc.pthread_mutexattr_init(attr);
    }

    @Override
    public int pthreadMutexattrSettype(long attr, int type) {
        return -Libc.pthread_mutexattr_settype(attr, type);
    }

    @Override
    public int pthreadMutexattrSetpshared(long attr, int pshared) {
        return -Libc.pthread_mutexattr_setpshared(attr, pshared);
    }

    @Override
    public int pthreadMutexattrSetrobust(long attr, int robust) {
        return -Libc.pthread_mutexattr_setrobust(attr, robust);
    }

    @Override
    public int pthreadMutexattrDestroy(long attr) {
        return -Libc.pthread_mutexattr_destroy(attr);
    }

    @Override
    public int pthreadMutexInit(long mutex, long attr) {
        return -Libc.pthread_mutex_init(mutex, attr);
    }

    @Override
    public int pthreadMutexLock(long mutex) {
        return -Libc.pthread_mutex_lock(mutex);
    }

    @Override
    public int pthreadMutexTrylock(long mutex) {
        return -Libc.pthread_mutex_trylock(mutex);
    }

    @Override
    public int pthreadMutexClocklock(long mutex, int clock, long abstime) {
        return -Libc.pthread_mutex_clocklock(mutex, clock, abstime);
    }

    @Override
    public int pthreadMutexUnlock(long mutex) {
        return -Libc.pthread_mutex_unlock(mutex);
    }

    @Override
    public int pthreadMutexConsistent(long mutex) {
        return -Libc.pthread_mutex_consistent(mutex);
    }

    @Override
    public int pthreadMutexDestroy(long mutex) {
        return -Libc.pthread_mutex_destroy(mutex);
    }

    // ---- ancillary data

    @Override
    public long sendmsg(int fd, long msg, int flags) {
        return result(Libc.sendmsg(fd, msg, flags));
    }

    @Override
    public long recvmsg(int fd, long msg, int flags) {
        return result(Libc.recvmsg(fd, msg, flags));
    }

    /**
     * The path as C receives it, treated as the JNI backend does: {@code null} (for
     * {@code -ENAMETOOLONG}) if it is empty or longer than {@code PATH_MAX}; otherwise its last byte is
     * the terminating NUL whatever it holds, so that C never reads past the array. The typed API
     * always passes a NUL-terminated array, which goes through as it is; only a malformed one is copied.
     */
    private static byte[] cPath(byte[] path) {
        if (path.length == 0 || path.length > PATH_MAX) {
            return null;
        }
        if (path[path.length - 1] == 0) {
            return path;
        }
        byte[] copy = path.clone();
        copy[copy.length - 1] = 0;
        return copy;
    }

    /** A thread's staging area for {@code byte[]} I/O: native memory and its address, found once. */
    private static final class Scratch {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(SCRATCH_SIZE);
        final long address = DirectAddress.of(buffer);
    }
}
