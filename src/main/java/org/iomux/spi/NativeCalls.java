package org.iomux.spi;

import java.nio.ByteBuffer;

/**
 * The raw system-call layer between the typed API ({@code org.iomux}) and the kernel: an
 * <strong>internal, unchecked SPI for backend implementers</strong> ({@code org.iomux.jni},
 * {@code org.iomux.jna}, {@code org.iomux.jnr}), not an API for applications.
 *
 * <p>Its methods take raw native addresses and validate nothing: a wrong address, length or
 * command makes the kernel or the C library read or write arbitrary memory of the JVM, and a
 * crash is the <em>good</em> outcome. Applications hold an {@link org.iomux.Backend}, an opaque
 * handle that the typed API takes, and never see this interface; the only deliberate way from a
 * handle to it is {@link InternalAccess#calls}, for benchmarks that measure the binding itself.
 *
 * <h2>Conventions (every implementation follows them)</h2>
 * <ul>
 *   <li>A method named after a system call makes exactly that call, once. It returns the call's
 *       non-negative result, or {@code -errno} on failure (the netty convention). It never throws for
 *       an errno, never retries on {@code EINTR} and never prints.</li>
 *   <li>Arguments are <em>not</em> validated here: the typed API has already checked every fd handle,
 *       offset, length and flag word before it calls in. A backend may assume that every {@code long}
 *       address points into live memory of the size the call needs, that {@code ByteBuffer}
 *       arguments are direct, and that array ranges are in bounds.</li>
 *   <li>Addresses ({@code long}) are raw native addresses of memory owned by an
 *       {@link org.iomux.NativeBuffer}; {@code 0} means {@code NULL} where the system call allows it.</li>
 *   <li>Struct layouts are described by {@link #layout()}; the typed API reads and writes structs
 *       only through those offsets.</li>
 * </ul>
 *
 * <p>Implementations are stateless and thread-safe: any method may be called from any thread.
 */
public interface NativeCalls {

    /** {@code "jni"}, {@code "jna"} or {@code "jnr"}. */
    String name();

    /** Struct sizes and offsets as this backend sees them (JNI asks the C compiler). */
    StructLayout layout();

    /** The native address of a direct buffer's first byte (position 0), never 0 for a live buffer. */
    long address(ByteBuffer direct);

    /**
     * A direct buffer over {@code length} bytes of native memory at {@code address} that the caller
     * owns (an {@code mmap}ed region): the buffer does not free it. The caller keeps the buffer
     * private and stops using it before unmapping. Its byte order is unspecified: callers set it.
     */
    ByteBuffer wrap(long address, int length);

    // ---- descriptors -------------------------------------------------------------------------

    /** {@code close(fd)}. */
    int close(int fd);

    /** {@code fcntl(fd, cmd, arg)} for the integer-argument commands (F_GETFL, F_SETFL, F_GETFD, F_SETFD, ...). */
    int fcntl(int fd, int cmd, long arg);

    /** {@code fcntl(fd, cmd, (void *) ptr)} for the struct-argument commands (F_GETOWN_EX, F_SETOWN_EX). */
    int fcntlPointer(int fd, int cmd, long ptr);

    /** {@code pipe2(int[2] at fds, flags)}. */
    int pipe2(long fds, int flags);

    /** {@code eventfd(initval, flags)}. */
    int eventfd(int initval, int flags);

    // ---- I/O -----------------------------------------------------------------------------------

    /** {@code read(fd, address, length)}. */
    long read(int fd, long address, long length);

    /** {@code write(fd, address, length)}. */
    long write(int fd, long address, long length);

    /** {@code read(fd, address(buffer) + position, length)}: one native call, for direct buffers. */
    long read(int fd, ByteBuffer direct, int position, int length);

    /** {@code write(fd, address(buffer) + position, length)}: one native call, for direct buffers. */
    long write(int fd, ByteBuffer direct, int position, int length);

    /** {@code read(2)} into {@code array[offset, offset + length)}. */
    long read(int fd, byte[] array, int offset, int length);

    /** {@code write(2)} from {@code array[offset, offset + length)}. */
    long write(int fd, byte[] array, int offset, int length);

    /** {@code readv(fd, (struct iovec *) iov, iovcnt)}. */
    long readv(int fd, long iov, int iovcnt);

