package org.iomux.jni;

import java.nio.ByteBuffer;

/**
 * The JNI entry points, one per system call. {@code javac -h} generates {@code include/org_iomux_jni_JniNative.h}
 * from this class; the C side lives in {@code native/} (one file per kernel facility). Every method
 * returns the call's result or {@code -errno}, exactly as {@link org.iomux.spi.NativeCalls} documents.
 *
 * <p>Not for direct use: {@link JniBackend} is the only caller, after {@link NativeLoader} has loaded
 * the library.
 */
final class JniNative {
    private JniNative() {}

    /** {@code key=value} lines: struct sizes/offsets ({@code sizeof}/{@code offsetof}) and ABI constants. */
    static native String describe();

    static native long bufferAddress(ByteBuffer direct);
    static native ByteBuffer wrap(long address, int length);

    static native int close(int fd);
    static native int fcntl(int fd, int cmd, long arg);
    static native int pipe2(long fds, int flags);
    static native int eventfd(int initval, int flags);

    static native long read(int fd, long address, long length);
    static native long write(int fd, long address, long length);
    static native long readBuffer(int fd, ByteBuffer direct, int position, int length);
    static native long writeBuffer(int fd, ByteBuffer direct, int position, int length);
    static native long readArray(int fd, byte[] array, int offset, int length);
    static native long writeArray(int fd, byte[] array, int offset, int length);
    static native long readv(int fd, long iov, int iovcnt);
    static native long writev(int fd, long iov, int iovcnt);

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

    static native int epollCreate1(int flags);
    static native int epollCtl(int epfd, int op, int fd, long event);
    static native int epollWait(int epfd, long events, int maxevents, int timeoutMillis);
    static native int epollPwait2(int epfd, long events, int maxevents, long timespec);
    static native int poll(long fds, int nfds, int timeoutMillis);
    static native int select(int nfds, long readfds, long writefds, long exceptfds, long timeval);

    static native int getrlimit(int resource, long rlim);
    static native int setrlimit(int resource, long rlim);
    static native int getpid();
    static native int gettid();
    static native int clockGettime(int clock, long timespec);

    static native int kill(int pid, int sig);
    static native int tgkill(int tgid, int tid, int sig);
    static native int sigrtmin();
    static native int sigrtmax();
    static native int pthreadSigmask(int how, long set, long oldset);
    static native int sigaction(int sig, long act, long oldact);
    static native int sigtimedwait(long set, long info, long timespec);
    static native int signalfd(int fd, long mask, int flags);

    static native int open(byte[] path, int flags, int mode);
    static native int unlink(byte[] path);
    static native int ftruncate(int fd, long length);
    static native int fallocate(int fd, int mode, long offset, long length);
    static native long lseek(int fd, long offset, int whence);
    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);
    static native int munmap(long addr, long length);

    static native int pthreadMutexattrInit(long attr);
    static native int pthreadMutexattrSettype(long attr, int type);
    static native int pthreadMutexattrSetpshared(long attr, int pshared);
    static native int pthreadMutexattrSetrobust(long attr, int robust);
    static native int pthreadMutexattrDestroy(long attr);
    static native int pthreadMutexInit(long mutex, long attr);
    static native int pthreadMutexLock(long mutex);
    static native int pthreadMutexTrylock(long mutex);
    static native int pthreadMutexClocklock(long mutex, int clock, long abstime);
    static native int pthreadMutexUnlock(long mutex);
    static native int pthreadMutexConsistent(long mutex);
    static native int pthreadMutexDestroy(long mutex);

    static native long sendmsg(int fd, long msg, int flags);
    static native long recvmsg(int fd, long msg, int flags);
}
