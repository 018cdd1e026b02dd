package org.iomux.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.util.LinkedHashMap;
import java.util.Map;
import org.iomux.spi.StructLayout;

/**
 * The kernel structs as JNA {@link Structure}s, and the {@link StructLayout} that JNA's layout engine
 * derives from them. Nothing here is a hard-coded offset: sizes come from {@link Structure#size()} and
 * offsets from {@code Structure.fieldOffset}, so a test comparing this layout with the C compiler's
 * checks JNA's view of the ABI.
 *
 * <p>The struct classes are public (inside this package-private holder) because JNA reads and writes
 * their public fields reflectively from another package.
 */
final class Structs {
    private Structs() {}

    /** glibc's {@code FD_SETSIZE}: the number of bits in a {@code fd_set}. */
    private static final int FD_SETSIZE = 1024;

    /** The layout, computed once. */
    static final StructLayout LAYOUT = build();

    /** Exposes the protected {@code Structure.fieldOffset} to {@link #build()}. */
    abstract static class Described extends Structure {
        Described() {
            super();
        }

        Described(int alignType) {
            super(alignType);
        }

        final int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /**
     * {@code struct epoll_event}. glibc declares it {@code __attribute__((packed))} on x86 (the i386
     * kernel ABI, kept by x86_64: 12 bytes, data at 4) and with natural alignment elsewhere (16 bytes,
     * data at 8 on aarch64), hence {@code ALIGN_NONE} on Intel only. The {@code epoll_data_t} union is
     * 64 bits wide, its widest member, so it is modelled as its {@code uint64_t u64} view.
     */
    @Structure.FieldOrder({"events", "data"})
    public static final class EpollEvent extends Described {
        public int events;
        public long data;

        EpollEvent() {
            super(Platform.isIntel() ? ALIGN_NONE : ALIGN_DEFAULT);
        }
    }

    @Structure.FieldOrder({"fd", "events", "revents"})
    public static final class PollFd extends Described {
        public int fd;
        public short events;
        public short revents;
    }

    /** glibc's {@code fd_set}: {@code unsigned long fds_bits[FD_SETSIZE / (8 * sizeof(unsigned long))]}. */
    @Structure.FieldOrder({"fds_bits"})
    public static final class FdSet extends Described {
        public NativeLong[] fds_bits = new NativeLong[FD_SETSIZE / (8 * Native.LONG_SIZE)];
    }

    /** {@code time_t} and {@code long} are both C {@code long} on Linux LP64. */
    @Structure.FieldOrder({"tv_sec", "tv_nsec"})
    public static final class Timespec extends Described {
        public NativeLong tv_sec = new NativeLong();
        public NativeLong tv_nsec = new NativeLong();
    }

    /** {@code time_t} and {@code suseconds_t} are both C {@code long} on Linux LP64. */
    @Structure.FieldOrder({"tv_sec", "tv_usec"})
    public static final class Timeval extends Described {
        public NativeLong tv_sec = new NativeLong();
        public NativeLong tv_usec = new NativeLong();
    }

    /** {@code size_t} is the size of {@code unsigned long} on every Linux ABI JNA supports. */
    @Structure.FieldOrder({"iov_base", "iov_len"})
    public static final class Iovec extends Described {
        public Pointer iov_base;
        public NativeLong iov_len = new NativeLong();
    }

    /** {@code sa_family_t} and {@code in_port_t} are 16 bits; {@code struct in_addr} is one uint32_t. */
    @Structure.FieldOrder({"sin_family", "sin_port", "sin_addr", "sin_zero"})
    public static final class SockaddrIn extends Described {
        public short sin_family;
        public short sin_port;
        public int sin_addr;
        public byte[] sin_zero = new byte[8];
    }

    /**
     * {@code struct in6_addr} is a union whose widest members are {@code uint32_t[4]}, so it is modelled
     * as {@code int[4]}: 16 bytes with the union's 4-byte alignment.
     */
    @Structure.FieldOrder({"sin6_family", "sin6_port", "sin6_flowinfo", "sin6_addr", "sin6_scope_id"})
    public static final class SockaddrIn6 extends Described {
        public short sin6_family;
        public short sin6_port;
        public int sin6_flowinfo;
        public int[] sin6_addr = new int[4];
        public int sin6_scope_id;
    }

    @Structure.FieldOrder({"sun_family", "sun_path"})
    public static final class SockaddrUn extends Described {
        public short sun_family;
        public byte[] sun_path = new byte[108];
    }

    /**
     * glibc: {@code sa_family_t ss_family; char __ss_padding[128 - 2 - sizeof(unsigned long)];
     * unsigned long __ss_align;}, i.e. 128 bytes aligned like {@code unsigned long}.
     */
    @Structure.FieldOrder({"ss_family", "ss_padding", "ss_align"})
    public static final class SockaddrStorage extends Described {
        public short ss_family;
        public byte[] ss_padding = new byte[128 - 2 - Native.LONG_SIZE];
        public NativeLong ss_align = new NativeLong();
    }

    /** {@code rlim_t} is {@code unsigned long} on LP64. */
    @Structure.FieldOrder({"rlim_cur", "rlim_max"})
    public static final class Rlimit extends Described {
        public NativeLong rlim_cur = new NativeLong();
        public NativeLong rlim_max = new NativeLong();
    }

    @Structure.FieldOrder({"l_onoff", "l_linger"})
    public static final class Linger extends Described {
        public int l_onoff;
        public int l_linger;
    }

    private static StructLayout build() {
        Map<String, Integer> m = new LinkedHashMap<>();
        put(m, "epoll_event", new EpollEvent(), "events", "data");
        put(m, "pollfd", new PollFd(), "fd", "events", "revents");
        m.put("fd_set.size", new FdSet().size());
        m.put("fd_set.word", Native.LONG_SIZE);
        put(m, "timespec", new Timespec(), "tv_sec", "tv_nsec");
        put(m, "timeval", new Timeval(), "tv_sec", "tv_usec");
        put(m, "iovec", new Iovec(), "iov_base", "iov_len");
        put(m, "sockaddr_in", new SockaddrIn(), "sin_family", "sin_port", "sin_addr");
        put(m, "sockaddr_in6", new SockaddrIn6(),
                "sin6_family", "sin6_port", "sin6_flowinfo", "sin6_addr", "sin6_scope_id");
        put(m, "sockaddr_un", new SockaddrUn(), "sun_family", "sun_path");
        m.put("sockaddr_storage.size", new SockaddrStorage().size());
        put(m, "rlimit", new Rlimit(), "rlim_cur", "rlim_max");
        put(m, "linger", new Linger(), "l_onoff", "l_linger");
        return new StructLayout(m);
    }

    private static void put(Map<String, Integer> m, String struct, Described s, String... fields) {
        m.put(struct + ".size", s.size());
        for (String field : fields) {
            m.put(struct + "." + field, s.offsetOf(field));
        }
    }
}
