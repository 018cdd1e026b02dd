package org.iomux.jnr;

import java.nio.ByteBuffer;

import jnr.ffi.annotations.In;
import jnr.ffi.provider.jffi.NoX86;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.pid_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.socklen_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int32_t;

/**
 * The C library functions behind {@link JnrBackend}, bound by jnr-ffi ({@link Functions}).
 *
 * <p>Every pointer is a Java {@code long} annotated {@code @intptr_t}: jnr-ffi passes it as a
 * 64-bit integer, which is how the C ABI passes a pointer on LP64. Because every parameter and
 * result is a primitive, jnr-ffi's {@code AsmLibraryLoader} binds each function to a generated
 * native stub (its x86_64 stub compiler) or to jffi's primitive {@code invokeN} entry points: no
 * {@code Pointer}, no boxing, no invocation buffer, so these calls allocate nothing. Both paths
 * exist for at most six arguments (a seventh would send every call down jnr-ffi's generic path,
 * which builds a {@code HeapInvocationBuffer}, about 72 bytes, per call).
 *
 * <p><b>Six arguments.</b> The functions that take six are in {@link SixArguments}, which is kept
 * off the x86_64 stub compiler: in jnr-ffi 2.2.17 its stubs load the sixth integer argument from
 * {@code [rsp + 0]}, the return address, instead of {@code [rsp + 16]} ({@code X86_64StubCompiler}
 * computes the stack displacement as {@code 8 + (4 - i) * 8}, right only for the fifth), so the
 * callee receives a code address (mmap then fails with EINVAL on its offset check, and
 * epoll_pwait2 sees a non-NULL sigmask). {@code @NoX86} (a public jnr-ffi annotation; despite
 * the name it turns the stub compiler off for the interface on any CPU) makes jnr-ffi bind them
 * to jffi's {@code Invoker.invokeL6} instead, which passes all six correctly and allocates
 * nothing either. The aarch64 stub compiler has no such bug (all eight JNI arguments travel in
 * registers there), but these two functions do not need it.
 */
final class LibC {
    private LibC() {}

    /**
     * The bound functions. Public only because jnr-ffi defines the implementing class in its own
     * class loader ({@code AsmClassLoader}), which cannot implement a package-private interface
     * ({@code IllegalAccessError} at load time); nested in a package-private class, it stays out
     * of iomux's API.
     */
    public interface Functions {

        int close(int fd);

        /*
         * fcntl is variadic. On x86_64 and aarch64 Linux an integer or pointer variadic argument
         * travels in the same register as a fixed one, so a fixed-arity 64-bit third argument
         * serves every command (and libffi's x86_64 call sets %al, the vector-register count that
         * a variadic callee may read, as a variadic call must).
         */
        int fcntl(int fd, int cmd, @intptr_t long arg);

        int pipe2(@intptr_t long fds, int flags);

        int eventfd(@u_int32_t int initval, int flags);

        @ssize_t long read(int fd, @intptr_t long buf, @size_t long count);

        @ssize_t long write(int fd, @intptr_t long buf, @size_t long count);

        /*
         * Heap-buffer overloads, used only for byte[] transfers larger than the scratch buffer.
         * jnr-ffi passes a heap buffer as (array, arrayOffset() + position(), remaining())
         * (HeapBufferParameterStrategy); jffi copies that region to native memory before the call
         * and back after it (Array.c). read is deliberately not @Out: with @Out alone jffi skips
         * the copy-in but still copies the whole region back, which would overwrite the array
         * past the count read(2) returned with uninitialized bytes. write is @In: nothing to copy
         * back. Not @Pinned: that holds a JNI critical region, which can stall the GC, for the
         * whole of a possibly blocking call.
         */
        @ssize_t long read(int fd, ByteBuffer heap, @size_t long count);

        @ssize_t long write(int fd, @In ByteBuffer heap, @size_t long count);

        @ssize_t long readv(int fd, @intptr_t long iov, int iovcnt);

        @ssize_t long writev(int fd, @intptr_t long iov, int iovcnt);

        int socket(int domain, int type, int protocol);

        int socketpair(int domain, int type, int protocol, @intptr_t long sv);

        int bind(int fd, @intptr_t long addr, @socklen_t int addrlen);

        int listen(int fd, int backlog);

        int accept4(int fd, @intptr_t long addr, @intptr_t long addrlen, int flags);

        int connect(int fd, @intptr_t long addr, @socklen_t int addrlen);

        int shutdown(int fd, int how);

        int getsockname(int fd, @intptr_t long addr, @intptr_t long addrlen);

        int getpeername(int fd, @intptr_t long addr, @intptr_t long addrlen);

