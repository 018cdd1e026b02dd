package org.iomux.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The C library functions, bound by JNA direct mapping ({@link Native#register(Class, NativeLibrary)}).
 *
 * <p>Every parameter is a Java primitive, so a call converts nothing and allocates nothing on the Java
 * heap; the exceptions are the {@code byte[]} paths of {@code open} and {@code unlink}, which are not
 * on a hot path. Pointers are {@code long}: direct mapping passes a {@code long} as a 64-bit integer, which is
 * a pointer on LP64. C types wider than {@code int} ({@code size_t}, {@code nfds_t}, variadic
 * arguments) are {@code long} too, so that the callee never reads undefined upper register halves.
 *
 * <p>JNA stores {@code errno} in its own per-thread slot inside the native dispatcher, immediately after
 * the call returns (before the JVM can run anything that might clobber it), and
 * {@link Native#getLastError()} reads that slot. The slot is not cleared by a successful call, so it is
 * read only when a function has returned {@code -1}.
 */
final class Libc {
    private Libc() {}

    /** Why binding failed ({@code null} when every function is bound). */
    static final Throwable LOAD_FAILURE;

    static {
        Throwable failure = null;
        try {
            // On Linux JNA opens "c" (Platform.C_LIBRARY_NAME) as the process itself, dlopen(NULL), so
            // symbols resolve in the global scope where the JVM's own libc.so.6 already is (and not
            // through the libc.so linker script). register() binds every native method below or throws.
            Native.register(Libc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        } catch (LinkageError | RuntimeException e) {
            // NoClassDefFoundError (JNA absent), UnsatisfiedLinkError (jnidispatch cannot be loaded,
            // or a symbol is missing from this libc), IllegalArgumentException (bad mapping)
            failure = e;
        }
        LOAD_FAILURE = failure;
    }

    // ---- descriptors
    static native int close(int fd);

    // fcntl is variadic. On x86_64 libffi sets %al (the vector-register count a variadic callee may
    // read) on every call, and on aarch64 Linux variadic integer arguments travel like fixed ones, so
    // a fixed-arity binding with a 64-bit third argument is correct for int and pointer arguments.
    static native int fcntl(int fd, int cmd, long arg);

    static native int pipe2(long fds, int flags);

    static native int eventfd(int initval, int flags);

    // ---- I/O (ssize_t results and size_t counts are 64-bit)
    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    static native long readv(int fd, long iov, int iovcnt);

    static native long writev(int fd, long iov, int iovcnt);

    // ---- sockets (socklen_t is a 32-bit unsigned int)
    static native int socket(int domain, int type, int protocol);

    static native int socketpair(int domain, int type, int protocol, long sv);

    static native int bind(int fd, long addr, int addrlen);

    static native int listen(int fd, int backlog);

    static native int accept4(int fd, long addr, long addrlen, int flags);

    static native int connect(int fd, long addr, int addrlen);

    static native int shutdown(int fd, int how);

    static native int getsockname(int fd, long addr, long addrlen);

    static native int getpeername(int fd, long addr, long addrlen);

    static native int setsockopt(int fd, int level, int name, long value, int length);

    static native int getsockopt(int fd, int level, int name, long value, long length);

    // ---- multiplexers
    static native int epoll_create1(int flags);

    static native int epoll_ctl(int epfd, int op, int fd, long event);

    static native int epoll_wait(int epfd, long events, int maxevents, int timeout);

    // long syscall(long number, ...): variadic like fcntl (see there); the kernel reads six full
    // registers, so every argument is passed as a 64-bit integer.
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    // nfds_t is unsigned long
    static native int poll(long fds, long nfds, int timeout);

    static native int select(int nfds, long readfds, long writefds, long exceptfds, long timeout);

    // ---- process
    static native int getrlimit(int resource, long rlim);

    static native int setrlimit(int resource, long rlim);

    static native int getpid();

    // glibc 2.30 (as are tgkill and pthread_mutex_clocklock below, so one floor for all three)
    static native int gettid();

    // clockid_t is int
    static native int clock_gettime(int clock, long timespec);

    // ---- signals
    static native int kill(int pid, int sig);

    // glibc 2.30's wrapper of the tgkill system call: no per-architecture syscall number to carry
    // (x86_64 234, aarch64 131, ...), and no new glibc floor since gettid and pthread_mutex_clocklock
    // already need 2.30. The JNI backend's syscall(SYS_tgkill, ...) makes the same system call.
    static native int tgkill(int tgid, int tid, int sig);

    // What the SIGRTMIN and SIGRTMAX macros expand to: glibc reserves the first real-time signals
    // for itself (its threading library's cancellation and setxid signals), so they are run-time values.
    static native int __libc_current_sigrtmin();

    static native int __libc_current_sigrtmax();

    // returns the error number and leaves errno alone
    static native int pthread_sigmask(int how, long set, long oldset);

    // glibc's struct sigaction, which glibc converts to the kernel's
    static native int sigaction(int sig, long act, long oldact);

    // glibc's wrapper rewrites si_code SI_TKILL (tgkill, raise) to SI_USER in *info, as C callers see it
    static native int sigtimedwait(long set, long info, long timeout);

    static native int signalfd(int fd, long mask, int flags);

    // ---- files and shared memory (off_t is 64 bits on LP64)

    // open is variadic in its mode, which it reads with va_arg(ap, int): an int argument fills the
    // register that the variadic callee reads (see fcntl). JNA's direct dispatcher passes a byte[]
    // through Get/ReleaseByteArrayElements, which HotSpot implements as a copy into C memory and back
    // (no pinning), so an open that blocks (a FIFO) does not hold off the GC.
    static native int open(byte[] path, int flags, int mode);

    static native int unlink(byte[] path);

    static native int ftruncate(int fd, long length);

    static native int fallocate(int fd, int mode, long offset, long length);

    static native long lseek(int fd, long offset, int whence);

    // MAP_FAILED is (void *) -1, i.e. -1 as a long
    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long addr, long length);

    // ---- pthread mutexes: each returns the error number (0 on success) and leaves errno alone.
    // In libc itself since glibc 2.34; before that in libpthread, which the JVM has loaded, and the
    // process-wide lookup ("c" is dlopen(NULL)) finds them there.
    static native int pthread_mutexattr_init(long attr);

    static native int pthread_mutexattr_settype(long attr, int type);

    static native int pthread_mutexattr_setpshared(long attr, int pshared);

    static native int pthread_mutexattr_setrobust(long attr, int robust);

    static native int pthread_mutexattr_destroy(long attr);

    static native int pthread_mutex_init(long mutex, long attr);

    static native int pthread_mutex_lock(long mutex);

    static native int pthread_mutex_trylock(long mutex);

    static native int pthread_mutex_clocklock(long mutex, int clock, long abstime);

    static native int pthread_mutex_unlock(long mutex);

    static native int pthread_mutex_consistent(long mutex);

    static native int pthread_mutex_destroy(long mutex);

    // ---- ancillary data (ssize_t results)
    static native long sendmsg(int fd, long msg, int flags);

    static native long recvmsg(int fd, long msg, int flags);
}
