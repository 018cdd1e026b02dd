package org.iomux.jnr;

import java.util.LinkedHashMap;
import java.util.Map;

import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
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
 *   <li>jnr-ffi's {@code inner(struct)} does not record the inner struct's alignment in the outer
 *       one; the outer structs here always have a field of at least that alignment anyway.</li>
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

        return new StructLayout(m);
    }

    private static int off(Struct.NumberField field) {
        return Math.toIntExact(field.offset());
    }
}
