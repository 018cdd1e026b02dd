package org.iomux.jnr;

import java.util.LinkedHashMap;
import java.util.Map;

import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.TypeAlias;
import jnr.ffi.Union;

import org.iomux.spi.StructLayout;

/**
 * The kernel structs of {@link StructLayout}, declared with jnr-ffi's own {@link Struct} machinery,
 * so that {@link #layout} reports jnr-ffi's view of each size and offset (and a test can hold it
 * against the C compiler's).
 *
 * <p>Two jnr-ffi rules shape the declarations:
 * <ul>
 *   <li>With the default {@code Struct(Runtime)} constructor jnr-ffi aligns each field naturally but
 *       does not round the struct's size up to its alignment (its {@code Info.size()} pads only
 *       when an explicit {@link Struct.Alignment} above 0 is given). C does pad the tail, so every
 *       struct here passes {@link #NATURAL}: jnr-ffi aligns a field to
 *       {@code min(alignment, natural)}, which with 16 (the largest alignment of any Linux scalar)
 *       is the natural alignment, and then pads the size to the largest field alignment, as C does.</li>
 *   <li>jnr-ffi's {@code inner(struct)} places the inner struct at the inner struct's own alignment
 *       but does not record that alignment in the outer one, whose alignment (and so tail padding,
 *       and its own placement when it is nested in turn) comes from its scalar members only. The
 *       outer structs here have a scalar of at least that alignment, with two exceptions that are
 *       spelled out where they occur: {@code siginfo_t}'s union (see {@link Siginfo}) and the
 *       {@code _bounds} part of its {@code _sigfault} member (left out, see {@link SiSigfault}).</li>
 * </ul>
 *
 * <p>Instances are built only to read sizes and offsets: jnr-ffi allocates a struct's memory on
 * first access, which never happens here.
 */
final class JnrStructs {
    private JnrStructs() {}

    /** Natural alignment with C's tail padding (see the class comment). */
    private static final Struct.Alignment NATURAL = new Struct.Alignment(16);

    /** {@code FD_SETSIZE}: glibc's {@code fd_set} holds this many bits. */
    private static final int FD_SETSIZE = 1024;

    /**
     * {@code struct epoll_event}: {@code __attribute__((packed))} on x86_64 only (glibc's
     * {@code __EPOLL_PACKED}, kept for the i386 layout), so {@code data} sits at 4 there and at 8
     * on aarch64.
     */
    static final class EpollEvent extends Struct {
        final Unsigned32 events = new Unsigned32();
        final EpollData data = inner(new EpollData(getRuntime()));

        EpollEvent(Runtime runtime, boolean packed) {
            super(runtime, packed ? new Alignment(1) : NATURAL);
        }
    }

    /** {@code union epoll_data}. */
    static final class EpollData extends Union {
        final Pointer ptr = new Pointer();
        final Signed32 fd = new Signed32();
        final Unsigned32 u32 = new Unsigned32();
        final Unsigned64 u64 = new Unsigned64();

        EpollData(Runtime runtime) {
            super(runtime);
        }
    }

    static final class PollFd extends Struct {
        final Signed32 fd = new Signed32();
        final Signed16 events = new Signed16();
        final Signed16 revents = new Signed16();