        int setsockopt(int fd, int level, int name, @intptr_t long value, @socklen_t int length);

        int getsockopt(int fd, int level, int name, @intptr_t long value, @intptr_t long length);

        int epoll_create1(int flags);

        int epoll_ctl(int epfd, int op, int fd, @intptr_t long event);

        int epoll_wait(int epfd, @intptr_t long events, int maxevents, int timeout);

        /* nfds_t is unsigned long. */
        int poll(@intptr_t long fds, long nfds, int timeout);

        int select(int nfds, @intptr_t long readfds, @intptr_t long writefds,
                   @intptr_t long exceptfds, @intptr_t long timeout);

        int getrlimit(int resource, @intptr_t long rlim);

        int setrlimit(int resource, @intptr_t long rlim);

        int getpid();

        /* glibc 2.30 */
        @pid_t int gettid();

        /* clockid_t is int. */
        int clock_gettime(int clock, @intptr_t long timespec);

        // ---- signals ---------------------------------------------------------------------------

        int kill(@pid_t int pid, int sig);

        /* glibc 2.30, the floor gettid and pthread_mutex_clocklock already set. */
        int tgkill(@pid_t int tgid, @pid_t int tid, int sig);

        /* What glibc's SIGRTMIN and SIGRTMAX macros call. */
        int __libc_current_sigrtmin();

        int __libc_current_sigrtmax();

        /* Returns the error number; does not set errno. */
        int pthread_sigmask(int how, @intptr_t long set, @intptr_t long oldset);

        int sigaction(int sig, @intptr_t long act, @intptr_t long oldact);

        int sigtimedwait(@intptr_t long set, @intptr_t long info, @intptr_t long timeout);

        int signalfd(int fd, @intptr_t long mask, int flags);

        // ---- files and shared memory -----------------------------------------------------------

        /*
         * The paths are NUL-terminated by the caller. @In: jffi copies the array to native memory
         * before the call and not back after it (a per-call copy, acceptable off the hot path).
         * open is variadic; mode is passed as a fixed third int, as fcntl's argument (above).
         */
        int open(@In byte[] path, int flags, @mode_t int mode);

        int unlink(@In byte[] path);

        int ftruncate(int fd, @off_t long length);

        int fallocate(int fd, int mode, @off_t long offset, @off_t long length);

        @off_t long lseek(int fd, @off_t long offset, int whence);

        int munmap(@intptr_t long addr, @size_t long length);

        // ---- pthread mutexes: each returns the error number and does not set errno -------------
        // In libc.so.6 itself since glibc 2.34; before that in libpthread.so.0 (see JnrBackend).

        int pthread_mutexattr_init(@intptr_t long attr);

        int pthread_mutexattr_settype(@intptr_t long attr, int type);

        int pthread_mutexattr_setpshared(@intptr_t long attr, int pshared);

        int pthread_mutexattr_setrobust(@intptr_t long attr, int robust);

        int pthread_mutexattr_destroy(@intptr_t long attr);

        int pthread_mutex_init(@intptr_t long mutex, @intptr_t long attr);

        int pthread_mutex_lock(@intptr_t long mutex);

        int pthread_mutex_trylock(@intptr_t long mutex);

        /* glibc 2.30 */
        int pthread_mutex_clocklock(@intptr_t long mutex, int clock, @intptr_t long abstime);

        int pthread_mutex_unlock(@intptr_t long mutex);

        int pthread_mutex_consistent(@intptr_t long mutex);

        int pthread_mutex_destroy(@intptr_t long mutex);

        // ---- ancillary data --------------------------------------------------------------------

        @ssize_t long sendmsg(int fd, @intptr_t long msg, int flags);

        @ssize_t long recvmsg(int fd, @intptr_t long msg, int flags);
    }

    /**
     * The six-argument functions, bound through jffi's {@code invokeL6} rather than an x86_64
     * stub ({@code @NoX86}; see the class comment). Public for the same reason as
     * {@link Functions}.
     */
    @NoX86
    public interface SixArguments {

        /*
         * long syscall(long number, ...): variadic, bound with a fixed arity of six 64-bit
         * integers (the number and five arguments), which x86_64 and aarch64 pass exactly as they
         * pass variadic integers. glibc's syscall() moves them into the kernel's argument
         * registers and turns a -4095..-1 kernel result into -1 and errno. A system call's sixth
         * argument is then unspecified: use this only for calls that ignore it in the way made.
         */
        long syscall(long number, long a1, long a2, long a3, long a4, long a5);

        /* MAP_FAILED is (void *) -1. */
        @intptr_t long mmap(@intptr_t long addr, @size_t long length, int prot, int flags, int fd,
                            @off_t long offset);
    }
}
