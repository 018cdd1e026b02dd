package org.iomux.jni;

import java.nio.ByteBuffer;
import org.iomux.spi.Backend;
import org.iomux.spi.StructLayout;

/**
 * The default backend: iomux's own C library ({@code libiomux.so}, built by CMake from
 * {@code native/} and shipped inside the jar), called through JNI. Each method is one static
 * native call that makes one system call and returns its result or {@code -errno}; struct layouts
 * are asked from the C compiler ({@code sizeof}/{@code offsetof}) once, when the class loads.
 *
 * <p>Stateless and thread-safe. Constructing it loads the library (see {@link NativeLoader}); the
 * constructor throws {@link UnsatisfiedLinkError} with the reason when that fails.
 */
public final class JniBackend implements Backend {
    private static final StructLayout LAYOUT;
    private static final String DESCRIPTION;

    static {
        NativeLoader.load();
        DESCRIPTION = JniNative.describe();
        LAYOUT = StructLayout.parse(DESCRIPTION);
    }

    public JniBackend() {
        // the static initialiser did the work; a failure there surfaces as an error here
    }

    /** What the C compiler says: the {@code key=value} lines of struct layouts and ABI constants. */
    public static String describeNative() {
        return DESCRIPTION;
    }

    @Override public String name() { return "jni"; }
    @Override public StructLayout layout() { return LAYOUT; }
    @Override public long address(ByteBuffer direct) { return JniNative.bufferAddress(direct); }

    @Override public int close(int fd) { return JniNative.close(fd); }
    @Override public int fcntl(int fd, int cmd, long arg) { return JniNative.fcntl(fd, cmd, arg); }
    @Override public int fcntlPointer(int fd, int cmd, long ptr) { return JniNative.fcntl(fd, cmd, ptr); }
    @Override public int pipe2(long fds, int flags) { return JniNative.pipe2(fds, flags); }
    @Override public int eventfd(int initval, int flags) { return JniNative.eventfd(initval, flags); }

    @Override public long read(int fd, long address, long length) { return JniNative.read(fd, address, length); }
    @Override public long write(int fd, long address, long length) { return JniNative.write(fd, address, length); }
    @Override public long read(int fd, ByteBuffer direct, int position, int length) {
        return JniNative.readBuffer(fd, direct, position, length);
    }
    @Override public long write(int fd, ByteBuffer direct, int position, int length) {
        return JniNative.writeBuffer(fd, direct, position, length);
    }
    @Override public long read(int fd, byte[] array, int offset, int length) {
        return JniNative.readArray(fd, array, offset, length);
    }
    @Override public long write(int fd, byte[] array, int offset, int length) {
        return JniNative.writeArray(fd, array, offset, length);
    }
    @Override public long readv(int fd, long iov, int iovcnt) { return JniNative.readv(fd, iov, iovcnt); }
    @Override public long writev(int fd, long iov, int iovcnt) { return JniNative.writev(fd, iov, iovcnt); }

    @Override public int socket(int domain, int type, int protocol) { return JniNative.socket(domain, type, protocol); }
    @Override public int socketpair(int domain, int type, int protocol, long sv) {
        return JniNative.socketpair(domain, type, protocol, sv);
    }
    @Override public int bind(int fd, long addr, int addrlen) { return JniNative.bind(fd, addr, addrlen); }
    @Override public int listen(int fd, int backlog) { return JniNative.listen(fd, backlog); }
    @Override public int accept4(int fd, long addr, long addrlen, int flags) {
        return JniNative.accept4(fd, addr, addrlen, flags);
    }
    @Override public int connect(int fd, long addr, int addrlen) { return JniNative.connect(fd, addr, addrlen); }
    @Override public int shutdown(int fd, int how) { return JniNative.shutdown(fd, how); }
    @Override public int getsockname(int fd, long addr, long addrlen) { return JniNative.getsockname(fd, addr, addrlen); }
    @Override public int getpeername(int fd, long addr, long addrlen) { return JniNative.getpeername(fd, addr, addrlen); }
    @Override public int setsockopt(int fd, int level, int name, long value, int length) {
        return JniNative.setsockopt(fd, level, name, value, length);
    }
    @Override public int getsockopt(int fd, int level, int name, long value, long length) {
        return JniNative.getsockopt(fd, level, name, value, length);
    }

    @Override public int epollCreate1(int flags) { return JniNative.epollCreate1(flags); }
    @Override public int epollCtl(int epfd, int op, int fd, long event) { return JniNative.epollCtl(epfd, op, fd, event); }
    @Override public int epollWait(int epfd, long events, int maxevents, int timeoutMillis) {
        return JniNative.epollWait(epfd, events, maxevents, timeoutMillis);
    }
    @Override public int epollPwait2(int epfd, long events, int maxevents, long timespec) {
        return JniNative.epollPwait2(epfd, events, maxevents, timespec);
    }
    @Override public int poll(long fds, int nfds, int timeoutMillis) { return JniNative.poll(fds, nfds, timeoutMillis); }
    @Override public int select(int nfds, long readfds, long writefds, long exceptfds, long timeval) {
        return JniNative.select(nfds, readfds, writefds, exceptfds, timeval);
    }

    @Override public int getrlimit(int resource, long rlim) { return JniNative.getrlimit(resource, rlim); }
    @Override public int setrlimit(int resource, long rlim) { return JniNative.setrlimit(resource, rlim); }
    @Override public int getpid() { return JniNative.getpid(); }
}
