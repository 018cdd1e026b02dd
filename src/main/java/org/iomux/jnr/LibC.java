package org.iomux.jnr;

import java.nio.ByteBuffer;

import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.socklen_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int32_t;

/**
 * The C library functions behind {@link JnrBackend}, bound by jnr-ffi ({@link Functions}).
 *
 * <p>Every pointer is a Java {@code long} annotated {@code @intptr_t}: jnr-ffi then passes it as a
 * 64-bit integer, which is how the C ABI passes a pointer on LP64. Because every parameter and
 * result is a primitive, jnr-ffi's {@code AsmLibraryLoader} generates a call straight to jffi's
 * primitive {@code Invoker.invokeN*} entry points: no {@code Pointer}, no boxing, no invocation
 * buffer, so these calls allocate nothing. (jffi has such entry points for up to six arguments;
 * {@link Functions#syscall} has seven and so takes jnr-ffi's generic, allocating path.)
 *
 * <p>errno is saved by jffi right after each call ({@code LibraryOption.SaveError} is set when the
 * library is loaded) into jffi's per-thread slot, which {@code jnr.ffi.Runtime#getLastError()}
 * reads.
 */
final class LibC {
    private LibC() {}

    /**
     * The bound functions. Public only because jnr-ffi defines the implementing class in its own
     * class loader ({@code AsmClassLoader}), so a package-private interface would be inaccessible
     * to it ({@code IllegalAccessError} at load time); nested in a package-private class, it is
     * still not part of iomux's API.
     */
    public interface Functions {

        int close(int fd);

        /*
         * fcntl is variadic. On x86_64 and aarch64 Linux an integer or pointer variadic argument goes in
         * the same register as a fixed one, so a fixed-arity 64-bit third argument serves every command.
         * (libffi's fixed-arity x86_64 call also sets %al, the vector-register count a variadic callee
         * may read.)
         */
        int fcntl(int fd, int cmd, @intptr_t long arg);

        int pipe2(@intptr_t long fds, int flags);

        int eventfd(@u_int32_t int initval, int flags);

        @ssize_t long read(int fd, @intptr_t long buf, @size_t long count);

        @ssize_t long write(int fd, @intptr_t long buf, @size_t long count);

        /*
         * Heap-buffer variants, used only for large byte[] transfers. jnr-ffi passes a heap buffer as
         * (array, arrayOffset() + position(), remaining()) (HeapBufferParameterStrategy), and jffi copies
         * that region into native memory before the call and back after it (Array.c). Deliberately
         * neither @In nor @Out: with @Out alone jffi skips the copy-in but still copies the whole region
         * back, which would overwrite array bytes past the count read(2) returned with garbage.
         */
        @ssize_t long read(int fd, ByteBuffer heap, @size_t long count);

        @ssize_t long write(int fd, ByteBuffer heap, @size_t long count);

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

        /*
         * long syscall(long number, ...): variadic, mapped with a fixed arity of seven 64-bit integers
         * (the number and six arguments), which on x86_64 and aarch64 are passed exactly as variadic
         * integers are. glibc's syscall() is an assembly stub that moves them into the kernel's argument
         * registers and turns a -4095..-1 kernel result into -1 and errno.
         */
        long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        /* nfds_t is unsigned long. */
        int poll(@intptr_t long fds, long nfds, int timeout);

        int select(int nfds, @intptr_t long readfds, @intptr_t long writefds, @intptr_t long exceptfds,
                   @intptr_t long timeout);

        int getrlimit(int resource, @intptr_t long rlim);

        int setrlimit(int resource, @intptr_t long rlim);

        int getpid();
    }
}
