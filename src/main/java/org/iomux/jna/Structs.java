package org.iomux.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Union;
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

    /** glibc's {@code _SIGSET_NWORDS}: its {@code sigset_t} has 1024 bits (the kernel's has 64). */
    private static final int SIGSET_NWORDS = 1024 / (8 * Native.LONG_SIZE);

    /** glibc's {@code __SI_PAD_SIZE} on 64-bit: {@code siginfo_t} is 128 bytes, the union 112 of them. */
    private static final int SI_PAD_SIZE = 128 / 4 - 4;

    /**
     * glibc's {@code __SIZEOF_PTHREAD_MUTEX_T} and {@code __SIZEOF_PTHREAD_MUTEXATTR_T}, per-architecture
     * constants of its {@code bits/pthreadtypes-arch.h} that no header-free API reveals: 40 and 4 on
     * x86_64, 48 and 8 on aarch64 (the two ABIs iomux supports; the layout test checks them against C).
     */
    private static final int SIZEOF_PTHREAD_MUTEX_T = "aarch64".equals(Platform.ARCH) ? 48 : 40;
    private static final int SIZEOF_PTHREAD_MUTEXATTR_T = "aarch64".equals(Platform.ARCH) ? 8 : 4;

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
     * The same for a {@link Union} (JNA puts every member at offset 0, and sizes and aligns the union
     * as its largest and most aligned member), and its alignment as JNA computes it.
     */
    abstract static class DescribedUnion extends Union {
        final int offsetOf(String field) {
            return fieldOffset(field);
        }

        final int alignment() {
            size();
            return getStructAlignment();
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

    /** glibc's {@code sigset_t}: {@code struct { unsigned long __val[_SIGSET_NWORDS]; }}, 128 bytes. */
    @Structure.FieldOrder({"__val"})
    public static final class Sigset extends Described {
        public NativeLong[] __val = new NativeLong[SIGSET_NWORDS];
    }

    /** The {@code __sigaction_handler} union: {@code sa_handler} and {@code sa_sigaction}, both function pointers. */
    @Structure.FieldOrder({"sa_handler", "sa_sigaction"})
    public static final class SigactionHandler extends DescribedUnion {
        public Pointer sa_handler;
        public Pointer sa_sigaction;
    }

    /**
     * glibc's {@code struct sigaction} (not the kernel's, which glibc converts to): the handler union,
     * {@code sigset_t sa_mask}, {@code int sa_flags}, {@code void (*sa_restorer)(void)}; 152 bytes on
     * x86_64 and aarch64.
     */
    @Structure.FieldOrder({"__sigaction_handler", "sa_mask", "sa_flags", "sa_restorer"})
    public static final class Sigaction extends Described {
        public SigactionHandler __sigaction_handler = new SigactionHandler();
        public Sigset sa_mask = new Sigset();
        public int sa_flags;
        public Pointer sa_restorer;
    }

    /** The SIGPOLL member of {@code siginfo_t}'s union: {@code { long si_band; int si_fd; }}. */
    @Structure.FieldOrder({"si_band", "si_fd"})
    public static final class SigpollFields extends Described {
        public NativeLong si_band = new NativeLong();
        public int si_fd;
    }

    /**
     * {@code siginfo_t}'s {@code _sifields} union, reduced to the members that size it: the
     * {@code int _pad[__SI_PAD_SIZE]} that makes the whole 128 bytes, and the SIGPOLL member (whose
     * {@code long} gives the union 8-byte alignment, as do the pointer members left out).
     */
    @Structure.FieldOrder({"_pad", "_sigpoll"})
    public static final class Sifields extends DescribedUnion {
        public int[] _pad = new int[SI_PAD_SIZE];
        public SigpollFields _sigpoll = new SigpollFields();
    }

    /**
     * glibc's {@code siginfo_t} on 64-bit: {@code int si_signo, si_errno, si_code; int __pad0;} then
     * the {@code _sifields} union at 16; 128 bytes.
     */
    @Structure.FieldOrder({"si_signo", "si_errno", "si_code", "__pad0", "_sifields"})
    public static final class Siginfo extends Described {
        public int si_signo;
        public int si_errno;
        public int si_code;
        public int __pad0;
        public Sifields _sifields = new Sifields();
    }

    /** {@code struct signalfd_siginfo} (<sys/signalfd.h>, the kernel's): 128 bytes of fixed-width fields. */
    @Structure.FieldOrder({"ssi_signo", "ssi_errno", "ssi_code", "ssi_pid", "ssi_uid", "ssi_fd", "ssi_tid",
            "ssi_band", "ssi_overrun", "ssi_trapno", "ssi_status", "ssi_int", "ssi_ptr", "ssi_utime",
            "ssi_stime", "ssi_addr", "ssi_addr_lsb", "__pad2", "ssi_syscall", "ssi_call_addr", "ssi_arch",
            "__pad"})
    public static final class SignalfdSiginfo extends Described {
        public int ssi_signo;
        public int ssi_errno;
        public int ssi_code;
        public int ssi_pid;
        public int ssi_uid;
        public int ssi_fd;
        public int ssi_tid;
        public int ssi_band;
        public int ssi_overrun;
        public int ssi_trapno;
        public int ssi_status;
        public int ssi_int;
        public long ssi_ptr;
        public long ssi_utime;
        public long ssi_stime;
        public long ssi_addr;
        public short ssi_addr_lsb;
        public short __pad2;
        public int ssi_syscall;
        public long ssi_call_addr;
        public int ssi_arch;
        public byte[] __pad = new byte[28];
    }

    /** {@code struct f_owner_ex { enum __pid_type type; pid_t pid; }}: an enum is an int. */
    @Structure.FieldOrder({"type", "pid"})
    public static final class FOwnerEx extends Described {
        public int type;
        public int pid;
    }

    /**
     * glibc's {@code pthread_mutex_t}, opaque: {@code union { struct __pthread_mutex_s __data;
     * char __size[__SIZEOF_PTHREAD_MUTEX_T]; long __align; }}. The {@code __data} member is left out:
     * {@code __size} is at least as large by definition, and {@code __align} gives the union the
     * alignment of {@code long}. The size is glibc's per-architecture constant
     * ({@link #SIZEOF_PTHREAD_MUTEX_T}).
     */
    @Structure.FieldOrder({"__size", "__align"})
    public static final class PthreadMutex extends DescribedUnion {
        public byte[] __size = new byte[SIZEOF_PTHREAD_MUTEX_T];
        public NativeLong __align = new NativeLong();
    }

    /** glibc's {@code pthread_mutexattr_t}: {@code union { char __size[__SIZEOF_PTHREAD_MUTEXATTR_T]; int __align; }}. */
    @Structure.FieldOrder({"__size", "__align"})
    public static final class PthreadMutexattr extends DescribedUnion {
        public byte[] __size = new byte[SIZEOF_PTHREAD_MUTEXATTR_T];
        public int __align;
    }

    /**
     * glibc's {@code struct msghdr}: {@code void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov;
     * size_t msg_iovlen; void *msg_control; size_t msg_controllen; int msg_flags;}, 56 bytes on LP64.
     */
    @Structure.FieldOrder({"msg_name", "msg_namelen", "msg_iov", "msg_iovlen", "msg_control",
            "msg_controllen", "msg_flags"})
    public static final class Msghdr extends Described {
        public Pointer msg_name;
        public int msg_namelen;
        public Pointer msg_iov;
        public NativeLong msg_iovlen = new NativeLong();
        public Pointer msg_control;
        public NativeLong msg_controllen = new NativeLong();
        public int msg_flags;
    }

    /**
     * glibc's {@code struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char
     * __cmsg_data[]; }}: the flexible array adds neither size nor alignment, so it is left out.
     */
    @Structure.FieldOrder({"cmsg_len", "cmsg_level", "cmsg_type"})
    public static final class Cmsghdr extends Described {
        public NativeLong cmsg_len = new NativeLong();
        public int cmsg_level;
        public int cmsg_type;
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
        m.put("sigset_t.size", new Sigset().size());
        Sigaction sigaction = new Sigaction();
        put(m, "sigaction", sigaction, "sa_mask", "sa_flags");
        m.put("sigaction.sa_handler", sigaction.offsetOf("__sigaction_handler")
                + sigaction.__sigaction_handler.offsetOf("sa_handler"));
        Siginfo siginfo = new Siginfo();
        put(m, "siginfo_t", siginfo, "si_signo", "si_errno", "si_code");
        int sigpoll = siginfo.offsetOf("_sifields") + siginfo._sifields.offsetOf("_sigpoll");
        m.put("siginfo_t.si_band", sigpoll + siginfo._sifields._sigpoll.offsetOf("si_band"));
        m.put("siginfo_t.si_fd", sigpoll + siginfo._sifields._sigpoll.offsetOf("si_fd"));
        put(m, "signalfd_siginfo", new SignalfdSiginfo(),
                "ssi_signo", "ssi_errno", "ssi_code", "ssi_fd", "ssi_band");
        put(m, "f_owner_ex", new FOwnerEx(), "type", "pid");
        PthreadMutex mutex = new PthreadMutex();
        m.put("pthread_mutex_t.size", mutex.size());
        m.put("pthread_mutex_t.align", mutex.alignment());
        m.put("pthread_mutexattr_t.size", new PthreadMutexattr().size());
        put(m, "msghdr", new Msghdr(), "msg_name", "msg_namelen", "msg_iov", "msg_iovlen", "msg_control",
                "msg_controllen", "msg_flags");
        Cmsghdr cmsghdr = new Cmsghdr();
        put(m, "cmsghdr", cmsghdr, "cmsg_len", "cmsg_level", "cmsg_type");
        // CMSG_LEN(0) = CMSG_ALIGN(sizeof(struct cmsghdr)): rounded up to a multiple of sizeof(size_t)
        m.put("cmsghdr.data", alignUp(cmsghdr.size(), Native.SIZE_T_SIZE));
        return new StructLayout(m);
    }

    private static void put(Map<String, Integer> m, String struct, Described s, String... fields) {
        m.put(struct + ".size", s.size());
        for (String field : fields) {
            m.put(struct + "." + field, s.offsetOf(field));
        }
    }

    private static int alignUp(int value, int alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