        PollFd(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** glibc's {@code fd_set}: {@code __fd_mask fds_bits[FD_SETSIZE / NFDBITS]}, a long array. */
    static final class FdSet extends Struct {
        final UnsignedLong[] fdsBits;

        FdSet(Runtime runtime) {
            super(runtime, NATURAL);
            fdsBits = array(new UnsignedLong[FD_SETSIZE / (8 * runtime.longSize())]);
        }
    }

    static final class Timespec extends Struct {
        final time_t tvSec = new time_t();
        final SignedLong tvNsec = new SignedLong();

        Timespec(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code suseconds_t} is {@code long} on Linux (LP64). */
    static final class Timeval extends Struct {
        final time_t tvSec = new time_t();
        final SignedLong tvUsec = new SignedLong();

        Timeval(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    static final class Iovec extends Struct {
        final Pointer iovBase = new Pointer();
        final size_t iovLen = new size_t();

        Iovec(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    static final class SockaddrIn extends Struct {
        final sa_family_t sinFamily = new sa_family_t();
        final in_port_t sinPort = new in_port_t();
        final in_addr_t sinAddr = new in_addr_t();
        final Unsigned8[] sinZero = array(new Unsigned8[8]);

        SockaddrIn(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code struct in6_addr}: a union whose widest member is {@code uint32_t[4]}. */
    static final class In6Addr extends Struct {
        final Unsigned32[] s6Addr32 = array(new Unsigned32[4]);

        In6Addr(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    static final class SockaddrIn6 extends Struct {
        final sa_family_t sin6Family = new sa_family_t();
        final in_port_t sin6Port = new in_port_t();
        final u_int32_t sin6Flowinfo = new u_int32_t();
        final In6Addr sin6Addr = inner(new In6Addr(getRuntime()));
        final u_int32_t sin6ScopeId = new u_int32_t();

        SockaddrIn6(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code char sun_path[108]}. */
    static final class SockaddrUn extends Struct {
        final sa_family_t sunFamily = new sa_family_t();
        final Signed8[] sunPath = array(new Signed8[108]);

        SockaddrUn(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /**
     * glibc's {@code struct sockaddr_storage}: {@code sa_family_t ss_family;
     * char __ss_padding[128 - sizeof(sa_family_t) - sizeof(unsigned long)];
     * unsigned long __ss_align;}.
     */
    static final class SockaddrStorage extends Struct {
        final sa_family_t ssFamily = new sa_family_t();
        final Signed8[] ssPadding;
        final UnsignedLong ssAlign;

        SockaddrStorage(Runtime runtime) {
            super(runtime, NATURAL);
            ssPadding = array(new Signed8[128 - 2 - runtime.longSize()]);
            ssAlign = new UnsignedLong();
        }
    }

    static final class Rlimit extends Struct {
        final rlim_t rlimCur = new rlim_t();
        final rlim_t rlimMax = new rlim_t();

        Rlimit(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    static final class Linger extends Struct {
        final Signed32 lOnoff = new Signed32();
        final Signed32 lLinger = new Signed32();

        Linger(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** Bits in glibc's {@code sigset_t} ({@code _SIGSET_NWORDS * 8 * sizeof(unsigned long)}). */
    private static final int SIGSET_BITS = 1024;

    /** glibc's {@code __SI_MAX_SIZE}: every {@code siginfo_t} is 128 bytes. */
    private static final int SI_MAX_SIZE = 128;

    /**
     * glibc's {@code sigset_t}: {@code unsigned long __val[1024 / (8 * sizeof(unsigned long))]},
     * 128 bytes (the kernel's own {@code sigset_t} is 8; system calls are told that size).
     */
    static final class Sigset extends Struct {
        final UnsignedLong[] val;

        Sigset(Runtime runtime) {
            super(runtime, NATURAL);
            val = array(new UnsignedLong[SIGSET_BITS / (8 * runtime.longSize())]);
        }
    }

    /** {@code sigaction}'s {@code __sigaction_handler}: {@code sa_handler} or {@code sa_sigaction}. */
    static final class SigactionHandler extends Union {
        final Pointer saHandler = new Pointer();
        final Pointer saSigaction = new Pointer();

        SigactionHandler(Runtime runtime) {
            super(runtime);
        }
    }

    /**
     * glibc's {@code struct sigaction} (the generic Linux one, used by x86_64 and aarch64), not the
     * kernel's: {@code { __sigaction_handler; sigset_t sa_mask; int sa_flags;
     * void (*sa_restorer)(void); }}, 152 bytes on LP64.
     */
    static final class Sigaction extends Struct {
        final SigactionHandler handler = inner(new SigactionHandler(getRuntime()));
        final Sigset saMask = inner(new Sigset(getRuntime()));
        final Signed32 saFlags = new Signed32();
        final Pointer saRestorer = new Pointer();

        Sigaction(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code union sigval} ({@code __sigval_t}). */
    static final class Sigval extends Union {
        final Signed32 sivalInt = new Signed32();
        final Pointer sivalPtr = new Pointer();

        Sigval(Runtime runtime) {
            super(runtime);
        }
    }

    /** {@code _sifields._kill}: SI_USER, SI_TKILL. */
    static final class SiKill extends Struct {
        final pid_t siPid = new pid_t();
        final uid_t siUid = new uid_t();

        SiKill(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code _sifields._timer}: POSIX timers. */
    static final class SiTimer extends Struct {
        final Signed32 siTid = new Signed32();
        final Signed32 siOverrun = new Signed32();
        final Sigval siSigval = inner(new Sigval(getRuntime()));

        SiTimer(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code _sifields._rt}: sigqueue. */
    static final class SiRt extends Struct {
        final pid_t siPid = new pid_t();
        final uid_t siUid = new uid_t();
        final Sigval siSigval = inner(new Sigval(getRuntime()));

        SiRt(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code _sifields._sigchld}. */
    static final class SiSigchld extends Struct {
        final pid_t siPid = new pid_t();
        final uid_t siUid = new uid_t();
        final Signed32 siStatus = new Signed32();
        final clock_t siUtime = new clock_t();
        final clock_t siStime = new clock_t();

        SiSigchld(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /**
     * {@code _sifields._sigfault}: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP. Only its leading
     * members: the {@code _bounds} union that follows {@code si_addr_lsb} ({@code { struct { void
     * *_lower, *_upper; } _addr_bnd; uint32_t _pkey; }}) is left out, because jnr-ffi would place
     * it at 12 rather than 16 (see the class comment: a union whose only 8-aligned member is a
     * nested struct gets the alignment of its scalar members) and nothing here reads it; the
     * union's size comes from {@code _pad} in any case.
     */
    static final class SiSigfault extends Struct {
        final Pointer siAddr = new Pointer();
        final Signed16 siAddrLsb = new Signed16();

        SiSigfault(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code _sifields._sigpoll}: SIGPOLL/SIGIO and F_SETSIG signals, {@code { long si_band; int si_fd; }}. */
    static final class SiSigpoll extends Struct {
        final SignedLong siBand = new SignedLong();
        final Signed32 siFd = new Signed32();

        SiSigpoll(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code _sifields._sigsys}: seccomp. */
    static final class SiSigsys extends Struct {
        final Pointer callAddr = new Pointer();
        final Signed32 syscall = new Signed32();
        final Unsigned32 arch = new Unsigned32();

        SiSigsys(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /**
     * {@code siginfo_t}'s {@code _sifields} union: {@code int _pad[__SI_PAD_SIZE]}, which sets its
     * size ({@code 128 / sizeof(int) - 4} ints, 112 bytes on LP64), and one struct per kind of
     * sender.
     */
    static final class Sifields extends Union {
        final Signed32[] pad;
        final SiKill kill;
        final SiTimer timer;
        final SiRt rt;
        final SiSigchld sigchld;
        final SiSigfault sigfault;
        final SiSigpoll sigpoll;
        final SiSigsys sigsys;

        Sifields(Runtime runtime) {
            super(runtime);
            // __SI_PAD_SIZE: (__SI_MAX_SIZE / sizeof(int)) - 4 on 64-bit, - 3 on 32-bit.
            pad = array(new Signed32[SI_MAX_SIZE / 4 - (runtime.addressSize() == 8 ? 4 : 3)]);
            kill = inner(new SiKill(runtime));
            timer = inner(new SiTimer(runtime));
            rt = inner(new SiRt(runtime));
            sigchld = inner(new SiSigchld(runtime));
            sigfault = inner(new SiSigfault(runtime));
            sigpoll = inner(new SiSigpoll(runtime));
            sigsys = inner(new SiSigsys(runtime));
        }
    }

    /**
     * glibc's {@code siginfo_t}: {@code { int si_signo; int si_errno; int si_code; int __pad0;
     * union _sifields; }}, 128 bytes. {@code __pad0} is declared by glibc on 64-bit only, and it is
     * what puts the union at 16 here: in C the union's 8-byte alignment (from {@code long} and
     * pointer members of its structs) would do that by itself, but jnr-ffi sees only the union's
     * scalar member {@code _pad} (4); see the class comment.
     */
    static final class Siginfo extends Struct {
        final Signed32 siSigno = new Signed32();
        final Signed32 siErrno = new Signed32();
        final Signed32 siCode = new Signed32();
        final Signed32 pad0;
        final Sifields sifields;

        Siginfo(Runtime runtime) {
            super(runtime, NATURAL);
            pad0 = runtime.addressSize() == 8 ? new Signed32() : null;
            sifields = inner(new Sifields(runtime));
        }
    }

    /** {@code struct signalfd_siginfo} ({@code <sys/signalfd.h>}, the kernel's layout): 128 bytes. */
    static final class SignalfdSiginfo extends Struct {
        final Unsigned32 ssiSigno = new Unsigned32();
        final Signed32 ssiErrno = new Signed32();
        final Signed32 ssiCode = new Signed32();
        final Unsigned32 ssiPid = new Unsigned32();
        final Unsigned32 ssiUid = new Unsigned32();
        final Signed32 ssiFd = new Signed32();
        final Unsigned32 ssiTid = new Unsigned32();
        final Unsigned32 ssiBand = new Unsigned32();
        final Unsigned32 ssiOverrun = new Unsigned32();
        final Unsigned32 ssiTrapno = new Unsigned32();
        final Signed32 ssiStatus = new Signed32();
        final Signed32 ssiInt = new Signed32();
        final Unsigned64 ssiPtr = new Unsigned64();
        final Unsigned64 ssiUtime = new Unsigned64();
        final Unsigned64 ssiStime = new Unsigned64();
        final Unsigned64 ssiAddr = new Unsigned64();
        final Unsigned16 ssiAddrLsb = new Unsigned16();
        final Unsigned16 pad2 = new Unsigned16();
        final Signed32 ssiSyscall = new Signed32();
        final Unsigned64 ssiCallAddr = new Unsigned64();
        final Unsigned32 ssiArch = new Unsigned32();
        final Unsigned8[] pad = array(new Unsigned8[28]);

        SignalfdSiginfo(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** {@code struct f_owner_ex { int type; pid_t pid; }} (F_GETOWN_EX, F_SETOWN_EX). */
    static final class FOwnerEx extends Struct {
        final Signed32 type = new Signed32();
        final pid_t pid = new pid_t();

        FOwnerEx(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /**
     * {@code pthread_mutex_t} as jnr-ffi can see it: the public face of glibc's union,
     * {@code { char __size[__SIZEOF_PTHREAD_MUTEX_T]; long int __align; }} (its third member,
     * {@code struct __pthread_mutex_s __data}, is glibc's private business, arranged differently
     * per architecture, and no larger). The size is glibc's per-architecture constant, which no
     * declaration can derive: 40 on x86_64, 48 on aarch64 ({@link #mutexSizes}). The alignment is
     * {@code long}'s, from {@code __align}.
     */
    static final class PthreadMutex extends Union {
        final Signed8[] size;
        final SignedLong align;

        PthreadMutex(Runtime runtime, int sizeofMutex) {
            super(runtime);
            size = array(new Signed8[sizeofMutex]);
            align = new SignedLong();
        }
    }

    /**
     * {@code pthread_mutexattr_t}: {@code { char __size[__SIZEOF_PTHREAD_MUTEXATTR_T]; int __align; }},
     * 4 bytes on x86_64, 8 on aarch64.
     */
    static final class PthreadMutexattr extends Union {
        final Signed8[] size;
        final Signed32 align;

        PthreadMutexattr(Runtime runtime, int sizeofAttr) {
            super(runtime);
            size = array(new Signed8[sizeofAttr]);
            align = new Signed32();
        }
    }

    /**
     * glibc's {@code __SIZEOF_PTHREAD_MUTEX_T} and {@code __SIZEOF_PTHREAD_MUTEXATTR_T} for the
     * CPU the JVM runs on ({@code bits/pthreadtypes-arch.h}); iomux supports x86_64 and aarch64.
     */
    static int[] mutexSizes() {
        Platform.CPU cpu = Platform.getNativePlatform().getCPU();
        switch (cpu) {
            case X86_64:
                return new int[] {40, 4};
            case AARCH64:
                return new int[] {48, 8};
            default:
                throw new IllegalStateException("the size of glibc's pthread_mutex_t is not known "
                        + "here for " + cpu + " (only x86_64 and aarch64)");
        }
    }

    /**
     * glibc's {@code struct msghdr} (POSIX types: {@code socklen_t msg_namelen}, {@code size_t}
     * lengths), 56 bytes on LP64.
     */
    static final class Msghdr extends Struct {
        final Pointer msgName = new Pointer();
        final socklen_t msgNamelen = new socklen_t();
        final Pointer msgIov = new Pointer();
        final size_t msgIovlen = new size_t();
        final Pointer msgControl = new Pointer();
        final size_t msgControllen = new size_t();
        final Signed32 msgFlags = new Signed32();

        Msghdr(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /**
     * glibc's {@code struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type;
     * unsigned char __cmsg_data[]; }}: the flexible array adds nothing to the size (16 on LP64).
     */
    static final class Cmsghdr extends Struct {
        final size_t cmsgLen = new size_t();
        final Signed32 cmsgLevel = new Signed32();
        final Signed32 cmsgType = new Signed32();

        Cmsghdr(Runtime runtime) {
            super(runtime, NATURAL);
        }
    }

    /** Builds the layout from the declarations above, as jnr-ffi lays them out for {@code runtime}. */
    static StructLayout layout(Runtime runtime) {
        Map<String, Integer> m = new LinkedHashMap<>();

        EpollEvent ev = new EpollEvent(runtime,
                Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64);
        m.put("epoll_event.size", Struct.size(ev));
        m.put("epoll_event.events", off(ev.events));
        m.put("epoll_event.data", off(ev.data.u64));

        PollFd pfd = new PollFd(runtime);
        m.put("pollfd.size", Struct.size(pfd));
        m.put("pollfd.fd", off(pfd.fd));
        m.put("pollfd.events", off(pfd.events));
        m.put("pollfd.revents", off(pfd.revents));

        FdSet fds = new FdSet(runtime);
        m.put("fd_set.size", Struct.size(fds));
        m.put("fd_set.word", (int) (fds.fdsBits[1].offset() - fds.fdsBits[0].offset()));

        Timespec ts = new Timespec(runtime);
        m.put("timespec.size", Struct.size(ts));
        m.put("timespec.tv_sec", off(ts.tvSec));
        m.put("timespec.tv_nsec", off(ts.tvNsec));

        Timeval tv = new Timeval(runtime);
        m.put("timeval.size", Struct.size(tv));
        m.put("timeval.tv_sec", off(tv.tvSec));
        m.put("timeval.tv_usec", off(tv.tvUsec));

        Iovec iov = new Iovec(runtime);
        m.put("iovec.size", Struct.size(iov));
        m.put("iovec.iov_base", off(iov.iovBase));
        m.put("iovec.iov_len", off(iov.iovLen));

        SockaddrIn in = new SockaddrIn(runtime);
        m.put("sockaddr_in.size", Struct.size(in));
        m.put("sockaddr_in.sin_family", off(in.sinFamily));
        m.put("sockaddr_in.sin_port", off(in.sinPort));
        m.put("sockaddr_in.sin_addr", off(in.sinAddr));

        SockaddrIn6 in6 = new SockaddrIn6(runtime);
        m.put("sockaddr_in6.size", Struct.size(in6));
        m.put("sockaddr_in6.sin6_family", off(in6.sin6Family));
        m.put("sockaddr_in6.sin6_port", off(in6.sin6Port));
        m.put("sockaddr_in6.sin6_flowinfo", off(in6.sin6Flowinfo));
        // A nested struct's first member reports its offset in the outer struct (jnr-ffi adds the
        // enclosing offsets), which is the nested struct's own offset.
        m.put("sockaddr_in6.sin6_addr", off(in6.sin6Addr.s6Addr32[0]));
        m.put("sockaddr_in6.sin6_scope_id", off(in6.sin6ScopeId));

        SockaddrUn un = new SockaddrUn(runtime);
        m.put("sockaddr_un.size", Struct.size(un));
        m.put("sockaddr_un.sun_family", off(un.sunFamily));
        m.put("sockaddr_un.sun_path", off(un.sunPath[0]));

        m.put("sockaddr_storage.size", Struct.size(new SockaddrStorage(runtime)));

        Rlimit rl = new Rlimit(runtime);
        m.put("rlimit.size", Struct.size(rl));
        m.put("rlimit.rlim_cur", off(rl.rlimCur));
        m.put("rlimit.rlim_max", off(rl.rlimMax));

        Linger lg = new Linger(runtime);
        m.put("linger.size", Struct.size(lg));
        m.put("linger.l_onoff", off(lg.lOnoff));
        m.put("linger.l_linger", off(lg.lLinger));

        m.put("sigset_t.size", Struct.size(new Sigset(runtime)));

        Sigaction sa = new Sigaction(runtime);
        m.put("sigaction.size", Struct.size(sa));
        m.put("sigaction.sa_handler", off(sa.handler.saHandler));
        m.put("sigaction.sa_mask", off(sa.saMask.val[0]));
        m.put("sigaction.sa_flags", off(sa.saFlags));

        Siginfo si = new Siginfo(runtime);
        m.put("siginfo_t.size", Struct.size(si));
        m.put("siginfo_t.si_signo", off(si.siSigno));
        m.put("siginfo_t.si_errno", off(si.siErrno));
        m.put("siginfo_t.si_code", off(si.siCode));
        m.put("siginfo_t.si_band", off(si.sifields.sigpoll.siBand));
        m.put("siginfo_t.si_fd", off(si.sifields.sigpoll.siFd));

        SignalfdSiginfo ssi = new SignalfdSiginfo(runtime);
        m.put("signalfd_siginfo.size", Struct.size(ssi));
        m.put("signalfd_siginfo.ssi_signo", off(ssi.ssiSigno));
        m.put("signalfd_siginfo.ssi_errno", off(ssi.ssiErrno));
        m.put("signalfd_siginfo.ssi_code", off(ssi.ssiCode));
        m.put("signalfd_siginfo.ssi_fd", off(ssi.ssiFd));
        m.put("signalfd_siginfo.ssi_band", off(ssi.ssiBand));

        FOwnerEx owner = new FOwnerEx(runtime);
        m.put("f_owner_ex.size", Struct.size(owner));
        m.put("f_owner_ex.type", off(owner.type));
        m.put("f_owner_ex.pid", off(owner.pid));

        int[] sizes = mutexSizes();
        PthreadMutex mutex = new PthreadMutex(runtime, sizes[0]);
        m.put("pthread_mutex_t.size", Struct.size(mutex));
        // jnr-ffi's alignment of the union: its largest member alignment, __align's.
        m.put("pthread_mutex_t.align", Struct.alignment(mutex));
        m.put("pthread_mutexattr_t.size", Struct.size(new PthreadMutexattr(runtime, sizes[1])));

        Msghdr msg = new Msghdr(runtime);
        m.put("msghdr.size", Struct.size(msg));
        m.put("msghdr.msg_name", off(msg.msgName));
        m.put("msghdr.msg_namelen", off(msg.msgNamelen));
        m.put("msghdr.msg_iov", off(msg.msgIov));
        m.put("msghdr.msg_iovlen", off(msg.msgIovlen));
        m.put("msghdr.msg_control", off(msg.msgControl));
        m.put("msghdr.msg_controllen", off(msg.msgControllen));
        m.put("msghdr.msg_flags", off(msg.msgFlags));

        Cmsghdr cmsg = new Cmsghdr(runtime);
        m.put("cmsghdr.size", Struct.size(cmsg));
        m.put("cmsghdr.cmsg_len", off(cmsg.cmsgLen));
        m.put("cmsghdr.cmsg_level", off(cmsg.cmsgLevel));
        m.put("cmsghdr.cmsg_type", off(cmsg.cmsgType));
        // CMSG_LEN(0) = CMSG_ALIGN(sizeof(struct cmsghdr)): rounded up to sizeof(size_t).
        int sizeT = runtime.findType(TypeAlias.size_t).size();
        m.put("cmsghdr.data", (Struct.size(cmsg) + sizeT - 1) / sizeT * sizeT);

        return new StructLayout(m);
    }

    private static int off(Struct.NumberField field) {
        return Math.toIntExact(field.offset());
    }
}
