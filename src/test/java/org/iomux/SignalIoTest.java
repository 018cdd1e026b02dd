package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.calls;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The signal-driven I/O dispatcher, against the backend under test. */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignalIoTest {

    /** One handler call, as the test records it. */
    static final class Event {
        final Descriptor descriptor;
        final int band;
        final SignalIo.Code code;
        final Thread thread;

        Event(Descriptor descriptor, int band, SignalIo.Code code) {
            this.descriptor = descriptor;
            this.band = band;
            this.code = code;
            this.thread = Thread.currentThread();
        }

        @Override
        public String toString() {
            return code + " band=0x" + Integer.toHexString(band) + " " + descriptor;
        }
    }

    private static Event next(BlockingQueue<Event> events) throws InterruptedException {
        Event e = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(e, "no event within 10 s");
        return e;
    }

    /** A builder for the dispatcher under test (the backend under test). */
    SignalIo.Builder builder() {
        return SignalIo.builder().backend(backend());
    }

    /** How {@link #builder()}'s dispatchers take their signals. */
    SignalIo.Method expectedMethod() {
        return SignalIo.Method.SIGNALFD;
    }

    private SignalIo dispatcher() throws ErrnoException {
        return builder().start();
    }

    /**
     * One write, one event. "Nothing more" is checked by order, not by waiting: a sentinel socket
     * registered with the same signal is written to afterwards, and the kernel queues a thread's
     * signals of one number in order, so a second event for the first write would come before the
     * sentinel's.
     */
    @Test
    void readableSocketDeliversOneEventWithItsFdAndBand() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(backend(), false);
        Socket[] sentinelPair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket b = pair[1];
             Socket sentinel = sentinelPair[0]; Socket sentinelPeer = sentinelPair[1]) {
            SignalIo.Handler recordAndDrain = (d, band, code) -> {
                events.add(new Event(d, band, code));
                while (d.read(new byte[64], 0, 64) > 0) {
                    // drain to EAGAIN: signal-driven I/O is edge-like
                }
            };
            io.register(a, recordAndDrain);
            io.register(sentinel, recordAndDrain);
            assertEquals(expectedMethod(), io.method());
            assertTrue(a.isNonBlocking() && a.isAsync(), "register makes it non-blocking and O_ASYNC");
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.THREAD, io.threadId()), a.ownerEx());
            assertEquals(io.signal(), a.ioSignal());
            writeFully(b, bytes("hello"));
            Event e = next(events);
            assertTrue(e.descriptor == a);
            assertEquals(SignalIo.Code.IN, e.code);
            assertTrue((e.band & Poll.IN) != 0, e.toString());
            assertTrue(io.isDispatcherThread(e.thread), "handlers run on the dispatcher thread");
            writeFully(sentinelPeer, bytes("s"));
            assertTrue(next(events).descriptor == sentinel, "exactly one event for the write");
            writeFully(b, bytes("again"));
            e = next(events);
            assertTrue(e.descriptor == a && e.code == SignalIo.Code.IN, "a new edge, a new event: " + e);
            writeFully(sentinelPeer, bytes("s"));
            assertTrue(next(events).descriptor == sentinel, "exactly one event for the second write");
            assertTrue(events.isEmpty(), events.toString());
            assertEquals(0, io.strays());
            assertEquals(4, io.events());
        }
    }

    @Test
    void writableAfterThePeerDrains() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(backend(), true);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket b = pair[1]) {
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            byte[] chunk = new byte[65536];
            // POLL_OUT is armed by a write that fails with EAGAIN while O_ASYNC is on
            while (a.write(chunk, 0, chunk.length) > 0) {
                // fill the socket until EAGAIN
            }
            assertTrue(events.isEmpty(), "writability is not reported at registration: " + events);
            while (b.read(chunk, 0, chunk.length) > 0) {
                // the peer drains: room to write again
            }
            Event e = next(events);
            assertEquals(SignalIo.Code.OUT, e.code, e.toString());
            assertTrue((e.band & Poll.OUT) != 0, e.toString());
        }
    }

    @Test
    void peerCloseIsReported() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]) {
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            pair[1].close();
            Event e = next(events);
            assertTrue(e.code == SignalIo.Code.HUP || e.code == SignalIo.Code.IN, e.toString());
            assertTrue((e.band & (Poll.HUP | Poll.IN)) != 0, e.toString());
            assertEquals(Descriptor.EOF, a.read(new byte[8], 0, 8));
        }
    }

    @Test
    void listeningSocketOnConnect() throws Exception {
        BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
        try (SignalIo io = dispatcher();
             Socket listener = Socket.listenTcp(backend(), new InetSocketAddress("127.0.0.1", 0), 16, false)) {
            io.register(listener, (d, band, code) -> {
                for (Socket s; (s = ((Socket) d).accept(true)) != null; ) {
                    accepted.add(s);
                }
            });
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket c = Socket.tcp(backend(), new InetSocketAddress("127.0.0.1", 0), false);
                    clients.add(c);
                    c.connect(listener.localAddress());
                }
                for (int i = 0; i < 3; i++) {
                    Socket s = accepted.poll(10, TimeUnit.SECONDS);
                    assertNotNull(s, "connection " + i + " was not signalled");
                    s.close();
                }
            } finally {
                clients.forEach(Socket::close);
            }
        }
    }

    @Test
    void readinessBeforeRegistrationIsNotLost() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket b = pair[1]) {
            writeFully(b, bytes("early"));
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            Event e = next(events);
            assertEquals(SignalIo.Code.POLLED, e.code);
            assertTrue((e.band & Poll.IN) != 0);
        }
    }

    @Test
    void thousandDescriptorsAllDelivered() throws Exception {
        int count = 1000;
        Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Socket> sockets = new ArrayList<>();
        try (SignalIo io = dispatcher()) {
            List<Socket> peers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Socket[] pair = Socket.pair(backend(), false);
                sockets.add(pair[0]);
                sockets.add(pair[1]);
                peers.add(pair[1]);
                io.register(pair[0], (d, band, code) -> {
                    if ((band & Poll.IN) != 0) {
                        byte[] one = new byte[8];
                        if (d.read(one, 0, 8) > 0) {
                            seen.add(d.fd());
                        }
                    }
                });
            }
            for (Socket peer : peers) {
                writeFully(peer, new byte[] {1});
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(count, seen.size(), "every descriptor reported (overflows: " + io.overflows() + ")");
        } finally {
            sockets.forEach(Socket::close);
        }
    }

    /**
     * With RLIMIT_SIGPENDING lowered far below the number of ready descriptors the real-time queue
     * overflows; the kernel then sends SIGIO, and the dispatcher must still report every one.
     */
    @Test
    void queueOverflowLosesNothing() throws Exception {
        int count = 300;
        ResourceLimit saved = ResourceLimit.get(backend(), ResourceLimit.SIGPENDING);
        Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Socket> sockets = new ArrayList<>();
        BlockingQueue<Boolean> gate = new LinkedBlockingQueue<>();
        try (SignalIo io = dispatcher()) {
            List<Socket> peers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Socket[] pair = Socket.pair(backend(), false);
                sockets.add(pair[0]);
                sockets.add(pair[1]);
                peers.add(pair[1]);
                io.register(pair[0], io.signal(), Poll.IN, (d, band, code) -> {
                    byte[] one = new byte[8];
                    if (d.read(one, 0, 8) > 0) {
                        seen.add(d.fd());
                    }
                });
            }
            // hold the dispatcher inside a handler while every signal is generated, so the queue fills
            Socket[] gatePair = Socket.pair(backend(), false);
            sockets.add(gatePair[0]);
            sockets.add(gatePair[1]);
            java.util.concurrent.atomic.AtomicBoolean parked = new java.util.concurrent.atomic.AtomicBoolean();
            io.register(gatePair[0], (d, band, code) -> {
                d.read(new byte[8], 0, 8);
                if (parked.compareAndSet(false, true)) {
                    gate.take(); // once: a second event for the gate (poll at registration) passes
                }
            });
            writeFully(gatePair[1], new byte[] {0});
            ResourceLimit.set(backend(), ResourceLimit.SIGPENDING, new ResourceLimit(16, saved.hard()));
            try {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!parked.get() && System.nanoTime() < until) {
                    Thread.sleep(1); // wait until the dispatcher is parked in the gate handler
                }
                assertTrue(parked.get());
                for (Socket peer : peers) {
                    writeFully(peer, new byte[] {1});
                }
            } finally {
                ResourceLimit.set(backend(), ResourceLimit.SIGPENDING, saved);
                gate.add(Boolean.TRUE);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(count, seen.size(), "every ready descriptor reported despite the overflow");
            assertTrue(io.overflows() > 0, "the overflow was noticed and counted");
        } finally {
            sockets.forEach(Socket::close);
        }
    }

    /**
     * A steady flow of signals, here a handler whose work raises the next signal (a chain of
     * operations, as in the scaling benchmark), must not keep the dispatcher from taking newcomers
     * or from closing: it handles one batch at a time. With a batch of 1 every read fills the batch,
     * so the queue is never seen empty, and the newcomer is armed by its marker alone.
     */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {64, 1})
    void aSteadyFlowOfSignalsDoesNotStarveRegistrationOrClose(int batch) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong links = new java.util.concurrent.atomic.AtomicLong();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            SignalIo io = builder().batch(batch).start();
            try {
                byte[] one = new byte[1];
                io.register(a, (d, band, code) -> {
                    if (d.read(one, 0, 1) == 1 && !stop.get()) {
                        links.incrementAndGet();
                        a2.write(one, 0, 1); // the next link: a new signal for a, queued at once
                    }
                });
                writeFully(a2, new byte[] {1});
                while (links.get() < 1000) {
                    Thread.onSpinWait();
                }
                caller.submit(() -> {
                    io.register(c, (d, band, code) -> events.add(new Event(d, band, code)));
                    return null;
                }).get(10, TimeUnit.SECONDS);
                writeFully(c2, bytes("c"));
                assertTrue(next(events).descriptor == c, "a newcomer is served amid the flow");
                caller.submit(() -> {
                    io.close();
                    return null;
                }).get(10, TimeUnit.SECONDS);
                assertFalse(io.isOpen());
            } finally {
                stop.set(true); // ends the chain, should the dispatcher be stuck in it
                io.close();
            }
        } finally {
            caller.shutdownNow();
        }
    }

    /**
     * A plain SIGIO means a queue overflow only when the kernel sent it (si_code > 0); one sent with
     * kill or tgkill is a stray, and makes no sweep.
     */
    @Test
    void aSigioSentByAThreadIsAStrayNotAnOverflow() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket b = pair[1]) {
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            Signals.killThread(backend(), io.threadId(), Abi.SIGIO); // blocked there: it queues
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (io.strays() == 0 && io.overflows() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(1, io.strays());
            assertEquals(0, io.overflows());
            writeFully(b, bytes("x"));
            Event e = next(events);
            assertEquals(SignalIo.Code.IN, e.code, "no sweep (which would report POLLED): " + e);
        }
    }

    /**
     * A signal queued for a descriptor that is then unregistered and closed must not reach a new
     * descriptor that gets the same number: the kernel identifies it by number only (si_fd). Made
     * deterministic by holding the dispatcher in another handler while the stale signal is queued and
     * the number reused. With a batch of 1 every read fills the batch, so the dispatcher cannot wait
     * for an empty queue and must find where the stale signals end by other means.
     */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {64, 1})
    void aStaleSignalDoesNotReachANewDescriptorWithTheSameNumber(int batch) throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        java.util.concurrent.CountDownLatch parked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        Socket[] g = Socket.pair(backend(), false);
        Socket[] p1 = Socket.pair(backend(), false);
        List<Descriptor> open = new ArrayList<>(List.of(g[0], g[1], p1[0], p1[1]));
        try (SignalIo io = builder().batch(batch).start()) {
            io.register(g[0], (d, band, code) -> {
                d.read(new byte[8], 0, 8);
                if (once.compareAndSet(false, true)) {
                    parked.countDown();
                    gate.await();
                }
            });
            Socket a = p1[0];
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            int number = a.fd();
            writeFully(g[1], new byte[] {0});
            assertTrue(parked.await(10, TimeUnit.SECONDS));
            // the dispatcher is busy: the peer's close queues a POLL_HUP (or POLL_IN) for the number
            p1[1].close();
            assertTrue(io.unregister(a));
            a.close();
            Socket[] p2 = Socket.pair(backend(), false);
            open.add(p2[0]);
            open.add(p2[1]);
            Descriptor b = p2[0].fd() == number ? p2[0] : p2[0].duplicate(number);
            open.add(b);
            assertEquals(number, b.fd(), "the number is reused");
            java.util.concurrent.Future<?> registered = caller.submit(() -> {
                io.register(b, (d, band, code) -> events.add(new Event(d, band, code)));
                return null;
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!b.isAsync() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // register has set it up, and waits for the parked dispatcher
            }
            assertTrue(b.isAsync());
            gate.countDown();
            registered.get(10, TimeUnit.SECONDS);
            writeFully(p2[1], bytes("fresh"));
            Event e = next(events);
            assertTrue(e.descriptor == b && e.code == SignalIo.Code.IN,
                    "the new descriptor's first event is its own, not the stale one: " + e);
            assertTrue(io.dropped() >= 1, "the stale signal was dropped");
        } finally {
            gate.countDown();
            caller.shutdownNow();
            open.forEach(Descriptor::close);
        }
    }

    /**
     * The dispatcher's hot path allocates nothing: over a chain of dispatches (a handler that reads
     * its byte into a preallocated array and writes the next), after a warm-up, the dispatcher
     * thread's allocated-bytes counter (which covers the loop, the signal reads, the dispatch, and this
     * handler's reads and writes) shows no allocation per dispatch.
     */
    @Test
    void theDispatchPathAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int warmUp = 20_000;
        int measured = 50_000;
        long[] allocated = new long[2];
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Socket[] pair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket a2 = pair[1]) {
            byte[] one = new byte[1];
            int[] links = new int[1]; // dispatcher thread only
            io.register(a, (d, band, code) -> {
                if (d.read(one, 0, 1) != 1) {
                    return;
                }
                int n = ++links[0];
                if (n == warmUp) {
                    allocated[0] = mx.getCurrentThreadAllocatedBytes();
                } else if (n == warmUp + measured) {
                    allocated[1] = mx.getCurrentThreadAllocatedBytes();
                    done.countDown();
                    return;
                }
                a2.write(one, 0, 1);
            });
            writeFully(a2, new byte[] {1});
            assertTrue(done.await(60, TimeUnit.SECONDS), "the chain ran");
            // under a byte per dispatch: an allocation per dispatch would be 16 bytes or more each;
            // what remains (a few hundred bytes, at times a few kilobytes) is the JIT's doing, such
            // as a deoptimization rematerialising an object it had scalar-replaced
            long bytes = allocated[1] - allocated[0];
            assertTrue(bytes < measured, bytes + " bytes allocated by the dispatcher thread over " + measured + " dispatches");
            assertEquals(0, io.strays());
        }
    }

    @Test
    void unregisterStopsDeliveryAndRestores() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            Descriptor.Owner owner = a.ownerEx();
            int flags = a.statusFlags();
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            io.register(c, (d, band, code) -> events.add(new Event(d, band, code)));
            assertTrue(io.unregister(a));
            assertFalse(io.unregister(a), "not registered any more");
            assertEquals(flags, a.statusFlags(), "flags restored: blocking, no O_ASYNC");
            assertEquals(owner, a.ownerEx());
            assertEquals(0, a.ioSignal());
            writeFully(a2, bytes("ignored"));
            writeFully(c2, bytes("seen"));
            // signals of one number queue in order: had a's been sent, it would come before c's
            Event e = next(events);
            assertTrue(e.descriptor == c, "only the registered descriptor reports: " + e);
            assertTrue(events.isEmpty());
        }
    }

    /**
     * unregister from another thread returns only once a handler call already running for that
     * descriptor has finished: afterwards the caller may close it or free what the handler uses.
     */
    @Test
    void unregisterWaitsForARunningHandlerCall() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Socket[] pair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket b = pair[1]) {
            io.register(a, (d, band, code) -> {
                calls.incrementAndGet();
                entered.countDown();
                release.await();
                // one read: unregister has made the socket blocking again by now
                assertEquals(1, d.read(new byte[16], 0, 16));
                finished.set(true);
            });
            writeFully(b, bytes("x"));
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the handler runs, and blocks");
            java.util.concurrent.CompletableFuture<Boolean> finishedWhenReturned = new java.util.concurrent.CompletableFuture<>();
            Thread unregistering = new Thread(() -> {
                try {
                    assertTrue(io.unregister(a));
                    finishedWhenReturned.complete(finished.get());
                } catch (Throwable t) {
                    finishedWhenReturned.completeExceptionally(t);
                }
            });
            unregistering.start();
            // release the handler once unregister has either returned or is waiting for it
            while (!finishedWhenReturned.isDone() && unregistering.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            release.countDown();
            assertTrue(finishedWhenReturned.get(10, TimeUnit.SECONDS), "unregister returned before the handler call ended");
            unregistering.join();
            assertEquals(1, calls.get());
            assertFalse(a.isAsync());
        }
    }

    @Test
    void closingRestoresFlagsOwnerAndSignalAndEndsTheThread() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        try (Socket a = pair[0]; Socket b = pair[1]) {
            a.setOwner(Signals.processId(backend()));
            Descriptor.Owner owner = a.ownerEx();
            int flags = a.statusFlags();
            SignalIo io = dispatcher();
            int sig = io.signal();
            int tid = io.threadId();
            // read in a handler: while the thread waits in sigtimedwait the kernel unblocks the waited-for
            // signals (do_sigtimedwait keeps the real mask in real_blocked), and /proc shows that
            BlockingQueue<Long> masks = new LinkedBlockingQueue<>();
            io.register(a, (d, band, code) -> {
                masks.add(Long.parseLong(taskStatus(Signals.threadId(backend()), "SigBlk"), 16));
                while (d.read(new byte[16], 0, 16) > 0) {
                    // drain
                }
            });
            assertTrue(Files.exists(Path.of("/proc/self/task/" + tid)));
            writeFully(b, bytes("mask?"));
            Long blocked = masks.poll(10, TimeUnit.SECONDS);
            assertNotNull(blocked);
            assertTrue((blocked & (1L << (sig - 1))) != 0 && (blocked & (1L << (Abi.SIGIO - 1))) != 0,
                    "the dispatcher thread blocks its signal and SIGIO: " + Long.toHexString(blocked));
            assertEquals(Signals.Disposition.IGNORE, Signals.disposition(backend(), sig), "while in use");
            writeFully(b, bytes("pending"));
            io.close();
            io.close();
            assertFalse(io.isOpen());
            assertEquals(flags, a.statusFlags());
            assertEquals(owner, a.ownerEx());
            assertEquals(0, a.ioSignal());
            // the thread does not unblock its signals on the way out: it ends, and its mask and
            // whatever was still pending for it end with it
            assertTrue(TestSupport.awaitTaskGone(tid), "the dispatcher thread has ended");
            assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(backend(), sig), "disposition restored");
            assertEquals(0L, Long.parseLong(procStatus("ShdPnd"), 16), "nothing left pending");
            assertThrows(IllegalStateException.class, () -> io.register(a, (d, band, code) -> { }));
        }
    }

    /**
     * register, unregister and close from several threads at once, many times: whoever wins, register
     * either succeeds or says the dispatcher is closed (never ESRCH, never a hang), and once close()
     * has returned every descriptor has its flags, owner and signal back, none left pointing at the
     * dispatcher's thread, which is gone.
     */
    @Test
    void registerUnregisterAndCloseRacingFromSeveralThreads() throws Exception {
        int rounds = 150;
        int workers = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers + 1);
        try {
            for (int round = 0; round < rounds; round++) {
                List<Socket> sockets = new ArrayList<>();
                try {
                    SignalIo io = dispatcher();
                    int tid = io.threadId();
                    Socket[] mine = new Socket[workers];
                    int[] flags = new int[workers];
                    Descriptor.Owner[] owners = new Descriptor.Owner[workers];
                    for (int w = 0; w < workers; w++) {
                        Socket[] pair = Socket.pair(backend(), w % 2 == 0);
                        sockets.add(pair[0]);
                        sockets.add(pair[1]);
                        mine[w] = pair[0];
                        flags[w] = pair[0].statusFlags();
                        owners[w] = pair[0].ownerEx();
                    }
                    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
                    for (int w = 0; w < workers; w++) {
                        Socket s = mine[w];
                        futures.add(pool.submit(() -> {
                            go.await();
                            for (int i = 0; i < 50; i++) {
                                try {
                                    io.register(s, (d, band, code) -> { });
                                } catch (IllegalStateException closed) {
                                    assertFalse(io.isOpen(), "only a closed dispatcher refuses: " + closed);
                                    return null;
                                }
                                io.unregister(s);
                            }
                            io.register(s, (d, band, code) -> { }); // and leave it registered, or be refused
                            return null;
                        }));
                    }
                    int delay = java.util.concurrent.ThreadLocalRandom.current().nextInt(200);
                    futures.add(pool.submit(() -> {
                        go.await();
                        long until = System.nanoTime() + delay * 1000L;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        io.close();
                        return null;
                    }));
                    go.countDown();
                    for (java.util.concurrent.Future<?> f : futures) {
                        try {
                            f.get(30, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.ExecutionException e) {
                            if (!(e.getCause() instanceof IllegalStateException) || io.isOpen()) {
                                throw new AssertionError("round " + round, e.getCause());
                            }
                        }
                    }
                    io.close();
                    for (int w = 0; w < workers; w++) {
                        assertEquals(flags[w], mine[w].statusFlags(), "round " + round + ": flags restored (no O_ASYNC)");
                        assertEquals(owners[w], mine[w].ownerEx(), "round " + round + ": owner restored");
                        assertEquals(0, mine[w].ioSignal(), "round " + round + ": signal restored");
                    }
                    assertTrue(TestSupport.awaitTaskGone(tid));
                } finally {
                    sockets.forEach(Socket::close);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0L, Long.parseLong(procStatus("ShdPnd"), 16), "nothing left pending");
    }

    private static String taskStatus(int tid, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError(field);
    }

    private static String procStatus(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError(field);
    }

    @Test
    void aThrowingHandlerDoesNotStopTheDispatcher() throws Exception {
        BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (SignalIo io = builder().onFailure((d, t) -> failures.add(t)).start();
             Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            io.register(a, (d, band, code) -> {
                throw new IllegalStateException("handler bug");
            });
            io.register(c, (d, band, code) -> events.add(new Event(d, band, code)));
            writeFully(a2, bytes("boom"));
            assertEquals("handler bug", failures.poll(10, TimeUnit.SECONDS).getMessage());
            writeFully(c2, bytes("fine"));
            assertTrue(next(events).descriptor == c, "still dispatching");
            assertEquals(1, io.handlerFailures());
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    /** A StackOverflowError is a VirtualMachineError, but one the thread survives: a handler failure like any other. */
    @Test
    void aHandlerThatOverflowsItsStackIsReportedAndDispatchingGoesOn() throws Exception {
        BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (SignalIo io = builder().onFailure((d, t) -> failures.add(t)).start();
             Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            io.register(a, (d, band, code) -> recurse(0));
            io.register(c, (d, band, code) -> events.add(new Event(d, band, code)));
            writeFully(a2, bytes("deep"));
            Throwable t = failures.poll(10, TimeUnit.SECONDS);
            assertTrue(t instanceof StackOverflowError, String.valueOf(t));
            writeFully(c2, bytes("fine"));
            assertTrue(next(events).descriptor == c, "still dispatching");
            assertEquals(1, io.handlerFailures());
            assertTrue(io.isOpen());
        }
    }

    /** A failure listener that throws, even an Error, is ignored: the dispatcher goes on. */
    @Test
    void aThrowingFailureListenerDoesNotStopTheDispatcher() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (SignalIo io = builder().onFailure((d, t) -> {
                 throw new AssertionError("listener bug");
             }).start();
             Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            io.register(a, (d, band, code) -> {
                throw new IllegalStateException("handler bug");
            });
            io.register(c, (d, band, code) -> events.add(new Event(d, band, code)));
            writeFully(a2, bytes("boom"));
            writeFully(c2, bytes("fine"));
            assertTrue(next(events).descriptor == c, "still dispatching");
            assertEquals(1, io.handlerFailures());
            assertTrue(io.isOpen());
        }
    }

    /**
     * A fatal error (here InternalError) ends the dispatcher thread; it still restores what it set
     * up, and the dispatcher then says it is closed and refuses registrations.
     */
    @Test
    void aDispatcherWhoseThreadDiedIsClosedAndRefusesRegistrations() throws Exception {
        BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            int flags = a.statusFlags();
            Descriptor.Owner owner = a.ownerEx();
            SignalIo io = builder().onFailure((d, t) -> failures.add(t)).start();
            int sig = io.signal();
            int tid = io.threadId();
            io.register(a, (d, band, code) -> {
                throw new InternalError("fatal, on purpose");
            });
            writeFully(a2, bytes("die"));
            assertTrue(TestSupport.awaitTaskGone(tid), "the dispatcher thread ended");
            assertFalse(io.isOpen(), "a dispatcher whose thread ended is closed");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> io.register(c, (d, band, code) -> { }));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertFalse(c.isAsync(), "nothing set up on the refused descriptor");
            assertEquals(flags, a.statusFlags(), "restored on the way out");
            assertEquals(owner, a.ownerEx());
            assertEquals(0, a.ioSignal());
            assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(backend(), sig));
            assertTrue(failures.stream().anyMatch(t -> t instanceof InternalError), "reported: " + failures);
            io.close();
            assertEquals(0L, Long.parseLong(procStatus("ShdPnd"), 16), "nothing left pending");
        }
    }

    @Test
    void twoSignalsOneDispatcherAsInTheSeedServer() throws Exception {
        int min = Signals.realtimeMin(backend());
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (SignalIo io = builder().signals(min + 1, min + 2).start();
             Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            io.register(a, min + 1, (d, band, code) -> events.add(new Event(d, band, code)));
            io.register(c, min + 2, (d, band, code) -> events.add(new Event(d, band, code)));
            assertEquals(min + 1, a.ioSignal());
            assertEquals(min + 2, c.ioSignal());
            writeFully(c2, bytes("c"));
            assertTrue(next(events).descriptor == c);
            writeFully(a2, bytes("a"));
            assertTrue(next(events).descriptor == a);
        }
    }

    @Test
    void badInput(@TempDir Path dir) throws Exception {
        int min = Signals.realtimeMin(backend());
        assertThrows(IllegalArgumentException.class, () -> builder().signals(Abi.SIGUSR1).start());
        assertThrows(IllegalArgumentException.class, () -> builder().signals(min - 1).start());
        assertThrows(IllegalArgumentException.class, () -> builder().signals(65).start());
        assertThrows(IllegalArgumentException.class, () -> builder().signals(min + 1, min + 1).start());
        try (SignalIo io = dispatcher()) {
            SignalIo.Handler h = (d, band, code) -> { };
            Pipe closed = Pipe.open(backend(), true);
            closed.close();
            assertThrows(IllegalStateException.class, () -> io.register(closed.source(), h));
            try (Descriptor invalid = Descriptor.borrow(backend(), -1)) {
                assertEquals(Abi.EBADF, assertThrows(ErrnoException.class, () -> io.register(invalid, h)).errno());
            }
            Path file = Files.writeString(dir.resolve("regular"), "x");
            try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
                int fd = fdOf("regular");
                try (Descriptor regular = Descriptor.borrow(backend(), fd)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> io.register(regular, h));
                    assertTrue(e.getMessage().contains("O_ASYNC"), e.getMessage());
                }
            }
            try (EventFd efd = EventFd.open(backend(), true)) {
                assertThrows(IllegalArgumentException.class, () -> io.register(efd, h));
            }
            try (Pipe pipe = Pipe.open(backend(), false)) {
                assertThrows(IllegalArgumentException.class, () -> io.register(pipe.source(), io.signal() + 1, h),
                        "not one of the dispatcher's signals");
                io.register(pipe.source(), h);
                assertThrows(IllegalStateException.class, () -> io.register(pipe.source(), h), "registered twice");
                assertThrows(NullPointerException.class, () -> io.register(pipe.sink(), null));
                assertTrue(io.unregister(pipe.source()));
            }
        }
    }

    /**
     * A descriptor already set up for signal-driven I/O (by another dispatcher, or by hand) is
     * refused with a clear exception rather than silently taken over.
     */
    @Test
    void aDescriptorAlreadySetUpForSignalsIsRefused() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] p1 = Socket.pair(backend(), false);
        Socket[] p2 = Socket.pair(backend(), false);
        try (SignalIo one = dispatcher(); SignalIo two = dispatcher();
             Socket a = p1[0]; Socket a2 = p1[1]; Socket c = p2[0]; Socket c2 = p2[1]) {
            SignalIo.Handler h = (d, band, code) -> events.add(new Event(d, band, code));
            one.register(a, h);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> two.register(a, h));
            assertTrue(e.getMessage().contains("already set up for signal-driven I/O"), e.getMessage());
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.THREAD, one.threadId()), a.ownerEx(),
                    "still the first dispatcher's");
            assertEquals(one.signal(), a.ioSignal());
            writeFully(a2, bytes("x"));
            Event ev = next(events);
            assertTrue(ev.descriptor == a && one.isDispatcherThread(ev.thread), ev.toString());
            assertTrue(one.unregister(a));
            assertFalse(two.unregister(a), "never registered there");

            c.setAsync(true);
            assertThrows(IllegalStateException.class, () -> one.register(c, h), "O_ASYNC on");
            c.setAsync(false);
            c.setIoSignal(one.signal());
            assertThrows(IllegalStateException.class, () -> one.register(c, h), "F_SETSIG set");
            c.setIoSignal(0);
            c.setOwner(Descriptor.OwnerType.THREAD, Signals.threadId(backend()));
            assertThrows(IllegalStateException.class, () -> one.register(c, h), "a thread owner");
            c.setOwner(Descriptor.OwnerType.THREAD, 0);
            assertFalse(c.isAsync(), "a refusal changes nothing");
            int pid = Signals.processId(backend());
            c.setOwner(pid); // a process owner is only a previous owner, put back by unregister
            one.register(c, h);
            assertTrue(one.unregister(c));
            assertEquals(new Descriptor.Owner(Descriptor.OwnerType.PROCESS, pid), c.ownerEx());
        }
    }

    /**
     * A real-time signal that already has a handler (the JVM's, or another library's) is refused.
     * The handler here is the JVM's own SIGSEGV action, copied onto a free real-time signal for the
     * duration of the check; nothing sends that signal meanwhile.
     */
    @Test
    void aRealtimeSignalWithAHandlerIsRefused() throws Exception {
        int sig = Signals.realtimeMax(backend()) - 1;
        assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(backend(), sig));
        org.iomux.spi.StructLayout l = backend().layout();
        byte[] original = new byte[l.sigactionSize];
        byte[] jvmHandler = new byte[l.sigactionSize];
        try (NativeBuffer buffer = NativeBuffer.allocate(backend(), l.sigactionSize)) {
            assertEquals(0, calls().sigaction(sig, 0, buffer.address()));
            buffer.getBytes(0, original, 0, original.length);
            assertEquals(0, calls().sigaction(11, 0, buffer.address())); // SIGSEGV: HotSpot's handler
            buffer.getBytes(0, jvmHandler, 0, jvmHandler.length);
        }
        Signals.restoreDisposition(backend(), sig, jvmHandler);
        try {
            assertEquals(Signals.Disposition.HANDLER, Signals.disposition(backend(), sig));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> builder().signals(sig).start());
            assertTrue(e.getMessage().contains("has a handler"), e.getMessage());
            assertEquals(Signals.Disposition.HANDLER, Signals.disposition(backend(), sig), "left as it was");
        } finally {
            Signals.restoreDisposition(backend(), sig, original);
        }
        assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(backend(), sig));
    }

    /** A tgkill of the dispatcher's signal (si_code SI_TKILL, no descriptor) is a stray: counted, never dispatched. */
    @Test
    void aStrayThreadDirectedSignalIsCountedAndDispatchingGoesOn() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Socket[] pair = Socket.pair(backend(), false);
        try (SignalIo io = dispatcher(); Socket a = pair[0]; Socket b = pair[1]) {
            io.register(a, (d, band, code) -> events.add(new Event(d, band, code)));
            Signals.killThread(backend(), io.threadId(), io.signal());
            Signals.killThread(backend(), io.threadId(), io.signal());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (io.strays() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(2, io.strays());
            writeFully(b, bytes("x"));
            Event e = next(events);
            assertTrue(e.descriptor == a && e.code == SignalIo.Code.IN, e.toString());
            assertTrue(events.isEmpty(), "the strays reached no handler: " + events);
            assertEquals(2, io.strays());
            assertEquals(0, io.overflows());
        }
    }

    /**
     * What a pipe delivers: IN at the read end when written to, OUT at the write end when a read
     * frees room (pipe_read signals the writers on every read), IN at the read end when the last
     * writer closes, where a read then returns end of stream.
     */
    @Test
    void aPipeSignalsInAtTheReadEndAndOutAtTheWriteEnd() throws Exception {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (SignalIo io = dispatcher(); Pipe pipe = Pipe.open(backend(), false)) {
            Descriptor source = pipe.source();
            Descriptor sink = pipe.sink();
            io.register(source, (d, band, code) -> events.add(new Event(d, band, code)));
            io.register(sink, (d, band, code) -> events.add(new Event(d, band, code)));
            writeFully(sink, bytes("x"));
            Event e = next(events);
            assertTrue(e.descriptor == source && e.code == SignalIo.Code.IN && (e.band & Poll.IN) != 0, e.toString());
            assertEquals(1, source.read(new byte[8], 0, 8));
            e = next(events);
            assertTrue(e.descriptor == sink && e.code == SignalIo.Code.OUT && (e.band & Poll.OUT) != 0, e.toString());
            assertTrue(io.unregister(sink));
            sink.close();
            e = next(events);
            assertTrue(e.descriptor == source && e.code == SignalIo.Code.IN, e.toString());
            assertEquals(Descriptor.EOF, source.read(new byte[8], 0, 8));
            assertTrue(events.isEmpty(), events.toString());
        }
    }

    /** The descriptor number of the open file named {@code .../name}, found through /proc. */
    private static int fdOf(String name) throws Exception {
        try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : fds) {
                try {
                    if (Files.readSymbolicLink(p).toString().endsWith("/" + name)) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (java.io.IOException ignored) {
                    // closed meanwhile
                }
            }
        }
        throw new AssertionError("no descriptor for " + name);
    }

    /**
     * A process-directed copy of the dispatcher's signal, sent from outside with kill(1), must not
     * kill the JVM (the default action of a real-time signal) nor disturb the dispatcher.
     */
    @Test
    void strayProcessDirectedSignalIsHarmless() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-D" + Backends.PROPERTY + "=" + backend().name(),
                SignalIoChild.class.getName(), expectedMethod().name()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            OutputStream in = child.getOutputStream();
            String ready = out.readLine();
            assertTrue(ready != null && ready.startsWith("ready "), String.valueOf(ready));
            int sig = Integer.parseInt(ready.substring("ready ".length()));
            for (int i = 0; i < 5; i++) {
                Process kill = new ProcessBuilder("kill", "-s", String.valueOf(sig), String.valueOf(child.pid())).inheritIO().start();
                assertEquals(0, kill.waitFor(), "kill -s " + sig);
            }
            in.write("poke\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertEquals("event IN", out.readLine(), "the dispatcher still works");
            assertTrue(child.isAlive(), "the JVM survived the stray signals");
            in.write("quit\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String summary = out.readLine();
            assertTrue(summary != null && summary.startsWith("closed strays="), String.valueOf(summary));
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue());
        } finally {
            child.destroyForcibly();
        }
    }
}
