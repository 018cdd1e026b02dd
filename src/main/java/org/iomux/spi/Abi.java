package org.iomux.spi;

/**
 * The Linux ABI constants that iomux passes to the kernel, in one place. The values are the same on
 * x86_64 and aarch64 (both use the generic {@code asm-generic} definitions for every constant
 * listed here but {@link #O_DIRECT}); {@code CrossBackendTest.abiConstantsAgreeWithC} checks each
 * of them, by name, against the C headers the native library was compiled with
 * ({@code native/abi.c} prints them).
 *
 * <p>The typed API's public flags ({@code Epoll.IN}, {@code Poll.NVAL}, ...) are these values: the
 * kernel's own bits, so that translating a public flag to a kernel bit is the identity and unknown
 * bits can be rejected with one mask. Constants only: nothing to synchronise.
 */
public final class Abi {
    private Abi() {}

    // <fcntl.h>
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800, O_ASYNC = 0x2000, O_CLOEXEC = 0x80000;
    public static final int O_APPEND = 0x400, O_NOATIME = 0x40000;
    /**
     * The one constant here that differs between the two architectures: aarch64 takes the generic
     * value, x86_64 its own (asm/fcntl.h). Not a compile-time constant, for that reason.
     */
    public static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0x10000 : 0x4000;
    public static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
    public static final int F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10, F_GETSIG = 11;
    public static final int F_SETOWN_EX = 15, F_GETOWN_EX = 16;
    public static final int F_SETLEASE = 1024, F_GETLEASE = 1025, F_NOTIFY = 1026, F_SETPIPE_SZ = 1031,
            F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public static final int FD_CLOEXEC = 1;

    // <sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>
    public static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8,
            SO_KEEPALIVE = 9, SO_LINGER = 13, SO_REUSEPORT = 15;
    public static final int IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public static final int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

    // <sys/eventfd.h>
    public static final int EFD_SEMAPHORE = 1, EFD_NONBLOCK = O_NONBLOCK, EFD_CLOEXEC = O_CLOEXEC;

    // <sys/epoll.h>
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008,
            EPOLLHUP = 0x010, EPOLLRDNORM = 0x040, EPOLLRDBAND = 0x080, EPOLLWRNORM = 0x100,
            EPOLLWRBAND = 0x200, EPOLLMSG = 0x400, EPOLLRDHUP = 0x2000;
    public static final int EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30,
            EPOLLET = 1 << 31;

    // <poll.h> (POLLRDHUP needs _GNU_SOURCE)
    public static final int POLLIN = 0x001, POLLPRI = 0x002, POLLOUT = 0x004, POLLERR = 0x008,
            POLLHUP = 0x010, POLLNVAL = 0x020, POLLRDNORM = 0x040, POLLRDBAND = 0x080,
            POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLMSG = 0x400, POLLRDHUP = 0x2000;

    // <sys/resource.h>
    public static final int RLIMIT_NOFILE = 7, RLIMIT_SIGPENDING = 11;
    /** {@code RLIM_INFINITY}, all ones as an unsigned 64-bit value. */
    public static final long RLIM_INFINITY = -1L;

    // <sys/syscall.h>: the same number on every architecture (it came after the 424 unification)
    public static final int SYS_EPOLL_PWAIT2 = 441;

    // <fcntl.h>, files
    public static final int O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200;
    public static final int F_OWNER_TID = 0, F_OWNER_PID = 1, F_OWNER_PGRP = 2;
    public static final int SEEK_SET = 0, SEEK_END = 2;
    public static final int FALLOC_FL_KEEP_SIZE = 1;

    // <sys/mman.h>
    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;

    // <signal.h>
    public static final int SIGINT = 2, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGPIPE = 13, SIGTERM = 15,
            SIGCHLD = 17, SIGIO = 29;
    public static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
    /** {@code SIG_DFL} and {@code SIG_IGN} as {@code sa_handler} values. */
    public static final long SIG_DFL = 0, SIG_IGN = 1;
    public static final int SA_SIGINFO = 4, SA_RESTART = 0x10000000;
    /** {@code si_code} values for SIGPOLL ({@code POLL_IN} ... {@code POLL_HUP}), and senders'. */
    public static final int POLL_IN = 1, POLL_OUT = 2, POLL_MSG = 3, POLL_ERR = 4, POLL_PRI = 5, POLL_HUP = 6;
    public static final int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TKILL = -6;
    public static final int SFD_NONBLOCK = O_NONBLOCK, SFD_CLOEXEC = O_CLOEXEC;

    // <time.h>
    public static final int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

    // <pthread.h>
    public static final int PTHREAD_MUTEX_ERRORCHECK = 2, PTHREAD_PROCESS_SHARED = 1, PTHREAD_MUTEX_ROBUST = 1;

    // <sys/socket.h>, ancillary data
    public static final int SCM_RIGHTS = 1, MSG_CTRUNC = 0x8, MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000,
            MSG_CMSG_CLOEXEC = 0x40000000;

    // <errno.h>, the ones the typed API tests for
    public static final int EINTR = 4, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EEXIST = 17,
            EINVAL = 22, EMFILE = 24, EPIPE = 32, ENOSYS = 38, ENOTSOCK = 88, EINPROGRESS = 115,
            EALREADY = 114, EISCONN = 106, ECONNRESET = 104, ENOENT = 2, EPERM = 1, ELOOP = 40,
            EBUSY = 16, EDEADLK = 35, ETIMEDOUT = 110, EOWNERDEAD = 130, ENOTRECOVERABLE = 131, ENOTCONN = 107,
            ENOSPC = 28, EOPNOTSUPP = 95;
}
