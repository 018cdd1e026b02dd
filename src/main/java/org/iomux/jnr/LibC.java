package org.iomux.jnr;

import java.nio.ByteBuffer;

import jnr.ffi.annotations.In;
import jnr.ffi.types.intptr_t;
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
 * exist for at most six arguments, which is why {@link Functions#syscall} is bound with six
 * (a seventh would send every call down jnr-ffi's generic path, which builds a
 * {@code HeapInvocationBuffer}, about 72 bytes, per call).
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

        /*
         * long syscall(long number, ...): variadic, bound with a fixed arity of six 64-bit
         * integers (the number and five arguments), which x86_64 and aarch64 pass exactly as they
         * pass variadic integers. glibc's syscall() moves them into the kernel's argument
         * registers and turns a -4095..-1 kernel result into -1 and errno. A system call's sixth
         * argument is then unspecified: use this only for calls that ignore it in the way made.
         */
        long syscall(long number, long a1, long a2, long a3, long a4, long a5);

        /* nfds_t is unsigned long. */
        int poll(@intptr_t long fds, long nfds, int timeout);

        int select(int nfds, @intptr_t long readfds, @intptr_t long writefds,
                   @intptr_t long exceptfds, @intptr_t long timeout);

        int getrlimit(int resource, @intptr_t long rlim);

        int setrlimit(int resource, @intptr_t long rlim);

        int getpid();
    }
}
