package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
class SelectTest {

    @Test
    void readableAndWritable() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); Select select = Select.open(backend(), 1024)) {
            int r = pipe.source().fd();
            int w = pipe.sink().fd();
            select.add(r, Select.READ);
            select.add(pipe.sink(), Select.WRITE);
            assertEquals(1, select.select(0));
            assertFalse(select.isReadable(r));
            assertTrue(select.isWritable(w));
            writeFully(pipe.sink(), bytes("s"));
            assertEquals(2, select.select(0));
            assertTrue(select.isReadable(r));
            assertEquals(Select.READ, select.ready(r));
            assertEquals(Select.READ, select.interest(r));
        }
    }

    /**
     * A timeout too long to express in nanoseconds waits (practically) for ever, until woken:
     * {@code timeoutMillis * 1_000_000} used to overflow and return at once.
     */
    @Test
    void hugeTimeoutsWaitUntilWokenByAnotherThread() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            for (long timeout : new long[] {Long.MAX_VALUE, Long.MAX_VALUE / 1000, 9_300_000_000_000L}) {
                try (EventFd wakeup = EventFd.open(backend(), true); Select select = Select.open(backend(), 1024)) {
                    select.add(wakeup, Select.READ);
                    AtomicInteger tid = new AtomicInteger();
                    Future<Integer> selected = thread.submit(() -> {
                        tid.set(Signals.threadId(backend()));
                        return select.select(timeout);
                    });
                    TestSupport.awaitBlockedIn(tid, TestSupport.selectCalls(), selected);
                    wakeup.signal();
                    assertEquals(1, selected.get(10, TimeUnit.SECONDS), "timeout " + timeout);
                    assertTrue(select.isReadable(wakeup.fd()));
                }
            }
        } finally {
            thread.shutdown();
            assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** EXCEPT: TCP urgent data, sent by a JDK socket (iomux's Socket has no MSG_OOB). */
    @Test
    void exceptOnTcpUrgentData() throws Exception {
        try (Socket listener = Socket.listenTcp(backend(), new java.net.InetSocketAddress("127.0.0.1", 0), 4, false);
             java.net.Socket peer = new java.net.Socket()) {
            peer.connect(listener.localAddress());
            try (Socket server = listener.accept(true); Select select = Select.open(backend(), 1024)) {
                select.add(server, Select.EXCEPT);
                assertEquals(0, select.select(0));
                peer.sendUrgentData('!');
                assertEquals(1, select.select(5000));
                assertEquals(Select.EXCEPT, select.ready(server.fd()));
            }
        }
    }

    /** glibc's fd_set stops at 1024; the kernel does not. */
    @Test
    void descriptorsAbove1024() throws Exception {
        ResourceLimit.raiseSoft(backend(), ResourceLimit.NOFILE, 4200);
        long soft = ResourceLimit.get(backend(), ResourceLimit.NOFILE).soft();
        org.junit.jupiter.api.Assumptions.assumeTrue(soft >= 4200, "RLIMIT_NOFILE is " + soft);
        List<Descriptor> high = new ArrayList<>();
        try (Pipe pipe = Pipe.open(backend(), true); Select select = Select.open(backend(), 4200)) {
            // F_DUPFD gives the lowest free number >= the argument: place copies far above 1024
            for (int at : new int[] {1100, 2047, 2048, 4100}) {
                Descriptor d = pipe.source().duplicate(at);
                high.add(d);
                assertTrue(d.fd() >= at);
                select.add(d, Select.READ);
            }
            assertEquals(0, select.select(0));
            writeFully(pipe.sink(), bytes("x"));
            assertEquals(high.size(), select.select(0));
            for (Descriptor d : high) {
                assertTrue(select.isReadable(d.fd()), "fd " + d.fd());
            }
            assertFalse(select.isReadable(pipe.source().fd()), "not asked for");
            select.remove(high.get(3).fd());
            assertEquals(3, select.select(0));
            assertFalse(select.isReadable(high.get(3).fd()));
        } finally {
            high.forEach(Descriptor::close);
        }
    }

    @Test
    void onlyTheReadyAmongManyAreReported() throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        try (Select select = Select.open(backend(), 2048)) {
            for (int i = 0; i < 300; i++) {
                Pipe p = Pipe.open(backend(), true);
                pipes.add(p);
                select.add(p.source(), Select.READ);
            }
            java.util.Random random = new java.util.Random(3);
            for (int round = 0; round < 20; round++) {
                Pipe ready = pipes.get(random.nextInt(pipes.size()));
                writeFully(ready.sink(), bytes("r"));
                assertEquals(1, select.select(1000));
                for (Pipe p : pipes) {
                    assertEquals(p == ready, select.isReadable(p.source().fd()));
                }
                int fd = ready.source().fd();
                assertEquals(fd, select.nextReady(0), "the one ready descriptor, found word by word");
                assertEquals(fd, select.nextReady(fd));
                assertEquals(-1, select.nextReady(fd + 1));
                assertEquals(1, ready.source().read(new byte[1], 0, 1));
            }
        } finally {
            pipes.forEach(Pipe::close);
        }
    }

    /** Sets without members go to the kernel as NULL; the others still report, in any combination. */
    @Test
    void nextReadyVisitsEveryReadyDescriptorOfEverySet() throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        try (Select select = Select.open(backend(), 1024)) {
            for (int i = 0; i < 70; i++) {
                pipes.add(Pipe.open(backend(), true));
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < pipes.size(); i++) {
                Pipe p = pipes.get(i);
                select.add(p.source(), Select.READ);
                if (i % 3 == 0) {
                    writeFully(p.sink(), bytes("x"));
                    expected.add(p.source().fd());
                }
            }
            assertEquals(expected.size(), select.select(0));
            assertEquals(expected, readyFds(select));
            assertEquals(0, select.ready(pipes.get(0).sink().fd()), "the write set was not passed");
            select.add(pipes.get(1).sink(), Select.WRITE); // a pipe with room is writable
            expected.add(pipes.get(1).sink().fd());
            expected.sort(null);
            assertEquals(expected.size(), select.select(0));
            assertEquals(expected, readyFds(select));
            assertEquals(Select.WRITE, select.ready(pipes.get(1).sink().fd()));
            assertThrows(IndexOutOfBoundsException.class, () -> select.nextReady(-1));
            assertEquals(-1, select.nextReady(1 << 20), "beyond the sets: nothing");
        } finally {
            pipes.forEach(Pipe::close);
        }
    }

    private static List<Integer> readyFds(Select select) {
        List<Integer> fds = new ArrayList<>();
        for (int fd = select.nextReady(0); fd >= 0; fd = select.nextReady(fd + 1)) {
            fds.add(fd);
        }
        return fds;
    }

    @Test
    void timeoutsAndWakeup() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); Select select = Select.open(backend(), 64)) {
            select.add(pipe.source(), Select.READ);
            long start = System.nanoTime();
            assertEquals(0, select.select(20));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(19), "returned before its timeout");
            assertFalse(select.isReadable(pipe.source().fd()));
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(50);
                    writeFully(pipe.sink(), bytes("w"));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            assertEquals(1, select.select(-1));
            writer.join();
        }
    }

    /**
     * A handle closed while in the sets: select throws before the call, so the number, reused
     * here by a readable pipe, is never watched; what the failed select held is released again.
     */
    @Test
    void aHandleClosedInTheSetsIsRefusedBeforeTheCall() throws Exception {
        try (Select select = Select.open(backend(), 1024)) {
            Pipe kept = Pipe.open(backend(), true);
            select.add(kept.source(), Select.READ);
            Pipe closed = Pipe.open(backend(), true);
            int number = closed.source().fd();
            select.add(closed.source(), Select.READ);
            closed.close();
            try (Pipe next = Pipe.open(backend(), true);
                 Descriptor reused = next.source().fd() == number ? null : next.source().duplicate(number)) {
                writeFully(next.sink(), bytes("x"));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> select.select(0));
                assertTrue(e.getMessage().contains("(fd " + number + ") is closed"), e.getMessage());
                select.remove(number);
                assertEquals(0, select.select(0));
                select.add(number, Select.READ); // as a raw number it is the caller's: now the new pipe
                assertEquals(1, select.select(0));
                assertTrue(select.isReadable(number));
            }
            int keptNumber = kept.source().fd();
            kept.close();
            assertFalse(FdLeakCheck.isOpen(keptNumber), "no select holds the kept handle any more: closed at once");
        }
    }

    @Test
    void badInput() throws Exception {
        try (Select select = Select.open(backend(), 128)) {
            assertEquals(Abi.EBADF, assertThrows(ErrnoException.class, () -> select.add(-3, Select.READ)).errno());
            assertThrows(IndexOutOfBoundsException.class, () -> select.add(128, Select.READ));
            assertThrows(IllegalArgumentException.class, () -> select.add(3, 8));
            assertThrows(IllegalArgumentException.class, () -> select.select(-2));
            Pipe pipe = Pipe.open(backend(), true);
            int number = pipe.source().fd();
            select.add(number, Select.READ);
            pipe.close();
            ErrnoException e = assertThrows(ErrnoException.class, () -> select.select(0));
            assertEquals(Abi.EBADF, e.errno());
            assertEquals("select", e.syscall());
        }
        assertThrows(IllegalArgumentException.class, () -> Select.open(backend(), 0));
        assertThrows(IllegalArgumentException.class, () -> Select.open(backend(), Select.MAX_FD_LIMIT + 1));
        Select closed = Select.open(backend(), 64);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.select(0));
    }
}
