package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.readExactly;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketTest {
    private static final InetSocketAddress ANY_LOCAL = new InetSocketAddress("127.0.0.1", 0);

    @Test
    void tcpConnectAcceptEcho() throws Exception {
        try (Socket listener = Socket.listenTcp(backend(), ANY_LOCAL, 16, false)) {
            InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
            assertEquals(InetAddress.getByName("127.0.0.1"), bound.getAddress());
            assertNotEquals(0, bound.getPort());
            try (Socket client = Socket.tcp(backend(), bound, false)) {
                assertTrue(client.connect(bound));
                try (Socket server = listener.accept(false)) {
                    assertEquals(client.localAddress(), server.remoteAddress());
                    assertEquals(bound, client.remoteAddress());
                    assertTrue(server.isCloseOnExec());
                    assertFalse(server.isNonBlocking());
                    writeFully(client, bytes("ping"));
                    assertArrayEquals(bytes("ping"), readExactly(server, 4));
                    writeFully(server, bytes("pong"));
                    assertArrayEquals(bytes("pong"), readExactly(client, 4));
                    client.shutdownOutput();
                    assertEquals(Descriptor.EOF, server.read(new byte[1], 0, 1));
                }
            }
        }
    }

    @Test
    void ipv6Loopback() throws Exception {
        InetSocketAddress any6 = new InetSocketAddress("::1", 0);
        Socket listener;
        try {
            listener = Socket.listenTcp(backend(), any6, 4, false);
        } catch (ErrnoException e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
            return;
        }
        try (listener; Socket client = Socket.tcp(backend(), any6, false)) {
            InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
            assertEquals(InetAddress.getByName("::1"), bound.getAddress());
            assertEquals(Abi.AF_INET6, client.family());
            client.connect(bound);
            try (Socket server = listener.accept(false)) {
                writeFully(client, bytes("six"));
                assertArrayEquals(bytes("six"), readExactly(server, 3));
            }
        }
    }

    @Test
    void nonBlockingAcceptAndConnect() throws Exception {
        try (Socket listener = Socket.listenTcp(backend(), ANY_LOCAL, 16, true);
             Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4)) {
            assertNull(listener.accept(true), "nothing pending: EAGAIN is null, not an exception");
            epoll.add(listener, Epoll.IN, 1);
            try (Socket client = Socket.tcp(backend(), ANY_LOCAL, true)) {
                boolean connected = client.connect(listener.localAddress());
                epoll.add(client, Epoll.OUT, 2);
                boolean accepted = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((!connected || !accepted) && System.nanoTime() < deadline) {
                    int n = epoll.wait(events, 1000);
                    for (int i = 0; i < n; i++) {
                        if (events.data(i) == 1) {
                            try (Socket s = listener.accept(true)) {
                                assertTrue(s != null && s.isNonBlocking());
                                accepted = true;
                            }
                        } else if (!connected) {
                            connected = client.finishConnect();
                        }
                    }
                }
                assertTrue(connected && accepted);
            }
        }
    }

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (Socket probe = Socket.listenTcp(backend(), ANY_LOCAL, 1, false)) {
            port = ((InetSocketAddress) probe.localAddress()).getPort();
        }
        try (Socket client = Socket.tcp(backend(), ANY_LOCAL, false)) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> client.connect(new InetSocketAddress("127.0.0.1", port)));
            assertEquals("ECONNREFUSED", e.errnoName());
            assertTrue(e.getMessage().startsWith("connect(fd="), e.getMessage());
        }
        try (Socket client = Socket.tcp(backend(), ANY_LOCAL, true); Poll poll = Poll.open(backend(), 1)) {
            if (!client.connect(new InetSocketAddress("127.0.0.1", port))) {
                poll.add(client, Poll.OUT);
                poll.poll(5000);
                ErrnoException e = assertThrows(ErrnoException.class, client::finishConnect);
                assertEquals("ECONNREFUSED", e.errnoName());
            }
        }
    }

    @Test
    void addressInUse() throws Exception {
        try (Socket first = Socket.listenTcp(backend(), ANY_LOCAL, 1, false)) {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Socket.listenTcp(backend(), (InetSocketAddress) first.localAddress(), 1, false));
            assertEquals("EADDRINUSE", e.errnoName());
            assertEquals("bind", e.syscall());
        }
    }

    @Test
    void reusePortLetsTwoListenersShareAPort() throws Exception {
        try (Socket a = Socket.tcp(backend(), ANY_LOCAL, false); Socket b = Socket.tcp(backend(), ANY_LOCAL, false)) {
            a.setOption(SocketOption.SO_REUSEPORT, true);
            b.setOption(SocketOption.SO_REUSEPORT, true);
            a.bind(ANY_LOCAL);
            a.listen(4);
            b.bind(a.localAddress());
            b.listen(4);
            assertEquals(a.localAddress(), b.localAddress());
            assertEquals(1, b.getOption(SocketOption.SO_REUSEPORT));
        }
    }

    @Test
    void options() throws Exception {
        try (Socket s = Socket.tcp(backend(), ANY_LOCAL, false)) {
            s.setOption(SocketOption.TCP_NODELAY, true);
            assertEquals(1, s.getOption(SocketOption.TCP_NODELAY));
            s.setOption(SocketOption.TCP_NODELAY, false);
            assertEquals(0, s.getOption(SocketOption.TCP_NODELAY));
            s.setOption(SocketOption.SO_REUSEADDR, true);
            assertEquals(1, s.getOption(SocketOption.SO_REUSEADDR));
            s.setOption(SocketOption.SO_RCVBUF, 65536);
            assertEquals(131072, s.getOption(SocketOption.SO_RCVBUF), "the kernel doubles it (socket(7))");
            s.setOption(SocketOption.SO_SNDBUF, 32768);
            assertEquals(65536, s.getOption(SocketOption.SO_SNDBUF));
            assertEquals(Abi.SOCK_STREAM, s.getOption(SocketOption.SO_TYPE));
            assertEquals(0, s.getOption(SocketOption.SO_ERROR));
            assertThrows(IllegalArgumentException.class, () -> s.setOption(SocketOption.SO_ERROR, 1));
            assertEquals(-1, s.linger(), "off by default");
            s.setLinger(5);
            assertEquals(5, s.linger());
            s.setLinger(0);
            assertEquals(0, s.linger(), "on, with a zero timeout: close resets");
            s.setLinger(-1);
            assertEquals(-1, s.linger());
        }
    }

    @Test
    void lingerZeroResetsThePeer() throws Exception {
        try (Socket listener = Socket.listenTcp(backend(), ANY_LOCAL, 4, false);
             Socket client = Socket.tcp(backend(), ANY_LOCAL, false)) {
            client.connect(listener.localAddress());
            try (Socket server = listener.accept(false)) {
                client.setLinger(0);
                client.close();
                ErrnoException e = assertThrows(ErrnoException.class, () -> server.read(new byte[8], 0, 8));
                assertEquals(Abi.ECONNRESET, e.errno());
            }
        }
    }

    @Test
    void unixDomainSockets(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (Socket listener = Socket.unix(false)) {
            listener.bind(path);
            listener.listen(4);
            assertTrue(Files.exists(path.getPath()));
            assertEquals(path, listener.localAddress());
            try (Socket client = Socket.open(backend(), Abi.AF_UNIX, false)) {
                client.connect(path);
                try (Socket server = listener.accept(false)) {
                    writeFully(client, bytes("unix"));
                    assertArrayEquals(bytes("unix"), readExactly(server, 4));
                    assertEquals(path, client.remoteAddress());
                }
            }
        }
        String tooLong = "x".repeat(200);
        try (Socket s = Socket.unix(false)) {
            assertThrows(IllegalArgumentException.class, () -> s.bind(UnixDomainSocketAddress.of(dir.resolve(tooLong))));
            assertThrows(IllegalArgumentException.class, () -> s.bind(ANY_LOCAL), "wrong family");
        }
    }

    @Test
    void socketPair() throws Exception {
        Socket[] pair = Socket.pair(backend(), true);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            assertTrue(a.isNonBlocking() && b.isNonBlocking());
            writeFully(a, bytes("pair"));
            assertArrayEquals(bytes("pair"), readExactly(b, 4));
        }
    }

    /**
     * close() while another thread is blocked in accept4 (checked in /proc, not guessed with a
     * sleep): the shutdown(2) that close makes wakes it with EINVAL, then the number is closed.
     */
    @Test
    void closeWakesABlockedAccept() throws Exception {
        Socket listener = Socket.listenTcp(backend(), ANY_LOCAL, 4, false);
        int number = listener.fd();
        AtomicInteger tid = new AtomicInteger();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        Future<String> acceptor = thread.submit(() -> {
            tid.set(Signals.threadId(backend()));
            try (Socket s = listener.accept(false)) {
                return "accepted " + s;
            } catch (ErrnoException e) {
                return e.errnoName();
            }
        });
        try {
            TestSupport.awaitBlockedIn(tid, "aarch64".equals(System.getProperty("os.arch")) ? Set.of("242") : Set.of("288"),
                    acceptor); // accept4
            listener.close();
            assertEquals("EINVAL", acceptor.get(10, TimeUnit.SECONDS), "accept4 on a socket shut down");
        } finally {
            listener.close();
            thread.shutdown();
            assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (FdLeakCheck.isOpen(number) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertFalse(FdLeakCheck.isOpen(number));
    }

    @Test
    void badInput() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Socket.open(backend(), 99, false));
        try (Socket s = Socket.tcp(backend(), ANY_LOCAL, false)) {
            assertThrows(IllegalArgumentException.class, () -> s.shutdown(7));
            assertThrows(IllegalArgumentException.class,
                    () -> s.connect(InetSocketAddress.createUnresolved("example.invalid", 80)));
            ErrnoException e = assertThrows(ErrnoException.class, s::remoteAddress);
            assertEquals("ENOTCONN", e.errnoName());
            assertEquals(Abi.EINVAL, assertThrows(ErrnoException.class, () -> s.accept(false)).errno(),
                    "accept on a socket that is not listening");
        }
    }
}