    /** {@code writev(fd, (const struct iovec *) iov, iovcnt)}. */
    long writev(int fd, long iov, int iovcnt);

    // ---- sockets -------------------------------------------------------------------------------

    /** {@code socket(domain, type, protocol)}. */
    int socket(int domain, int type, int protocol);

    /** {@code socketpair(domain, type, protocol, int[2] at sv)}. */
    int socketpair(int domain, int type, int protocol, long sv);

    /** {@code bind(fd, (struct sockaddr *) addr, addrlen)}. */
    int bind(int fd, long addr, int addrlen);

    /** {@code listen(fd, backlog)}. */
    int listen(int fd, int backlog);

    /** {@code accept4(fd, addr, (socklen_t *) addrlen, flags)}; {@code addr} and {@code addrlen} may be 0. */
    int accept4(int fd, long addr, long addrlen, int flags);

    /** {@code connect(fd, (struct sockaddr *) addr, addrlen)}. */
    int connect(int fd, long addr, int addrlen);

    /** {@code shutdown(fd, how)}. */
    int shutdown(int fd, int how);

    /** {@code getsockname(fd, addr, (socklen_t *) addrlen)}. */
    int getsockname(int fd, long addr, long addrlen);

    /** {@code getpeername(fd, addr, (socklen_t *) addrlen)}. */
    int getpeername(int fd, long addr, long addrlen);

    /** {@code setsockopt(fd, level, name, value, length)}. */
    int setsockopt(int fd, int level, int name, long value, int length);

    /** {@code getsockopt(fd, level, name, value, (socklen_t *) length)}. */
    int getsockopt(int fd, int level, int name, long value, long length);

    // ---- multiplexers --------------------------------------------------------------------------

    /** {@code epoll_create1(flags)}. */
    int epollCreate1(int flags);

    /** {@code epoll_ctl(epfd, op, fd, (struct epoll_event *) event)}; {@code event} may be 0 for DEL. */
    int epollCtl(int epfd, int op, int fd, long event);

    /** {@code epoll_wait(epfd, (struct epoll_event *) events, maxevents, timeout)}. */
    int epollWait(int epfd, long events, int maxevents, int timeoutMillis);

    /**
     * {@code syscall(SYS_epoll_pwait2, epfd, events, maxevents, (struct timespec *) timeout, NULL, 0)}:
     * made through {@code syscall(2)} so that it does not depend on the C library's wrapper.
     * Returns {@code -ENOSYS} on kernels before 5.11.
     */
    int epollPwait2(int epfd, long events, int maxevents, long timespec);

    /** {@code poll((struct pollfd *) fds, nfds, timeout)}. */
    int poll(long fds, int nfds, int timeoutMillis);

    /**
     * {@code select(nfds, readfds, writefds, exceptfds, (struct timeval *) timeout)}; each set
     * address may be 0, and the sets may be larger than {@code FD_SETSIZE}.
     */
    int select(int nfds, long readfds, long writefds, long exceptfds, long timeval);

    // ---- process -------------------------------------------------------------------------------

    /** {@code getrlimit(resource, (struct rlimit *) rlim)}. */
    int getrlimit(int resource, long rlim);

    /** {@code setrlimit(resource, (const struct rlimit *) rlim)}. */
    int setrlimit(int resource, long rlim);

    /** {@code getpid()}. */
    int getpid();

    /** {@code gettid()}: the calling thread's kernel thread id. */
    int gettid();

    /** {@code clock_gettime(clock, (struct timespec *) timespec)}. */
    int clockGettime(int clock, long timespec);

    // ---- signals -------------------------------------------------------------------------------
    // sigset_t arguments are glibc's (sizeof(sigset_t), 128 bytes on Linux), bit (sig - 1) set for sig.

    /** {@code kill(pid, sig)}. */
    int kill(int pid, int sig);

    /** {@code tgkill(tgid, tid, sig)}: a thread-directed signal. */
    int tgkill(int tgid, int tid, int sig);

    /** glibc's {@code SIGRTMIN} at run time ({@code __libc_current_sigrtmin()}): glibc reserves the first few. */
    int sigrtmin();

    /** glibc's {@code SIGRTMAX} at run time ({@code __libc_current_sigrtmax()}). */
    int sigrtmax();

