package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.readExactly;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EpollTest {

    @Test
    void levelTriggeredKeepsReportingUntilDrained() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 8);
             Pipe pipe = Pipe.open(backend(), true)) {
            epoll.add(pipe.source(), Epoll.IN, 42);
            assertEquals(0, epoll.wait(events, 0));
            writeFully(pipe.sink(), bytes("hello"));
            for (int round = 0; round < 3; round++) {
                assertEquals(1, epoll.wait(events, 0), "round " + round);
                assertEquals(42, events.data(0));
                assertEquals(Epoll.IN, events.events(0));
            }
            assertEquals(2, pipe.source().read(new byte[2], 0, 2));
            assertEquals(1, epoll.wait(events, 0), "still 3 bytes buffered");
            assertEquals(3, pipe.source().read(new byte[8], 0, 8));
            assertEquals(0, epoll.wait(events, 0), "drained");
        }
    }

    @Test
    void edgeTriggeredReportsOncePerEdge() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 8);
             Pipe pipe = Pipe.open(backend(), true)) {
            epoll.add(pipe.source(), Epoll.IN | Epoll.ET, 7);
            writeFully(pipe.sink(), bytes("abc"));
            assertEquals(1, epoll.wait(events, 0));
            assertEquals(Epoll.IN, events.events(0));
            assertEquals(0, epoll.wait(events, 0), "no new edge: not reported again though data is pending");
            assertEquals(1, pipe.source().read(new byte[1], 0, 1));
            assertEquals(0, epoll.wait(events, 0), "reading part of the data is not an edge");
            writeFully(pipe.sink(), bytes("d"));
            assertEquals(1, epoll.wait(events, 0), "new data is a new edge");
            assertEquals(0, epoll.wait(events, 0));
            byte[] rest = new byte[16];
            assertEquals(3, pipe.source().read(rest, 0, rest.length));
            assertEquals(0, pipe.source().read(rest, 0, rest.length), "drained to EAGAIN");
        }
    }

    @Test
    void oneShotReportsOnceUntilRearmed() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 8);
             Pipe pipe = Pipe.open(backend(), true)) {
            epoll.add(pipe.source(), Epoll.IN | Epoll.ONESHOT, 5);
            writeFully(pipe.sink(), bytes("x"));
            assertEquals(1, epoll.wait(events, 0));
            assertEquals(0, epoll.wait(events, 0), "disarmed after one report");
            writeFully(pipe.sink(), bytes("y"));
            assertEquals(0, epoll.wait(events, 0), "still disarmed");
            epoll.modify(pipe.source(), Epoll.IN | Epoll.ONESHOT, 6);
            assertEquals(1, epoll.wait(events, 0), "re-armed by MOD");
            assertEquals(6, events.data(0));
            assertEquals(0, epoll.wait(events, 0));
            assertThrows(ErrnoException.class, () -> epoll.add(pipe.source(), Epoll.IN, 0),
                    "a disarmed entry is still registered");
        }
    }

    @Test
    void dataRoundTripsAll64Bits() throws Exception {
        long[] values = {0xDEADBEEFCAFEBABEL, Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L, 0x8000_0000L, 0x1_0000_0001L};
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             EventFd efd = EventFd.open(backend(), true)) {
            efd.signal();
            epoll.add(efd, Epoll.IN, 0);
            for (long value : values) {
                epoll.modify(efd, Epoll.IN, value);
                assertEquals(1, epoll.wait(events, 0));
                assertEquals(value, events.data(0), Long.toHexString(value));
            }
        }
    }

    @Test
    void manyDescriptorsReportEachOnce() throws Exception {
        int count = 200;
        List<Pipe> pipes = new ArrayList<>();
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 64)) {
            for (int i = 0; i < count; i++) {
                Pipe p = Pipe.open(backend(), true);
                pipes.add(p);
                epoll.add(p.source(), Epoll.IN, 1000L + i);
                if (i % 3 == 0) {
                    writeFully(p.sink(), new byte[] {(byte) i});
                }
            }
            Set<Long> seen = new HashSet<>();
            int n;
            while ((n = epoll.wait(events, 0)) > 0) {
                for (int i = 0; i < n; i++) {
                    long token = events.data(i);
                    assertTrue(seen.add(token), "reported twice: " + token);
                    Pipe p = pipes.get((int) (token - 1000));
                    assertEquals(1, p.source().read(new byte[4], 0, 4));
                }
            }
            Set<Long> expected = new HashSet<>();
            for (int i = 0; i < count; i += 3) {
                expected.add(1000L + i);
            }
            assertEquals(expected, seen);
        } finally {
            pipes.forEach(Pipe::close);
        }
    }

    @Test
    void rdhupOnPeerShutdownThenHupOnClose() throws Exception {
        Socket[] pair = Socket.pair(backend(), true);
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             Socket mine = pair[0]; Socket peer = pair[1]) {
            epoll.add(mine, Epoll.IN | Epoll.RDHUP, 1);
            assertEquals(0, epoll.wait(events, 0));
            peer.shutdownOutput();
            assertEquals(1, epoll.wait(events, 0));
            int ev = events.events(0);
            assertTrue((ev & Epoll.RDHUP) != 0, Epoll.toString(ev));
            assertTrue((ev & Epoll.IN) != 0, "end of stream is readable: " + Epoll.toString(ev));
            assertEquals(0, ev & Epoll.HUP, "half-closed is not a hang-up: " + Epoll.toString(ev));
            assertEquals(Descriptor.EOF, mine.read(new byte[4], 0, 4));
            peer.close();
            assertEquals(1, epoll.wait(events, 0));
            ev = events.events(0);
            assertTrue((ev & Epoll.HUP) != 0, "peer closed: " + Epoll.toString(ev));
        }
    }

    @Test
    void hupOnTcpPeerClose() throws Exception {
        try (Socket listener = Socket.listenTcp(backend(), new java.net.InetSocketAddress("127.0.0.1", 0), 4, false);
             Socket client = Socket.tcp(backend(), new java.net.InetSocketAddress("127.0.0.1", 0), false);
             Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4)) {
            client.connect(listener.localAddress());
            try (Socket server = listener.accept(true)) {
                epoll.add(server, Epoll.IN | Epoll.RDHUP, 9);
                client.shutdownOutput();
                assertEquals(1, epoll.wait(events, 1000));
                assertTrue((events.events(0) & Epoll.RDHUP) != 0, Epoll.toString(events.events(0)));
                server.shutdownOutput();
                assertEquals(1, epoll.wait(events, 1000));
                assertTrue((events.events(0) & Epoll.HUP) != 0, "both directions shut: " + Epoll.toString(events.events(0)));
            }
        }
    }

    /**
     * EPOLLPRI: TCP urgent data. iomux's Socket has no send flags, so the peer is a JDK socket,
     * whose sendUrgentData sends one byte with MSG_OOB.
     */
    @Test
    void priOnTcpUrgentData() throws Exception {
        try (Socket listener = Socket.listenTcp(backend(), new java.net.InetSocketAddress("127.0.0.1", 0), 4, false);
             java.net.Socket peer = new java.net.Socket()) {
            peer.connect(listener.localAddress());
            try (Socket server = listener.accept(true); Epoll epoll = Epoll.open(backend());
                 EpollEvents events = EpollEvents.allocate(backend(), 4)) {
                epoll.add(server, Epoll.PRI, 4);
                assertEquals(0, epoll.wait(events, 0), "nothing urgent yet");
                peer.sendUrgentData('!');
                assertEquals(1, epoll.wait(events, 5000));
                assertEquals(4, events.data(0));
                assertEquals(Epoll.PRI, events.events(0) & Epoll.PRI, Epoll.toString(events.events(0)));
            }
        }
    }

    /**
     * EPOLLERR (with EPOLLHUP): a non-blocking connect to a port nobody listens on; the error is
     * then SO_ERROR's, which finishConnect reports.
     */
    @Test
    void errOnARefusedConnection() throws Exception {
        java.net.InetSocketAddress closed;
        try (Socket probe = Socket.listenTcp(backend(), new java.net.InetSocketAddress("127.0.0.1", 0), 1, false)) {
            closed = (java.net.InetSocketAddress) probe.localAddress();
        }
        try (Socket client = Socket.tcp(backend(), closed, true); Epoll epoll = Epoll.open(backend());
             EpollEvents events = EpollEvents.allocate(backend(), 4)) {
            epoll.add(client, Epoll.OUT, 8); // ERR and HUP are reported without being asked for
            if (client.connect(closed)) {
                throw new AssertionError("connected to a closed port");
            }
            assertEquals(1, epoll.wait(events, 5000));
            int ev = events.events(0);
            assertEquals(Epoll.ERR | Epoll.HUP, ev & (Epoll.ERR | Epoll.HUP), Epoll.toString(ev));
            assertEquals("ECONNREFUSED", assertThrows(ErrnoException.class, client::finishConnect).errnoName());
        }
    }

    @Test
    void outReportsWritableUntilFull() throws Exception {
        Socket[] pair = Socket.pair(backend(), true);
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             Socket a = pair[0]; Socket b = pair[1]) {
            epoll.add(a, Epoll.OUT, 3);
            assertEquals(1, epoll.wait(events, 0));
            assertEquals(Epoll.OUT, events.events(0));
            byte[] chunk = new byte[65536];
            long total = 0;
            int n;
            while ((n = a.write(chunk, 0, chunk.length)) > 0) {
                total += n;
            }
            assertTrue(total > 0);
            assertEquals(0, epoll.wait(events, 0), "full: not writable");
            byte[] sink = new byte[65536];
            long drained = 0;
            while ((n = b.read(sink, 0, sink.length)) > 0) {
                drained += n;
            }
            assertEquals(total, drained);
            assertEquals(1, epoll.wait(events, 100), "writable again once the peer has read");
        }
    }

    @Test
    void timeouts() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4)) {
            assertEquals(0, epoll.wait(events, 0));
            long start = System.nanoTime();
            assertEquals(0, epoll.wait(events, 30));
            // a lower bound is the guarantee epoll_wait(2) gives; no upper bound is asserted
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(29), "returned before its timeout");
            start = System.nanoTime();
            assertEquals(0, epoll.waitNanos(events, 300_000));
            assertTrue(System.nanoTime() - start >= 300_000, "waitNanos returned before its timeout");
            assertEquals(0, epoll.waitNanos(events, 0));
        }
    }

    /**
     * The probe behind waitNanos, made through the backend itself: the kernel answers EBADF (call
     * present) or ENOSYS (absent). Anything else means the binding mangled the call (as jnr-ffi's
     * x86_64 stubs once did with a sixth argument, turning it into EINVAL).
     */
    @Test
    void epollPwait2ProbeIsCleanThroughTheBackend() {
        try (NativeBuffer events = NativeBuffer.allocate(backend(), 64)) {
            int r = TestSupport.calls().epollPwait2(-1, events.address(), 1, 0);
            assertTrue(r == -Abi.EBADF || r == -Abi.ENOSYS, "epoll_pwait2(-1) through " + backend().name() + ": " + r);
            assertEquals(r == -Abi.EBADF, Features.epollPwait2(backend()));
        }
    }

    @Test
    void infiniteWaitIsWokenFromAnotherThread() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             EventFd wakeup = EventFd.open(backend(), true)) {
            epoll.add(wakeup, Epoll.IN, 77);
            CompletableFuture<Long> woken = CompletableFuture.supplyAsync(() -> {
                try {
                    int n = epoll.wait(events, -1);
                    return n == 1 ? events.data(0) : -n;
                } catch (ErrnoException e) {
                    throw new RuntimeException(e);
                }
            });
            awaitBlocked(Set.of(epoll.fd()));
            assertFalse(woken.isDone());
            wakeup.signal();
            assertEquals(77L, woken.get(10, TimeUnit.SECONDS));
            assertEquals(1, wakeup.drain());
            assertEquals(0, wakeup.drain(), "non-blocking and empty");
        }
    }

    @Test
    void infiniteWaitNanosIsWokenFromAnotherThread() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             EventFd wakeup = EventFd.open(backend(), true)) {
            epoll.add(wakeup, Epoll.IN, 78);
            CompletableFuture<Integer> woken = CompletableFuture.supplyAsync(() -> {
                try {
                    return epoll.waitNanos(events, -1);
                } catch (ErrnoException e) {
                    throw new RuntimeException(e);
                }
            });
            awaitBlocked(Set.of(epoll.fd()));
            wakeup.signal();
            assertEquals(1, woken.get(10, TimeUnit.SECONDS));
            assertEquals(78, events.data(0));
            wakeup.drain();
        }
    }

    /** Timeouts too long for the arithmetic saturate instead of overflowing to "at once" or "never". */
    @Test
    void hugeTimeoutsWaitUntilWokenByAnotherThread() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             EventFd wakeup = EventFd.open(backend(), true)) {
            epoll.add(wakeup, Epoll.IN, 79);
            for (long timeout : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Integer.MAX_VALUE * 1_000_000L + 1}) {
                AtomicInteger tid = new AtomicInteger();
                Future<Integer> woken = thread.submit(() -> {
                    tid.set(Signals.threadId(backend()));
                    return epoll.waitNanos(events, timeout);
                });
                TestSupport.awaitBlockedIn(tid, TestSupport.epollWaitCalls(), woken);
                wakeup.signal();
                assertEquals(1, woken.get(10, TimeUnit.SECONDS), "timeout " + timeout);
                assertEquals(79, events.data(0));
                wakeup.drain();
            }
        } finally {
            thread.shutdown();
            assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
        }
        // what waitNanos passes to epoll_wait where the kernel lacks epoll_pwait2: rounded up, saturated
        assertEquals(0, Timeouts.nanosToMillisCeil(0));
        assertEquals(1, Timeouts.nanosToMillisCeil(1));
        assertEquals(1, Timeouts.nanosToMillisCeil(1_000_000));
        assertEquals(2, Timeouts.nanosToMillisCeil(1_000_001));
        assertEquals(Integer.MAX_VALUE, Timeouts.nanosToMillisCeil(Long.MAX_VALUE));
        assertEquals(Integer.MAX_VALUE, Timeouts.nanosToMillisCeil(Long.MAX_VALUE - 1));
        assertEquals(Long.MAX_VALUE, Timeouts.millisToNanos(Long.MAX_VALUE / 1000));
        assertTrue(Timeouts.remaining(Long.MAX_VALUE, System.nanoTime()) > Long.MAX_VALUE / 2);
    }

    /**
     * EPOLLEXCLUSIVE: with four epoll instances, each with its own thread blocked in epoll_wait on
     * one shared eventfd, one event wakes fewer than all of them; without the flag it wakes all
     * four. epoll_ctl(2) promises "one or more" with the flag, not exactly one.
     */
    @Test
    void exclusiveWakesOneOfSeveralWaiters() throws Exception {
        int exclusive = wokenBy(Epoll.IN | Epoll.EXCLUSIVE);
        assertTrue(exclusive >= 1 && exclusive < 4, exclusive + " of 4 woken");
        assertEquals(4, wokenBy(Epoll.IN));
    }

    private static int wokenBy(int flags) throws Exception {
        int instances = 4;
        List<Epoll> epolls = new ArrayList<>();
        List<EventFd> stops = new ArrayList<>();
        List<CompletableFuture<Void>> threads = new ArrayList<>();
        List<ExecutorService> executors = new ArrayList<>();
        ConcurrentLinkedQueue<Integer> wokenBy = new ConcurrentLinkedQueue<>();
        try (EventFd shared = EventFd.open(backend(), true)) {
            Set<Integer> epfds = new HashSet<>();
            for (int i = 0; i < instances; i++) {
                Epoll epoll = Epoll.open(backend());
                EventFd stop = EventFd.open(backend(), true);
                epolls.add(epoll);
                stops.add(stop);
                epoll.add(shared, flags, 1);
                epoll.add(stop, Epoll.IN, 2);
                epfds.add(epoll.fd());
                int id = i;
                ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "waiter-" + id));
                executors.add(executor);
                threads.add(CompletableFuture.runAsync(() -> {
                    try (EpollEvents events = EpollEvents.allocate(backend(), 4)) {
                        int n = epoll.wait(events, -1);
                        for (int k = 0; k < n; k++) {
                            if (events.data(k) == 1) {
                                wokenBy.add(id);
                            }
                        }
                    } catch (ErrnoException e) {
                        throw new RuntimeException(e);
                    }
                }, executor));
            }
            awaitBlocked(epfds);
            shared.signal();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int expectedAtLeast = 1;
            while (wokenBy.size() < expectedAtLeast && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            // give any further (wrongly) woken waiter time to show up, then count
            Thread.sleep(200);
            int woken = wokenBy.size();
            for (EventFd stop : stops) {
                stop.signal();
            }
            for (CompletableFuture<Void> t : threads) {
                t.get(10, TimeUnit.SECONDS);
            }
            return woken;
        } finally {
            for (EventFd stop : stops) {
                stop.signal(); // again, if a failure came first: no waiter may be left blocked
            }
            for (ExecutorService executor : executors) {
                executor.shutdown();
                assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "a waiter is still running");
            }
            epolls.forEach(Epoll::close);
            stops.forEach(EventFd::close);
        }
    }

    /** Waits until a thread is blocked in epoll_wait on each of {@code epfds}. */
    static void awaitBlocked(Set<Integer> epfds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!TestSupport.epollWaitersBlocked().containsAll(epfds)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("threads did not block in epoll_wait on " + epfds);
            }
            Thread.sleep(1);
        }
    }

    @Test
    void waitLoopAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 16);
             EventFd efd = EventFd.open(backend(), true); Pipe pipe = Pipe.open(backend(), true)) {
            epoll.add(efd, Epoll.IN, 1);
            epoll.add(pipe.source(), Epoll.IN, 2);
            efd.signal();
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocateDirect(64);
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocateDirect(64);
            long sum = 0;
            for (int round = 0; round < 3; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 20_000; i++) {
                    out.clear().limit(8);
                    pipe.sink().write(out);
                    int n = epoll.wait(events, 0);
                    for (int k = 0; k < n; k++) {
                        sum += events.data(k) + events.events(k);
                    }
                    sum += epoll.waitNanos(events, 0); // epoll_pwait2 where the kernel has it
                    epoll.modify(efd, Epoll.IN, 1); // epoll_ctl(MOD): what an ONESHOT loop does per event
                    in.clear();
                    pipe.source().read(in);
                }
                long allocated = mx.getCurrentThreadAllocatedBytes() - before;
                if (round == 2) {
                    // 100,000 calls: a per-call allocation of even one small object would be >= 1 MB
                    assertTrue(allocated < 16_384, "wait/modify/read/write loop allocated " + allocated + " bytes");
                }
            }
            assertTrue(sum > 0);
        }
    }

    // ---- bad input ------------------------------------------------------------------------------

    @Test
    void addTwiceIsEexistWithAClearMessage() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EventFd efd = EventFd.open(backend(), true)) {
            epoll.add(efd, Epoll.IN, 0);
            ErrnoException e = assertThrows(ErrnoException.class, () -> epoll.add(efd, Epoll.IN, 0));
            assertEquals(Abi.EEXIST, e.errno());
            assertEquals("EEXIST", e.errnoName());
            assertEquals("epoll_ctl", e.syscall());
            assertEquals("epoll_ctl(ADD, fd=" + efd.fd() + "): EEXIST (File exists)", e.getMessage());
        }
    }

    @Test
    void modifyOrDeleteOfAbsentIsEnoent() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EventFd efd = EventFd.open(backend(), true)) {
            assertEquals(Abi.ENOENT, assertThrows(ErrnoException.class, () -> epoll.modify(efd, Epoll.IN, 0)).errno());
            assertEquals(Abi.ENOENT, assertThrows(ErrnoException.class, () -> epoll.delete(efd)).errno());
            epoll.add(efd, Epoll.IN, 0);
            epoll.delete(efd);
            assertEquals(Abi.ENOENT, assertThrows(ErrnoException.class, () -> epoll.delete(efd)).errno());
        }
    }

    @Test
    void exclusiveWithModifyIsEinval() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EventFd efd = EventFd.open(backend(), true)) {
            epoll.add(efd, Epoll.IN, 0);
            ErrnoException e = assertThrows(ErrnoException.class, () -> epoll.modify(efd, Epoll.IN | Epoll.EXCLUSIVE, 0));
            assertEquals(Abi.EINVAL, e.errno());
            assertTrue(e.getMessage().startsWith("epoll_ctl(MOD, fd="), e.getMessage());
        }
    }

    @Test
    void unknownFlagBitsAreRejectedBeforeTheCall() throws Exception {
        try (Epoll epoll = Epoll.open(backend()); EventFd efd = EventFd.open(backend(), true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> epoll.add(efd, Epoll.IN | 0x0100_0000, 0));
            assertTrue(e.getMessage().contains("0x1000000"), e.getMessage());
            epoll.add(efd, Epoll.IN, 0); // nothing was registered by the rejected call
        }
    }

    @Test
    void negativeAndClosedDescriptorNumbersAreEbadf() throws Exception {
        try (Epoll epoll = Epoll.open(backend())) {
            assertEquals(Abi.EBADF, assertThrows(ErrnoException.class, () -> epoll.add(-1, Epoll.IN, 0)).errno());
            int closedNumber;
            try (EventFd efd = EventFd.open(backend(), true)) {
                closedNumber = efd.fd();
            }
            assertFalse(FdLeakCheck.isOpen(closedNumber));
            ErrnoException e = assertThrows(ErrnoException.class, () -> epoll.add(closedNumber, Epoll.IN, 0));
            assertEquals(Abi.EBADF, e.errno());
        }
    }

    @Test
    void closedHandlesThrowIllegalStateBeforeAnyCall() throws Exception {
        Epoll epoll = Epoll.open(backend());
        EventFd efd = EventFd.open(backend(), true);
        EpollEvents events = EpollEvents.allocate(backend(), 4);
        int epfd = epoll.fd();
        efd.close();
        assertThrows(IllegalStateException.class, () -> epoll.add(efd, Epoll.IN, 0));
        epoll.close();
        assertFalse(FdLeakCheck.isOpen(epfd));
        epoll.close(); // double close is harmless
        efd.close();
        assertThrows(IllegalStateException.class, () -> epoll.wait(events, 0));
        assertThrows(IllegalStateException.class, epoll::fd);
        assertFalse(epoll.isOpen());
        events.close();
        events.close();
        try (Epoll other = Epoll.open(backend())) {
            assertThrows(IllegalStateException.class, () -> other.wait(events, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> events.data(0));
        }
    }

    @Test
    void closedHandleNeverTouchesAReusedNumber() throws Exception {
        Epoll first = Epoll.open(backend());
        int number = first.fd();
        first.close();
        // the kernel hands out the lowest free number: dup onto exactly the old one to be sure
        try (Epoll second = Epoll.open(backend());
             Descriptor alias = second.fd() == number ? null : Descriptor.borrow(backend(), second.fd()).duplicate(number);
             EventFd efd = EventFd.open(backend(), true)) {
            assertEquals(number, alias == null ? second.fd() : alias.fd(), "the old number names the second instance");
            assertThrows(IllegalStateException.class, () -> first.add(efd, Epoll.IN, 0));
            assertThrows(IllegalStateException.class, () -> first.delete(efd));
            // had the stale handle reached the kernel, efd would now be registered, and this would be EEXIST
            second.add(efd, Epoll.IN, 0);
        }
    }

    @Test
    void eventArrayCapacityAndIndexAreChecked() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> EpollEvents.allocate(backend(), 0));
        assertThrows(IllegalArgumentException.class, () -> EpollEvents.allocate(backend(), -5));
        assertThrows(IllegalArgumentException.class, () -> EpollEvents.allocate(backend(), Integer.MAX_VALUE));
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 2);
             EventFd efd = EventFd.open(backend(), true)) {
            assertThrows(IllegalArgumentException.class, () -> epoll.wait(events, -2));
            efd.signal();
            epoll.add(efd, Epoll.IN, 0);
            assertEquals(1, epoll.wait(events, 0));
            events.data(0);
            assertThrows(IndexOutOfBoundsException.class, () -> events.data(1));
            assertThrows(IndexOutOfBoundsException.class, () -> events.events(-1));
        }
    }

    @Test
    void epollDescriptorIsCloseOnExec() throws Exception {
        try (Epoll epoll = Epoll.open(backend())) {
            try (Descriptor view = Descriptor.borrow(backend(), epoll.fd())) {
                assertTrue(view.isCloseOnExec());
            }
            assertTrue(FdLeakCheck.isOpen(epoll.fd()), "closing a borrowed view leaves the descriptor open");
        }
    }

    @Test
    void flagNames() {
        assertEquals("IN|OUT|RDHUP|ET", Epoll.toString(Epoll.IN | Epoll.OUT | Epoll.RDHUP | Epoll.ET));
        assertEquals("IN|EXCLUSIVE|ONESHOT", Epoll.toString(Epoll.IN | Epoll.EXCLUSIVE | Epoll.ONESHOT));
        assertEquals("0", Epoll.toString(0));
    }

    @Test
    void readWriteThroughEpollLoopMovesBytesExactly() throws Exception {
        Socket[] pair = Socket.pair(backend(), true);
        byte[] payload = new byte[300_000];
        new java.util.Random(1).nextBytes(payload);
        try (Epoll epoll = Epoll.open(backend()); EpollEvents events = EpollEvents.allocate(backend(), 4);
             Socket a = pair[0]; Socket b = pair[1]) {
            epoll.add(a, Epoll.OUT | Epoll.ET, 1);
            epoll.add(b, Epoll.IN | Epoll.ET, 2);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            int sent = 0;
            byte[] buf = new byte[8192];
            while (got.size() < payload.length) {
                int n = epoll.wait(events, 1000);
                assertTrue(n > 0, "stalled at " + got.size());
                for (int i = 0; i < n; i++) {
                    if (events.data(i) == 1) {
                        int w;
                        while (sent < payload.length && (w = a.write(payload, sent, payload.length - sent)) > 0) {
                            sent += w;
                        }
                    } else {
                        int r;
                        while ((r = b.read(buf, 0, buf.length)) > 0) {
                            got.write(buf, 0, r);
                        }
                    }
                }
            }
            assertArrayEquals(payload, got.toByteArray());
            writeFully(a, bytes("end"));
            assertArrayEquals(bytes("end"), readExactly(b, 3));
        }
    }
}
