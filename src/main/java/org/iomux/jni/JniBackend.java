package org.iomux.jni;

import java.nio.ByteBuffer;
import org.iomux.spi.NativeCalls;
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
public final class JniBackend implements NativeCalls {
    private static final StructLayout LAYOUT;
    private static final String DESCRIPTION;

    static {
        NativeLoader.load();
        DESCRIPTION = JniNative.describe();
        LAYOUT = StructLayout.parse(DESCRIPTION);
    }

    /** For {@link org.iomux.Backends} only, which makes one per JVM. */
    JniBackend() {
        // the static initialiser did the work; a failure there surfaces as an error here
    }

    /** What the C compiler says: the {@code key=value} lines of struct layouts and ABI constants. */
    public static String describeNative() {
        return DESCRIPTION;
    }

    @Override public String name() { return "jni"; }
    @Override public StructLayout layout() { return LAYOUT; }
    @Override public long address(ByteBuffer direct) { return JniNative.bufferAddress(direct); }
    @Override public ByteBuffer wrap(long address, int length) { return JniNative.wrap(address, length); }

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
    @Override public int gettid() { return JniNative.gettid(); }
    @Override public int clockGettime(int clock, long timespec) { return JniNative.clockGettime(clock, timespec); }

    @Override public int kill(int pid, int sig) { return JniNative.kill(pid, sig); }
    @Override public int tgkill(int tgid, int tid, int sig) { return JniNative.tgkill(tgid, tid, sig); }
    @Override public int sigrtmin() { return JniNative.sigrtmin(); }
    @Override public int sigrtmax() { return JniNative.sigrtmax(); }
    @Override public int pthreadSigmask(int how, long set, long oldset) { return JniNative.pthreadSigmask(how, set, oldset); }
    @Override public int sigaction(int sig, long act, long oldact) { return JniNative.sigaction(sig, act, oldact); }
    @Override public int sigtimedwait(long set, long info, long timespec) { return JniNative.sigtimedwait(set, info, timespec); }
    @Override public int signalfd(int fd, long mask, int flags) { return JniNative.signalfd(fd, mask, flags); }

    @Override public int open(byte[] path, int flags, int mode) { return JniNative.open(path, flags, mode); }
    @Override public int unlink(byte[] path) { return JniNative.unlink(path); }
    @Override public int ftruncate(int fd, long length) { return JniNative.ftruncate(fd, length); }
    @Override public int fallocate(int fd, int mode, long offset, long length) {
        return JniNative.fallocate(fd, mode, offset, length);
    }
    @Override public long lseek(int fd, long offset, int whence) { return JniNative.lseek(fd, offset, whence); }
    @Override public long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        return JniNative.mmap(addr, length, prot, flags, fd, offset);
    }
    @Override public int munmap(long addr, long length) { return JniNative.munmap(addr, length); }

    @Override public int pthreadMutexattrInit(long attr) { return JniNative.pthreadMutexattrInit(attr); }
    @Override public int pthreadMutexattrSettype(long attr, int type) { return JniNative.pthreadMutexattrSettype(attr, type); }
    @Override public int pthreadMutexattrSetpshared(long attr, int pshared) {
        return JniNative.pthreadMutexattrSetpshared(attr, pshared);
    }
    @Override public int pthreadMutexattrSetrobust(long attr, int robust) {
        return JniNative.pthreadMutexattrSetrobust(attr, robust);
    }
    @Override public int pthreadMutexattrDestroy(long attr) { return JniNative.pthreadMutexattrDestroy(attr); }
    @Override public int pthreadMutexInit(long mutex, long attr) { return JniNative.pthreadMutexInit(mutex, attr); }
    @Override public int pthreadMutexLock(long mutex) { return JniNative.pthreadMutexLock(mutex); }
    @Override public int pthreadMutexTrylock(long mutex) { return JniNative.pthreadMutexTrylock(mutex); }
    @Override public int pthreadMutexClocklock(long mutex, int clock, long abstime) {
        return JniNative.pthreadMutexClocklock(mutex, clock, abstime);
    }
    @Override public int pthreadMutexUnlock(long mutex) { return JniNative.pthreadMutexUnlock(mutex); }
    @Override public int pthreadMutexConsistent(long mutex) { return JniNative.pthreadMutexConsistent(mutex); }
    @Override public int pthreadMutexDestroy(long mutex) { return JniNative.pthreadMutexDestroy(mutex); }

    @Override public long sendmsg(int fd, long msg, int flags) { return JniNative.sendmsg(fd, msg, flags); }
    @Override public long recvmsg(int fd, long msg, int flags) { return JniNative.recvmsg(fd, msg, flags); }
}