    /**
     * {@code pthread_sigmask(how, set, oldset)} for the calling thread; {@code set}/{@code oldset} may
     * be 0. pthread_sigmask returns the error number rather than setting errno: backends return it
     * negated, like every other failure.
     */
    int pthreadSigmask(int how, long set, long oldset);

    /** {@code sigaction(sig, (const struct sigaction *) act, (struct sigaction *) oldact)}; either may be 0. */
    int sigaction(int sig, long act, long oldact);

    /** {@code sigtimedwait(set, (siginfo_t *) info, (const struct timespec *) timeout)}: the signal number. */
    int sigtimedwait(long set, long info, long timespec);

    /** {@code signalfd(fd, mask, flags)} (glibc passes the kernel's 8-byte sigset size). */
    int signalfd(int fd, long mask, int flags);

    // ---- files and shared memory ---------------------------------------------------------------

    /**
     * {@code open(path, flags, mode)}; {@code path} is NUL-terminated bytes, at most {@code PATH_MAX}
     * (4096) with the NUL. The last byte is taken as the NUL whatever it holds, so a malformed array
     * cannot make native code read past its end; an empty or longer one gives {@code -ENAMETOOLONG}.
     */
    int open(byte[] path, int flags, int mode);

    /** {@code unlink(path)}; {@code path} as for {@link #open}. */
    int unlink(byte[] path);

    /** {@code ftruncate(fd, length)}. */
    int ftruncate(int fd, long length);

    /** {@code fallocate(fd, mode, offset, length)} (Linux's, not {@code posix_fallocate}: it sets errno). */
    int fallocate(int fd, int mode, long offset, long length);

    /** {@code lseek(fd, offset, whence)}: the new offset. */
    long lseek(int fd, long offset, int whence);

    /** {@code mmap(addr, length, prot, flags, fd, offset)}: the address, or {@code -errno} for {@code MAP_FAILED}. */
    long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    /** {@code munmap(addr, length)}. */
    int munmap(long addr, long length);

    // ---- pthread mutexes -----------------------------------------------------------------------
    // Each returns 0 or the negated error number (these functions return it instead of setting errno).

    /** {@code pthread_mutexattr_init((pthread_mutexattr_t *) attr)}. */
    int pthreadMutexattrInit(long attr);

    /** {@code pthread_mutexattr_settype(attr, type)}. */
    int pthreadMutexattrSettype(long attr, int type);

    /** {@code pthread_mutexattr_setpshared(attr, pshared)}. */
    int pthreadMutexattrSetpshared(long attr, int pshared);

    /** {@code pthread_mutexattr_setrobust(attr, robust)}. */
    int pthreadMutexattrSetrobust(long attr, int robust);

    /** {@code pthread_mutexattr_destroy(attr)}. */
    int pthreadMutexattrDestroy(long attr);

    /** {@code pthread_mutex_init((pthread_mutex_t *) mutex, attr)}. */
    int pthreadMutexInit(long mutex, long attr);

    /** {@code pthread_mutex_lock(mutex)}: 0, or -EOWNERDEAD, -ENOTRECOVERABLE, -EDEADLK, ... */
    int pthreadMutexLock(long mutex);

    /** {@code pthread_mutex_trylock(mutex)}: 0, or -EBUSY, -EOWNERDEAD, ... */
    int pthreadMutexTrylock(long mutex);

    /** {@code pthread_mutex_clocklock(mutex, clock, (const struct timespec *) abstime)} (glibc 2.30): -ETIMEDOUT, ... */
    int pthreadMutexClocklock(long mutex, int clock, long abstime);

    /** {@code pthread_mutex_unlock(mutex)}: 0, or -EPERM when the caller is not the owner. */
    int pthreadMutexUnlock(long mutex);

    /** {@code pthread_mutex_consistent(mutex)}. */
    int pthreadMutexConsistent(long mutex);

    /** {@code pthread_mutex_destroy(mutex)}. */
    int pthreadMutexDestroy(long mutex);

    // ---- ancillary data ------------------------------------------------------------------------

    /** {@code sendmsg(fd, (const struct msghdr *) msg, flags)}. */
    long sendmsg(int fd, long msg, int flags);

    /** {@code recvmsg(fd, (struct msghdr *) msg, flags)}. */
    long recvmsg(int fd, long msg, int flags);
}
