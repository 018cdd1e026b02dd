package org.iomux;

import java.lang.ref.Reference;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;

/**
 * A stream socket, TCP ({@code AF_INET}, {@code AF_INET6}) or Unix-domain ({@code AF_UNIX}):
 * {@code socket(2)}, {@code bind(2)}, {@code listen(2)}, {@code accept4(2)}, {@code connect(2)},
 * {@code shutdown(2)}, {@code getsockname(2)}, {@code getpeername(2)}, {@code setsockopt(2)}.
 * Sockets are created with {@code SOCK_CLOEXEC}; pass {@code nonBlocking} to get
 * {@code SOCK_NONBLOCK} as well.
 *
 * <p>Results follow {@link Descriptor}: on a non-blocking socket {@link #accept} returns
 * {@code null} and {@link #connect} returns {@code false} instead of failing with
 * {@code EAGAIN}/{@code EINPROGRESS}.
 *
 * <p>Thread-safe as {@link Descriptor}. Closing a socket while another thread is blocked in a call
 * on it shuts the socket down ({@code SHUT_RDWR}) so that the blocked {@code read}/{@code accept}
 * returns; the number is closed when that call has returned. {@code shutdown(2)} acts on the socket,
 * not the descriptor: on a socket shared with other processes (passed with
 * {@link #sendDescriptors}, e.g. a listener shared by prefork workers) it shuts the socket down
 * for all of them. There, close a socket only once no thread of this process is inside a call on
 * it (a close with no call in flight never shuts down).
 */
public final class Socket extends Descriptor {
    private final int family;

    private Socket(Backend backend, int fd, int family) {
        super(backend, fd, true);
        this.family = family;
    }

    @Override
    String kind() {
        return "socket";
    }

    /** A new stream socket of {@code family} ({@code Abi.AF_INET}, {@code AF_INET6}, {@code AF_UNIX}). */
    public static Socket open(Backend backend, int family, boolean nonBlocking) throws ErrnoException {
        if (family != Abi.AF_INET && family != Abi.AF_INET6 && family != Abi.AF_UNIX) {
            throw new IllegalArgumentException("unsupported address family " + family);
        }
        int type = Abi.SOCK_STREAM | Abi.SOCK_CLOEXEC | (nonBlocking ? Abi.SOCK_NONBLOCK : 0);
        int fd = backend.calls.socket(family, type, 0);
        if (fd < 0) {
            throw Errors.exception("socket(" + familyName(family) + ", SOCK_STREAM)", fd);
        }
        return new Socket(backend, fd, family);
    }

    /** A TCP socket for {@code address}'s family (IPv4 or IPv6), with the default backend. */
    public static Socket tcp(InetSocketAddress address, boolean nonBlocking) throws ErrnoException {
        return tcp(Backends.defaultBackend(), address, nonBlocking);
    }

    /** A TCP socket for {@code address}'s family (IPv4 or IPv6). */
    public static Socket tcp(Backend backend, InetSocketAddress address, boolean nonBlocking) throws ErrnoException {
        return open(backend, address.getAddress() instanceof Inet6Address ? Abi.AF_INET6 : Abi.AF_INET, nonBlocking);
    }

    /** A Unix-domain stream socket, with the default backend. */
    public static Socket unix(boolean nonBlocking) throws ErrnoException {
        return open(Backends.defaultBackend(), Abi.AF_UNIX, nonBlocking);
    }

