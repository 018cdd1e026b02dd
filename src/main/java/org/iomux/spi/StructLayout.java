package org.iomux.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes and offsets of the kernel structs that cross the native boundary: the one place the typed
 * API reads a struct layout from. Each backend builds one ({@code jni} from the C compiler's
 * {@code sizeof}/{@code offsetof}, {@code jna} from JNA {@code Structure}s, {@code jnr} from jnr-ffi
 * {@code Struct}s); a test checks that all three agree with C.
 *
 * <p>Keys are {@code "struct.size"} and {@code "struct.field"} (the field's byte offset), e.g.:
 * <pre>
 * struct epoll_event {          // x86_64: __attribute__((packed)), 12 bytes
 *     uint32_t     events;      // offset 0
 *     epoll_data_t data;        // offset 4 on x86_64, 8 on aarch64 (16 bytes in all)
 * };
 * struct pollfd { int fd; short events; short revents; };          // 8 bytes
 * fd_set: an array of unsigned long, bit (fd % 64) of word (fd / 64); glibc's is 128 bytes,
 *         the kernel accepts any multiple of sizeof(unsigned long)
 * struct timespec { time_t tv_sec; long tv_nsec; };                // 16 bytes on LP64
 * struct timeval  { time_t tv_sec; suseconds_t tv_usec; };         // 16 bytes on LP64
 * struct iovec    { void *iov_base; size_t iov_len; };             // 16 bytes on LP64
 * struct sockaddr_in  { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; ... };   // 16
 * struct sockaddr_in6 { sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
 *                       struct in6_addr sin6_addr; uint32_t sin6_scope_id; };                        // 28
 * struct sockaddr_un  { sa_family_t sun_family; char sun_path[108]; };                                // 110
 * struct rlimit   { rlim_t rlim_cur; rlim_t rlim_max; };           // 16 bytes
 * struct linger   { int l_onoff; int l_linger; };                  // 8 bytes
 * sigset_t (glibc): 1024 bits, 128 bytes; bit (sig - 1) of the first unsigned long for sig &lt;= 64
 * struct sigaction (glibc) { sa_handler; sigset_t sa_mask; int sa_flags; sa_restorer; }   // 152 on x86_64
 * siginfo_t: 128 bytes; si_signo 0, si_errno 4, si_code 8, then a union at 16 whose SIGPOLL
 *            member is { long si_band; int si_fd; }
 * struct signalfd_siginfo: 128 bytes; ssi_signo 0, ssi_errno 4, ssi_code 8, ssi_fd 20, ssi_band 28
 * struct f_owner_ex { int type; pid_t pid; };                     // 8 bytes
 * pthread_mutex_t: opaque, 40 bytes (x86_64) or 48 (aarch64), 8-byte aligned; pthread_mutexattr_t: 4 or 8
 * struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; size_t msg_iovlen;
 *                 void *msg_control; size_t msg_controllen; int msg_flags; };            // 56 bytes
 * struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char data[]; }  // 16 bytes
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class StructLayout {

    /** Every key a layout must define, in a stable order. */
    public static final List<String> KEYS = List.of(
            "epoll_event.size", "epoll_event.events", "epoll_event.data",
            "pollfd.size", "pollfd.fd", "pollfd.events", "pollfd.revents",
            "fd_set.size", "fd_set.word",
            "timespec.size", "timespec.tv_sec", "timespec.tv_nsec",
            "timeval.size", "timeval.tv_sec", "timeval.tv_usec",
            "iovec.size", "iovec.iov_base", "iovec.iov_len",
            "sockaddr_in.size", "sockaddr_in.sin_family", "sockaddr_in.sin_port", "sockaddr_in.sin_addr",
            "sockaddr_in6.size", "sockaddr_in6.sin6_family", "sockaddr_in6.sin6_port",
            "sockaddr_in6.sin6_flowinfo", "sockaddr_in6.sin6_addr", "sockaddr_in6.sin6_scope_id",
            "sockaddr_un.size", "sockaddr_un.sun_family", "sockaddr_un.sun_path",
            "sockaddr_storage.size",
            "rlimit.size", "rlimit.rlim_cur", "rlimit.rlim_max",
            "linger.size", "linger.l_onoff", "linger.l_linger",
            "sigset_t.size",
            "sigaction.size", "sigaction.sa_handler", "sigaction.sa_mask", "sigaction.sa_flags",
            "siginfo_t.size", "siginfo_t.si_signo", "siginfo_t.si_errno", "siginfo_t.si_code",
            "siginfo_t.si_band", "siginfo_t.si_fd",
            "signalfd_siginfo.size", "signalfd_siginfo.ssi_signo", "signalfd_siginfo.ssi_errno",
            "signalfd_siginfo.ssi_code", "signalfd_siginfo.ssi_fd", "signalfd_siginfo.ssi_band",
            "f_owner_ex.size", "f_owner_ex.type", "f_owner_ex.pid",
            "pthread_mutex_t.size", "pthread_mutex_t.align", "pthread_mutexattr_t.size",
            "msghdr.size", "msghdr.msg_name", "msghdr.msg_namelen", "msghdr.msg_iov", "msghdr.msg_iovlen",
            "msghdr.msg_control", "msghdr.msg_controllen", "msghdr.msg_flags",
            "cmsghdr.size", "cmsghdr.cmsg_len", "cmsghdr.cmsg_level", "cmsghdr.cmsg_type", "cmsghdr.data");

    public final int epollEventSize, epollEventEvents, epollEventData;
    public final int pollfdSize, pollfdFd, pollfdEvents, pollfdRevents;
    /** {@code sizeof(fd_set)} in glibc, and the size of one bitmap word ({@code sizeof(unsigned long)}). */
    public final int fdSetSize, fdSetWord;
    public final int timespecSize, timespecSec, timespecNsec;
    public final int timevalSize, timevalSec, timevalUsec;
    public final int iovecSize, iovecBase, iovecLen;
    public final int sockaddrInSize, sockaddrInFamily, sockaddrInPort, sockaddrInAddr;
    public final int sockaddrIn6Size, sockaddrIn6Family, sockaddrIn6Port, sockaddrIn6Flowinfo,
            sockaddrIn6Addr, sockaddrIn6ScopeId;
    public final int sockaddrUnSize, sockaddrUnFamily, sockaddrUnPath;
    public final int sockaddrStorageSize;
    public final int rlimitSize, rlimitCur, rlimitMax;
    public final int lingerSize, lingerOnoff, lingerLinger;
    /** glibc's {@code sigset_t} (128 bytes); the kernel reads only the first 8. */
    public final int sigsetSize;
    public final int sigactionSize, sigactionHandler, sigactionMask, sigactionFlags;
    /** {@code si_band} and {@code si_fd} are the {@code SIGPOLL} members of {@code siginfo_t}'s union. */
    public final int siginfoSize, siginfoSigno, siginfoErrno, siginfoCode, siginfoBand, siginfoFd;
    public final int signalfdSiginfoSize, ssiSigno, ssiErrno, ssiCode, ssiFd, ssiBand;
    public final int fOwnerExSize, fOwnerExType, fOwnerExPid;
    /** {@code sizeof} and {@code _Alignof(pthread_mutex_t)}: 40/8 on x86_64, 48/8 on aarch64. */
    public final int pthreadMutexSize, pthreadMutexAlign, pthreadMutexattrSize;
    public final int msghdrSize, msghdrName, msghdrNamelen, msghdrIov, msghdrIovlen, msghdrControl,
            msghdrControllen, msghdrFlags;
    /** {@code cmsghdr.data} is {@code CMSG_LEN(0)}: where {@code CMSG_DATA} starts. */
    public final int cmsghdrSize, cmsghdrLen, cmsghdrLevel, cmsghdrType, cmsghdrData;

    private final Map<String, Integer> values;

    /**
     * @param values a value for every key of {@link #KEYS}
     * @throws IllegalArgumentException if a key is missing or unknown
     */
    public StructLayout(Map<String, Integer> values) {
        Map<String, Integer> copy = new LinkedHashMap<>();
        for (String key : KEYS) {
            Integer v = values.get(key);
            if (v == null || v < 0) {
                throw new IllegalArgumentException("struct layout lacks " + key);
            }
            copy.put(key, v);
        }
        for (String key : values.keySet()) {
            if (!copy.containsKey(key)) {
                throw new IllegalArgumentException("unknown struct layout key " + key);
            }
        }
        this.values = Collections.unmodifiableMap(copy);
        epollEventSize = copy.get("epoll_event.size");
        epollEventEvents = copy.get("epoll_event.events");
        epollEventData = copy.get("epoll_event.data");
        pollfdSize = copy.get("pollfd.size");
        pollfdFd = copy.get("pollfd.fd");
        pollfdEvents = copy.get("pollfd.events");
        pollfdRevents = copy.get("pollfd.revents");
        fdSetSize = copy.get("fd_set.size");
        fdSetWord = copy.get("fd_set.word");
        timespecSize = copy.get("timespec.size");
        timespecSec = copy.get("timespec.tv_sec");
        timespecNsec = copy.get("timespec.tv_nsec");
        timevalSize = copy.get("timeval.size");
        timevalSec = copy.get("timeval.tv_sec");
        timevalUsec = copy.get("timeval.tv_usec");
        iovecSize = copy.get("iovec.size");
        iovecBase = copy.get("iovec.iov_base");
        iovecLen = copy.get("iovec.iov_len");
        sockaddrInSize = copy.get("sockaddr_in.size");
        sockaddrInFamily = copy.get("sockaddr_in.sin_family");
        sockaddrInPort = copy.get("sockaddr_in.sin_port");
        sockaddrInAddr = copy.get("sockaddr_in.sin_addr");
        sockaddrIn6Size = copy.get("sockaddr_in6.size");
        sockaddrIn6Family = copy.get("sockaddr_in6.sin6_family");
        sockaddrIn6Port = copy.get("sockaddr_in6.sin6_port");
        sockaddrIn6Flowinfo = copy.get("sockaddr_in6.sin6_flowinfo");
        sockaddrIn6Addr = copy.get("sockaddr_in6.sin6_addr");
        sockaddrIn6ScopeId = copy.get("sockaddr_in6.sin6_scope_id");
        sockaddrUnSize = copy.get("sockaddr_un.size");
        sockaddrUnFamily = copy.get("sockaddr_un.sun_family");
        sockaddrUnPath = copy.get("sockaddr_un.sun_path");
        sockaddrStorageSize = copy.get("sockaddr_storage.size");
        rlimitSize = copy.get("rlimit.size");
        rlimitCur = copy.get("rlimit.rlim_cur");
        rlimitMax = copy.get("rlimit.rlim_max");
        lingerSize = copy.get("linger.size");
        lingerOnoff = copy.get("linger.l_onoff");
        lingerLinger = copy.get("linger.l_linger");
        sigsetSize = copy.get("sigset_t.size");
        sigactionSize = copy.get("sigaction.size");
        sigactionHandler = copy.get("sigaction.sa_handler");
        sigactionMask = copy.get("sigaction.sa_mask");
        sigactionFlags = copy.get("sigaction.sa_flags");
        siginfoSize = copy.get("siginfo_t.size");
        siginfoSigno = copy.get("siginfo_t.si_signo");
        siginfoErrno = copy.get("siginfo_t.si_errno");
        siginfoCode = copy.get("siginfo_t.si_code");
        siginfoBand = copy.get("siginfo_t.si_band");
        siginfoFd = copy.get("siginfo_t.si_fd");
        signalfdSiginfoSize = copy.get("signalfd_siginfo.size");
        ssiSigno = copy.get("signalfd_siginfo.ssi_signo");
        ssiErrno = copy.get("signalfd_siginfo.ssi_errno");
        ssiCode = copy.get("signalfd_siginfo.ssi_code");
        ssiFd = copy.get("signalfd_siginfo.ssi_fd");
        ssiBand = copy.get("signalfd_siginfo.ssi_band");
        fOwnerExSize = copy.get("f_owner_ex.size");
        fOwnerExType = copy.get("f_owner_ex.type");
        fOwnerExPid = copy.get("f_owner_ex.pid");
        pthreadMutexSize = copy.get("pthread_mutex_t.size");
        pthreadMutexAlign = copy.get("pthread_mutex_t.align");
        pthreadMutexattrSize = copy.get("pthread_mutexattr_t.size");
        msghdrSize = copy.get("msghdr.size");
        msghdrName = copy.get("msghdr.msg_name");
        msghdrNamelen = copy.get("msghdr.msg_namelen");
        msghdrIov = copy.get("msghdr.msg_iov");
        msghdrIovlen = copy.get("msghdr.msg_iovlen");
        msghdrControl = copy.get("msghdr.msg_control");
        msghdrControllen = copy.get("msghdr.msg_controllen");
        msghdrFlags = copy.get("msghdr.msg_flags");
        cmsghdrSize = copy.get("cmsghdr.size");
        cmsghdrLen = copy.get("cmsghdr.cmsg_len");
        cmsghdrLevel = copy.get("cmsghdr.cmsg_level");
        cmsghdrType = copy.get("cmsghdr.cmsg_type");
        cmsghdrData = copy.get("cmsghdr.data");
    }

    /**
     * Parses the {@code key=value} lines that the native library's {@code describe()} returns.
     * Lines whose key is not a layout key are ignored (the same text carries the ABI constants).
     */
    public static StructLayout parse(String text) {
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && KEYS.contains(line.substring(0, eq))) {
                values.put(line.substring(0, eq), Integer.parseInt(line.substring(eq + 1).trim()));
            }
        }
        return new StructLayout(values);
    }

    /** All values, keyed as in {@link #KEYS}. */
    public Map<String, Integer> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StructLayout && ((StructLayout) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
