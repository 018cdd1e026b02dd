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
            "linger.size", "linger.l_onoff", "linger.l_linger");

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