    /**
     * A listening TCP socket: {@code socket}, {@code SO_REUSEADDR}, {@code bind}, {@code listen}.
     * Port 0 picks a free port (see {@link #localAddress()}). On failure nothing is left open.
     */
    public static Socket listenTcp(Backend backend, InetSocketAddress address, int backlog, boolean nonBlocking)
            throws ErrnoException {
        Socket socket = tcp(backend, address, nonBlocking);
        try {
            socket.setOption(SocketOption.SO_REUSEADDR, 1);
            socket.bind(address);
            socket.listen(backlog);
            return socket;
        } catch (ErrnoException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** {@link #listenTcp(Backend, InetSocketAddress, int, boolean)} with the default backend. */
    public static Socket listenTcp(InetSocketAddress address, int backlog, boolean nonBlocking) throws ErrnoException {
        return listenTcp(Backends.defaultBackend(), address, backlog, nonBlocking);
    }

    /**
     * {@code socketpair(AF_UNIX, SOCK_STREAM)}: two connected sockets.
     *
     * @return a new array of the two ends
     */
    public static Socket[] pair(Backend backend, boolean nonBlocking) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int type = Abi.SOCK_STREAM | Abi.SOCK_CLOEXEC | (nonBlocking ? Abi.SOCK_NONBLOCK : 0);
        int r = backend.calls.socketpair(Abi.AF_UNIX, type, 0, scratch.address(Scratch.SMALL, 8));
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("socketpair(AF_UNIX, SOCK_STREAM)", r);
        }
        return new Socket[] {
            new Socket(backend, scratch.getInt(Scratch.SMALL), Abi.AF_UNIX),
            new Socket(backend, scratch.getInt(Scratch.SMALL + 4), Abi.AF_UNIX)
        };
    }

    /** {@link #pair(Backend, boolean)} with the default backend. */
    public static Socket[] pair(boolean nonBlocking) throws ErrnoException {
        return pair(Backends.defaultBackend(), nonBlocking);
    }

    /** The address family: {@code Abi.AF_INET}, {@code AF_INET6} or {@code AF_UNIX}. */
    public int family() {
        return family;
    }

    public void bind(SocketAddress address) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int length = encode(address, scratch);
        int fd = acquire();
        int r;
        try {
            r = calls.bind(fd, scratch.address(Scratch.SMALL, length), length);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("bind(fd=" + fd + ", " + address + ")", r);
        }
    }

    public void listen(int backlog) throws ErrnoException {
        int fd = acquire();
        int r;
        try {
            r = calls.listen(fd, backlog);
        } finally {
            release();
        }
        if (r < 0) {
            throw Errors.exception("listen(fd=" + fd + ", backlog=" + backlog + ")", r);
        }
    }

    /**
     * {@code accept4(2)}: the next connection as a new socket (with {@code SOCK_CLOEXEC}, and
     * {@code SOCK_NONBLOCK} if asked), or {@code null} if this socket is non-blocking and none is
     * pending. Errors that belong to the pending connection (ECONNABORTED, ...) are thrown, as
     * accept(2) reports them; the caller may simply accept again.
     */
    public Socket accept(boolean nonBlocking) throws ErrnoException {
        int flags = Abi.SOCK_CLOEXEC | (nonBlocking ? Abi.SOCK_NONBLOCK : 0);
        int fd = acquire();
        int r;
        try {
            do {
                r = calls.accept4(fd, 0, 0, flags);
            } while (r == -Errors.EINTR);
        } finally {
            release();
        }
        if (r >= 0) {
            return new Socket(backend, r, family);
        }
        if (r == -Errors.EAGAIN) {
            return null;
        }
        throw Errors.exception("accept4(fd=" + fd + ")", r);
    }

