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
import org.iomux.spi.Backend;
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
 * returns; the number is closed when that call has returned.
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
        int fd = backend.socket(family, type, 0);
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
        int r = backend.socketpair(Abi.AF_UNIX, type, 0, scratch.address(Scratch.SMALL, 8));
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
            r = backend.bind(fd, scratch.address(Scratch.SMALL, length), length);
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
            r = backend.listen(fd, backlog);
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
                r = backend.accept4(fd, 0, 0, flags);
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
            r = backend.connect(fd, scratch.address(Scratch.SMALL, length), length);
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
            r = backend.shutdown(fd, how);
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
            r = peer ? backend.getpeername(fd, addr, len) : backend.getsockname(fd, addr, len);
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
            r = backend.setsockopt(fd, option.level, option.name, scratch.address(Scratch.SMALL, 4), 4);
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
            r = backend.getsockopt(fd, option.level, option.name, scratch.address(Scratch.SMALL, 4),
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
            r = backend.setsockopt(fd, Abi.SOL_SOCKET, Abi.SO_LINGER,
                    scratch.address(Scratch.SMALL, layout.lingerSize), layout.lingerSize);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("setsockopt(fd=" + fd + ", SO_LINGER, " + seconds + ")", r);
        }
    }

    @Override
    void closingWhileInUse() {
        // Another thread is blocked in accept/read/connect on this socket: shutdown(2) makes those
        // calls return (accept with EINVAL, read with 0), so the deferred close can happen.
        backend.shutdown(fd, Abi.SHUT_RDWR);
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
}