    /**
     * {@code connect(2)}. On a blocking socket returns {@code true} once connected. On a
     * non-blocking socket returns {@code true} if it connected at once, else {@code false}
     * ({@code EINPROGRESS}): wait for {@code EPOLLOUT}/{@code POLLOUT}, then call
     * {@link #finishConnect()}.
     *
     * <p>EINTR: the connection attempt goes on in the kernel (connect(2)), so it is not restarted;
     * a blocking socket waits for it with {@code poll(POLLOUT)} and reads {@code SO_ERROR}.
     */
    public boolean connect(SocketAddress address) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int length = encode(address, scratch);
        int fd = acquire();
        int r;
        try {
            r = calls.connect(fd, scratch.address(Scratch.SMALL, length), length);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r == 0) {
            return true;
        }
        if (r == -Abi.EINPROGRESS) {
            return false;
        }
        if (r == -Errors.EINTR) {
            if (isNonBlocking()) {
                return false;
            }
            awaitWritable();
            return finishConnect();
        }
        throw Errors.exception("connect(fd=" + fd + ", " + address + ")", r);
    }

    /**
     * Completes a non-blocking {@link #connect}: reads {@code SO_ERROR}.
     *
     * @return true if connected, false if still in progress
     * @throws ErrnoException the connection's error, e.g. {@code ECONNREFUSED}
     */
    public boolean finishConnect() throws ErrnoException {
        int error = getOption(SocketOption.SO_ERROR);
        if (error == 0) {
            // SO_ERROR is 0 both when connected and while still connecting: ask getpeername
            return remoteAddressOrNull() != null;
        }
        if (error == Abi.EINPROGRESS || error == Abi.EALREADY) {
            return false;
        }
        throw Errors.synthetic("connect(fd=" + fd + ")", error);
    }

    private void awaitWritable() throws ErrnoException {
        try (Poll poll = Poll.open(backend, 1)) {
            poll.add(this, Poll.OUT);
            poll.poll(-1);
        }
    }

    /** {@code shutdown(2)} with {@code Abi.SHUT_RD}, {@code SHUT_WR} or {@code SHUT_RDWR}. */
    public void shutdown(int how) throws ErrnoException {
        if (how != Abi.SHUT_RD && how != Abi.SHUT_WR && how != Abi.SHUT_RDWR) {
            throw new IllegalArgumentException("shutdown: how=" + how);
        }
        int fd = acquire();
        int r;
        try {
            r = calls.shutdown(fd, how);
        } finally {
            release();
        }
        if (r < 0) {
            throw Errors.exception("shutdown(fd=" + fd + ", how=" + how + ")", r);
        }
    }

    /** {@code shutdown(SHUT_WR)}: the peer reads end of stream (and sees EPOLLRDHUP). */
    public void shutdownOutput() throws ErrnoException {
        shutdown(Abi.SHUT_WR);
    }

    /** {@code shutdown(SHUT_RD)}. */
    public void shutdownInput() throws ErrnoException {
        shutdown(Abi.SHUT_RD);
    }

    /** {@code getsockname(2)}: an {@link InetSocketAddress} or {@link UnixDomainSocketAddress}. */
    public SocketAddress localAddress() throws ErrnoException {
        return name(false);
    }

    /** {@code getpeername(2)}. */
    public SocketAddress remoteAddress() throws ErrnoException {
        return name(true);
    }

    private SocketAddress remoteAddressOrNull() throws ErrnoException {
        try {
            return name(true);
        } catch (ErrnoException e) {
            if (e.errno() == 107 /* ENOTCONN */) {
                return null;
            }
            throw e;
        }
    }

    private SocketAddress name(boolean peer) throws ErrnoException {
        StructLayout layout = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int lengthAt = Scratch.SMALL + layout.sockaddrStorageSize;
        scratch.putInt(lengthAt, layout.sockaddrStorageSize);
        int fd = acquire();
        int r;
        try {
            long addr = scratch.address(Scratch.SMALL, layout.sockaddrStorageSize);
            long len = scratch.address(lengthAt, 4);
            r = peer ? calls.getpeername(fd, addr, len) : calls.getsockname(fd, addr, len);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception((peer ? "getpeername" : "getsockname") + "(fd=" + fd + ")", r);
        }
        return decode(scratch, scratch.getInt(lengthAt), layout);
    }

    // ---- options ------------------------------------------------------------------------------

    /** {@code setsockopt(2)} of an integer option. */
    public void setOption(SocketOption option, int value) throws ErrnoException {
        if (!option.writable) {
            throw new IllegalArgumentException(option + " is read-only");
        }
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.putInt(Scratch.SMALL, value);
        int fd = acquire();
        int r;
        try {
            r = calls.setsockopt(fd, option.level, option.name, scratch.address(Scratch.SMALL, 4), 4);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("setsockopt(fd=" + fd + ", " + option + ", " + value + ")", r);
        }
    }

    /** {@code setsockopt(2)} of a boolean option (1 or 0). */
    public void setOption(SocketOption option, boolean on) throws ErrnoException {
        setOption(option, on ? 1 : 0);
    }

    /** {@code getsockopt(2)} of an integer option. */
    public int getOption(SocketOption option) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.putInt(Scratch.SMALL, 0);
        scratch.putInt(Scratch.SMALL + 8, 4);
        int fd = acquire();
        int r;
        try {
            r = calls.getsockopt(fd, option.level, option.name, scratch.address(Scratch.SMALL, 4),
                    scratch.address(Scratch.SMALL + 8, 4));
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("getsockopt(fd=" + fd + ", " + option + ")", r);
        }
        return scratch.getInt(Scratch.SMALL);
    }

    /**
     * {@code SO_LINGER}: {@code seconds >= 0} turns lingering on with that timeout ({@code 0} makes
     * {@link #close()} reset the connection, sending RST); a negative value turns it off.
     */
    public void setLinger(int seconds) throws ErrnoException {
        StructLayout layout = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.clear(Scratch.SMALL, layout.lingerSize);
        scratch.putInt(Scratch.SMALL + layout.lingerOnoff, seconds >= 0 ? 1 : 0);
        scratch.putInt(Scratch.SMALL + layout.lingerLinger, Math.max(seconds, 0));
        int fd = acquire();
        int r;
        try {
            r = calls.setsockopt(fd, Abi.SOL_SOCKET, Abi.SO_LINGER,
                    scratch.address(Scratch.SMALL, layout.lingerSize), layout.lingerSize);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("setsockopt(fd=" + fd + ", SO_LINGER, " + seconds + ")", r);
        }
    }

    /**
     * {@code getsockopt(SO_LINGER)}: the linger timeout in seconds, or -1 if lingering is off
     * (see {@link #setLinger}).
     */
    public int linger() throws ErrnoException {
        StructLayout layout = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.clear(Scratch.SMALL, layout.lingerSize);
        int lengthAt = Scratch.SMALL + ((layout.lingerSize + 7) & ~7);
        scratch.putInt(lengthAt, layout.lingerSize);
        int fd = acquire();
        int r;
        try {
            r = calls.getsockopt(fd, Abi.SOL_SOCKET, Abi.SO_LINGER, scratch.address(Scratch.SMALL, layout.lingerSize),
                    scratch.address(lengthAt, 4));
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("getsockopt(fd=" + fd + ", SO_LINGER)", r);
        }
        return scratch.getInt(Scratch.SMALL + layout.lingerOnoff) != 0
                ? scratch.getInt(Scratch.SMALL + layout.lingerLinger) : -1;
    }

    @Override
    void closingWhileInUse() {
        // Another thread is blocked in accept/read/connect on this socket: shutdown(2) makes those
        // calls return (accept with EINVAL, read with 0), so the deferred close can happen.
        calls.shutdown(fd, Abi.SHUT_RDWR);
    }

    // ---- addresses ----------------------------------------------------------------------------

    /** Writes {@code address} as a {@code struct sockaddr_*} at {@link Scratch#SMALL}; returns its length. */
    private int encode(SocketAddress address, NativeBuffer out) {
        StructLayout l = backend.layout();
        int at = Scratch.SMALL;
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            if (inet.isUnresolved()) {
                throw new IllegalArgumentException("unresolved address " + inet);
            }
            InetAddress ip = inet.getAddress();
            int port = inet.getPort();
            if (family == Abi.AF_INET && ip instanceof Inet4Address) {
                out.clear(at, l.sockaddrInSize);
                out.putShort(at + l.sockaddrInFamily, (short) Abi.AF_INET);
                out.putShort(at + l.sockaddrInPort, Short.reverseBytes((short) port)); // network order
                out.putBytes(at + l.sockaddrInAddr, ip.getAddress(), 0, 4);
                return l.sockaddrInSize;
            }
            if (family == Abi.AF_INET6) {
                byte[] bytes = ip instanceof Inet4Address ? mapped(ip.getAddress()) : ip.getAddress();
                out.clear(at, l.sockaddrIn6Size);
                out.putShort(at + l.sockaddrIn6Family, (short) Abi.AF_INET6);
                out.putShort(at + l.sockaddrIn6Port, Short.reverseBytes((short) port));
                out.putBytes(at + l.sockaddrIn6Addr, bytes, 0, 16);
                if (ip instanceof Inet6Address) {
                    out.putInt(at + l.sockaddrIn6ScopeId, ((Inet6Address) ip).getScopeId());
                }
                return l.sockaddrIn6Size;
            }
        } else if (address instanceof UnixDomainSocketAddress && family == Abi.AF_UNIX) {
            byte[] path = ((UnixDomainSocketAddress) address).getPath().toString().getBytes(StandardCharsets.UTF_8);
            int room = l.sockaddrUnSize - l.sockaddrUnPath;
            if (path.length >= room) {
                throw new IllegalArgumentException("Unix socket path is " + path.length + " bytes; at most "
                        + (room - 1) + " fit in sun_path");
            }
            out.clear(at, l.sockaddrUnSize);
            out.putShort(at + l.sockaddrUnFamily, (short) Abi.AF_UNIX);
            out.putBytes(at + l.sockaddrUnPath, path, 0, path.length);
            return l.sockaddrUnPath + path.length + 1;
        }
        throw new IllegalArgumentException(address + " does not fit a " + familyName(family) + " socket");
    }

    private static byte[] mapped(byte[] v4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }

    private static SocketAddress decode(NativeBuffer in, int length, StructLayout l) {
        int at = Scratch.SMALL;
        int family = in.getShort(at) & 0xffff;
        try {
            if (family == Abi.AF_INET) {
                byte[] ip = new byte[4];
                in.getBytes(at + l.sockaddrInAddr, ip, 0, 4);
                int port = Short.reverseBytes(in.getShort(at + l.sockaddrInPort)) & 0xffff;
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == Abi.AF_INET6) {
                byte[] ip = new byte[16];
                in.getBytes(at + l.sockaddrIn6Addr, ip, 0, 16);
                int port = Short.reverseBytes(in.getShort(at + l.sockaddrIn6Port)) & 0xffff;
                int scope = in.getInt(at + l.sockaddrIn6ScopeId);
                return new InetSocketAddress(Inet6Address.getByAddress(null, ip, scope), port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for a wrong array length
        }
        if (family == Abi.AF_UNIX) {
            int max = Math.min(length, l.sockaddrUnSize) - l.sockaddrUnPath;
            byte[] path = new byte[Math.max(max, 0)];
            in.getBytes(at + l.sockaddrUnPath, path, 0, path.length);
            int end = 0;
            while (end < path.length && path[end] != 0) {
                end++;
            }
            return UnixDomainSocketAddress.of(new String(path, 0, end, StandardCharsets.UTF_8));
        }
        throw new IllegalStateException("unexpected address family " + family);
    }

    private static String familyName(int family) {
        switch (family) {
            case Abi.AF_INET: return "AF_INET";
            case Abi.AF_INET6: return "AF_INET6";
            case Abi.AF_UNIX: return "AF_UNIX";
            default: return "family " + family;
        }
    }

    // ---- descriptor passing (SCM_RIGHTS) ------------------------------------------------------
    // unix(7): descriptors travel as ancillary data of sendmsg(2)/recvmsg(2) on a Unix-domain
    // socket, attached to at least one byte of real data; the receiver gets new numbers for the
    // same open files. Layout in the per-thread scratch: msghdr at 0, one iovec at 64, the control
    // buffer at 128 (CMSG_SPACE(253 * 4) = 1032 bytes at most), the data bytes from 2048.

    /** The kernel's limit on descriptors per message ({@code SCM_MAX_FD}, net/scm.h). */
    public static final int MAX_DESCRIPTORS_PER_MESSAGE = 253;

    private static final int MSG_AT = 0;
    private static final int IOV_AT = 64;
    private static final int CONTROL_AT = 128;
    private static final int DATA_AT = 2048;
    /** The most data bytes one descriptor-passing call carries (the rest of the scratch's iovec area). */
    private static final int DATA_MAX = Scratch.SMALL - DATA_AT;

    /** {@link #sendDescriptors(byte[], int, int, FdHandle...)} of the whole of {@code data}. */
    public int sendDescriptors(byte[] data, FdHandle... descriptors) throws ErrnoException {
        return sendDescriptors(data, 0, data.length, descriptors);
    }

    /**
     * Sends {@code descriptors} to the peer of this Unix-domain stream socket, with the data bytes
     * {@code data[offset, offset + length)} ({@code sendmsg(2)} with one {@code SCM_RIGHTS}
     * message and {@code MSG_NOSIGNAL}). The peer receives copies of the descriptors (the same
     * open files, as if {@code dup}ed into its process); this process's handles stay open, and
     * the caller may close them once this returns.
     *
     * <p>A stream socket may send fewer bytes than asked; the descriptors go with the first
     * byte, so send the rest with {@link #write(byte[], int, int)}. At most 14,336 data bytes
     * are taken per call.
     *
     * @param length at least 1: the kernel needs a data byte to carry the ancillary data
     * @param descriptors 1 to {@value #MAX_DESCRIPTORS_PER_MESSAGE} open handles, each held
     *        (acquired) for the duration of the call
     * @return the data bytes sent, or 0 if this socket is non-blocking and full (nothing was sent)
     * @throws IllegalStateException if this socket or one of the descriptors is closed
     */
    public int sendDescriptors(byte[] data, int offset, int length, FdHandle... descriptors) throws ErrnoException {
        Errors.checkRange("sendmsg", offset, length, data.length);
        if (length < 1) {
            throw new IllegalArgumentException("sendmsg: descriptors need at least one data byte to travel with (unix(7))");
        }
        if (descriptors.length < 1 || descriptors.length > MAX_DESCRIPTORS_PER_MESSAGE) {
            throw new IllegalArgumentException("sendmsg: " + descriptors.length + " descriptors; 1 to "
                    + MAX_DESCRIPTORS_PER_MESSAGE + " fit in one SCM_RIGHTS message");
        }
        if (family != Abi.AF_UNIX) {
            throw new IllegalArgumentException("sendmsg: descriptors travel over Unix-domain sockets only, not "
                    + familyName(family));
        }
        int n = Math.min(length, DATA_MAX);
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int count = descriptors.length;
        int payload = count * 4;
        int space = l.cmsghdrData + align8(payload); // CMSG_SPACE(payload)
        scratch.putBytes(DATA_AT, data, offset, n);
        scratch.clear(CONTROL_AT, space);
        scratch.putLong(CONTROL_AT + l.cmsghdrLen, l.cmsghdrData + payload); // CMSG_LEN(payload)
        scratch.putInt(CONTROL_AT + l.cmsghdrLevel, Abi.SOL_SOCKET);
        scratch.putInt(CONTROL_AT + l.cmsghdrType, Abi.SCM_RIGHTS);
        long msg = message(scratch, l, n, space);
        int acquired = 0;
        long r;
        int fd;
        try {
            // Hold every descriptor for the call, so none is closed (and its number reused) under it;
            // a closed one throws here, before any system call.
            for (; acquired < count; acquired++) {
                scratch.putInt(CONTROL_AT + l.cmsghdrData + 4 * acquired, descriptors[acquired].acquire());
            }
            fd = acquire();
            try {
                do {
                    r = calls.sendmsg(fd, msg, Abi.MSG_NOSIGNAL);
                } while (r == -Errors.EINTR);
            } finally {
                release();
            }
        } finally {
            for (int i = 0; i < acquired; i++) {
                descriptors[i].release();
            }
            Reference.reachabilityFence(pinned);
        }
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        if (r < 0) {
            throw Errors.exception("sendmsg(fd=" + fd + ", SCM_RIGHTS, " + count + " descriptors)", r);
        }
        return (int) r;
    }

    /**
     * Receives data bytes into {@code data[offset, offset + length)} and the descriptors sent with
     * them ({@code recvmsg(2)} with {@code MSG_CMSG_CLOEXEC}, room for {@code maxDescriptors}).
     * Data sent without descriptors is received as well (with none). At most 14,336 data bytes
     * are read per call.
     *
     * @param maxDescriptors 1 to {@value #MAX_DESCRIPTORS_PER_MESSAGE}: how many may arrive
     * @return the bytes and the descriptors, which the result owns until taken; close it
     * @throws ControlTruncatedException ({@code EMSGSIZE}) if more descriptors were sent than
     *         {@code maxDescriptors} ({@code MSG_CTRUNC}): the kernel closed those that did not fit,
     *         the ones that did are closed here; the data bytes are in {@code data} all the same,
     *         and {@link ControlTruncatedException#bytes()} says how many
     */
    public ReceivedDescriptors receiveDescriptors(byte[] data, int offset, int length, int maxDescriptors)
            throws ErrnoException {
        Errors.checkRange("recvmsg", offset, length, data.length);
        if (length < 1) {
            throw new IllegalArgumentException("recvmsg: room for at least one data byte is needed (unix(7))");
        }
        if (maxDescriptors < 1 || maxDescriptors > MAX_DESCRIPTORS_PER_MESSAGE) {
            throw new IllegalArgumentException("recvmsg: maxDescriptors " + maxDescriptors + " is outside [1, "
                    + MAX_DESCRIPTORS_PER_MESSAGE + "]");
        }
        int n = Math.min(length, DATA_MAX);
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int space = l.cmsghdrData + align8(maxDescriptors * 4);
        scratch.clear(CONTROL_AT, space);
        long msg = message(scratch, l, n, space);
        int fd = acquire();
        long r;
        try {
            do {
                r = calls.recvmsg(fd, msg, Abi.MSG_CMSG_CLOEXEC);
            } while (r == -Errors.EINTR);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r == -Errors.EAGAIN) {
            return new ReceivedDescriptors(backend, 0, new int[0]);
        }
        if (r < 0) {
            throw Errors.exception("recvmsg(fd=" + fd + ", room for " + maxDescriptors + " descriptors)", r);
        }
        int[] received = receivedDescriptors(scratch, l);
        int flags = scratch.getInt(MSG_AT + l.msghdrFlags);
        // the data bytes are the caller's whatever came with them: a stream socket has consumed them
        scratch.getBytes(DATA_AT, data, offset, (int) r);
        if ((flags & Abi.MSG_CTRUNC) != 0) {
            for (int d : received) {
                calls.close(d);
            }
            throw new ControlTruncatedException("recvmsg(fd=" + fd + ", room for " + maxDescriptors
                    + " descriptors): MSG_CTRUNC, more were sent; the " + received.length + " that arrived were closed, "
                    + r + " data bytes received", Errno.number("EMSGSIZE"), (int) r, received.length);
        }
        return new ReceivedDescriptors(backend, r == 0 ? EOF : (int) r, received);
    }

    /** Writes the msghdr and its iovec into the scratch; returns the msghdr's address. */
    private static long message(NativeBuffer scratch, StructLayout l, int dataLength, int controlLength) {
        scratch.clear(MSG_AT, l.msghdrSize);
        scratch.putLong(IOV_AT + l.iovecBase, scratch.address(DATA_AT, dataLength));
        scratch.putLong(IOV_AT + l.iovecLen, dataLength);
        scratch.putLong(MSG_AT + l.msghdrIov, scratch.address(IOV_AT, l.iovecSize));
        scratch.putLong(MSG_AT + l.msghdrIovlen, 1);
        scratch.putLong(MSG_AT + l.msghdrControl, scratch.address(CONTROL_AT, controlLength));
        scratch.putLong(MSG_AT + l.msghdrControllen, controlLength);
        return scratch.address(MSG_AT, l.msghdrSize);
    }

    /** The descriptors of every SCM_RIGHTS message in the control data recvmsg returned (CMSG_NXTHDR walk). */
    private static int[] receivedDescriptors(NativeBuffer scratch, StructLayout l) {
        long controlLength = scratch.getLong(MSG_AT + l.msghdrControllen); // what the kernel filled
        int[] fds = new int[0];
        long at = 0;
        while (at + l.cmsghdrData <= controlLength) {
            int header = CONTROL_AT + (int) at;
            long cmsgLength = scratch.getLong(header + l.cmsghdrLen);
            if (cmsgLength < l.cmsghdrData || at + cmsgLength > controlLength) {
                break;
            }
            if (scratch.getInt(header + l.cmsghdrLevel) == Abi.SOL_SOCKET
                    && scratch.getInt(header + l.cmsghdrType) == Abi.SCM_RIGHTS) {
                int count = (int) ((cmsgLength - l.cmsghdrData) / 4);
                int[] more = java.util.Arrays.copyOf(fds, fds.length + count);
                for (int i = 0; i < count; i++) {
                    more[fds.length + i] = scratch.getInt(header + l.cmsghdrData + 4 * i);
                }
                fds = more;
            }
            at += align8(cmsgLength);
        }
        return fds;
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /**
     * A received descriptor as a Socket, after checking that it is a stream socket of a family
     * this class handles ({@code getsockname(2)}, {@code SO_TYPE}); the caller keeps ownership of
     * {@code fd} if this throws.
     */
    static Socket adoptReceived(Backend backend, int fd) throws ErrnoException {
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int lengthAt = Scratch.SMALL + l.sockaddrStorageSize;
        scratch.putInt(lengthAt, l.sockaddrStorageSize);
        int r = backend.calls.getsockname(fd, scratch.address(Scratch.SMALL, l.sockaddrStorageSize), scratch.address(lengthAt, 4));
        int family = scratch.getShort(Scratch.SMALL) & 0xffff;
        int typeAt = lengthAt + 8;
        scratch.putInt(typeAt, 0);
        scratch.putInt(typeAt + 4, 4);
        int t = r < 0 ? 0 : backend.calls.getsockopt(fd, Abi.SOL_SOCKET, Abi.SO_TYPE, scratch.address(typeAt, 4),
                scratch.address(typeAt + 4, 4));
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("getsockname(fd=" + fd + ")", r);
        }
        if (t < 0) {
            throw Errors.exception("getsockopt(fd=" + fd + ", SO_TYPE)", t);
        }
        int type = scratch.getInt(typeAt);
        if (type != Abi.SOCK_STREAM || (family != Abi.AF_INET && family != Abi.AF_INET6 && family != Abi.AF_UNIX)) {
            throw new IllegalArgumentException("descriptor " + fd + " is a " + familyName(family) + " socket of type "
                    + type + ", not a stream socket Socket handles");
        }
        return new Socket(backend, fd, family);
    }
}
