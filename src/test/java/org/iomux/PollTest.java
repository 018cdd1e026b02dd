package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.iomux.TestSupport.bytes;
import static org.iomux.TestSupport.writeFully;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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

@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PollTest {

    @Test
    void reportsReadableAndWritable() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); Poll poll = Poll.open(backend(), 2)) {
            int r = poll.add(pipe.source(), Poll.IN);
            int w = poll.add(pipe.sink(), Poll.OUT);
            assertEquals(1, poll.poll(0));
            assertEquals(0, poll.revents(r));
            assertEquals(Poll.OUT, poll.revents(w));
            writeFully(pipe.sink(), bytes("x"));
            assertEquals(2, poll.poll(0));
            assertEquals(Poll.IN, poll.revents(r));
            assertEquals(pipe.source().fd(), poll.fd(r));
            assertEquals(Poll.IN, poll.events(r));
        }
    }

    /** A raw number closed behind the set's back: POLLNVAL (placed high, so nothing reuses it meanwhile). */
    @Test
    void nvalForAClosedDescriptor() throws Exception {
        try (Poll poll = Poll.open(backend(), 1)) {
            int index;
            try (Pipe pipe = Pipe.open(backend(), true); Descriptor high = pipe.source().duplicate(900)) {
                index = poll.add(high.fd(), Poll.IN);
            }
            assertEquals(1, poll.poll(0));
            assertEquals(Poll.NVAL, poll.revents(index));
        }
    }

    /**
     * A handle closed while in the set: poll throws before the call, so the number, reused here
     * by a readable pipe, is never polled; what the failed poll held is released again.
     */
    @Test
    void aHandleClosedInTheSetIsRefusedBeforeTheCall() throws Exception {
        try (Poll poll = Poll.open(backend(), 2)) {
            Pipe kept = Pipe.open(backend(), true);
            poll.add(kept.source(), Poll.IN);
            Pipe closed = Pipe.open(backend(), true);
            int number = closed.source().fd();
            int index = poll.add(closed.source(), Poll.IN);
            closed.close();
            try (Pipe next = Pipe.open(backend(), true);
                 Descriptor reused = next.source().fd() == number ? null : next.source().duplicate(number)) {
                assertEquals(number, reused == null ? next.source().fd() : reused.fd(), "the old number is a new pipe's");
                writeFully(next.sink(), bytes("x"));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> poll.poll(0));
                assertTrue(e.getMessage().startsWith("poll entry 1: descriptor (fd " + number + ") is closed"), e.getMessage());
                assertEquals(0, poll.revents(index), "nothing was polled");
                poll.remove(index);
                assertEquals(0, poll.poll(0));
            }
            int keptNumber = kept.source().fd();
            kept.close();
            assertTrue(!FdLeakCheck.isOpen(keptNumber), "no poll holds the kept handle any more: closed at once");
        }
    }

    /** A socket closed by another thread while a poll waits on it: shut down, which wakes the poll; closed after. */
    @Test
    void closingASocketUnderABlockedPollWakesIt() throws Exception {
        Socket[] pair = Socket.pair(backend(), false);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Poll poll = Poll.open(backend(), 1); Socket peer = pair[1]) {
            Socket mine = pair[0];
            int number = mine.fd();
            poll.add(mine, Poll.IN);
            AtomicInteger tid = new AtomicInteger();
            Future<Integer> polled = thread.submit(() -> {
                tid.set(Signals.threadId(backend()));
                return poll.poll(-1);
            });
            TestSupport.awaitBlockedIn(tid, "aarch64".equals(System.getProperty("os.arch")) ? Set.of("73") : Set.of("7", "271"),
                    polled); // poll, ppoll
            mine.close();
            assertEquals(1, polled.get(10, TimeUnit.SECONDS));
            assertTrue((poll.revents(0) & (Poll.IN | Poll.HUP)) != 0, "revents " + poll.revents(0));
            assertTrue(!FdLeakCheck.isOpen(number), "closed once the poll returned");
            assertThrows(IllegalStateException.class, () -> poll.poll(0), "and refused from now on");
        } finally {
            thread.shutdown();
            assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void hupAndRdhupOnPeerShutdownAndClose() throws Exception {
        Socket[] pair = Socket.pair(backend(), true);
        try (Poll poll = Poll.open(backend(), 1); Socket mine = pair[0]; Socket peer = pair[1]) {
            int i = poll.add(mine, Poll.IN | Poll.RDHUP);
            assertEquals(0, poll.poll(0));
            peer.shutdownOutput();
            assertEquals(1, poll.poll(0));
            assertEquals(Poll.IN | Poll.RDHUP, poll.revents(i));
            peer.close();
            assertEquals(1, poll.poll(0));
            assertTrue((poll.revents(i) & Poll.HUP) != 0, "revents " + poll.revents(i));
        }
    }

    @Test
    void pipeWriterCloseIsHupAndReaderCloseIsErr() throws Exception {
        try (Poll poll = Poll.open(backend(), 1)) {
            Pipe pipe = Pipe.open(backend(), true);
            int i = poll.add(pipe.source(), Poll.IN);
            pipe.sink().close();
            assertEquals(1, poll.poll(0));
            assertEquals(Poll.HUP, poll.revents(i));
            pipe.close();

            Pipe other = Pipe.open(backend(), true);
            poll.clear();
            int w = poll.add(other.sink(), Poll.OUT);
            other.source().close();
            assertEquals(1, poll.poll(0));
            assertTrue((poll.revents(w) & Poll.ERR) != 0, "revents " + poll.revents(w));
            other.close();
        }
    }

    @Test
    void removeMovesTheLastEntryAndTheSetGrows() throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        try (Poll poll = Poll.open(backend(), 1)) {
            for (int i = 0; i < 100; i++) {
                Pipe p = Pipe.open(backend(), true);
                pipes.add(p);
                assertEquals(i, poll.add(p.source(), Poll.IN));
            }
            assertEquals(100, poll.size());
            writeFully(pipes.get(99).sink(), bytes("z"));
            assertEquals(pipes.get(99).source().fd(), poll.remove(5));
            assertEquals(99, poll.size());
            assertEquals(pipes.get(99).source().fd(), poll.fd(5));
            assertEquals(1, poll.poll(0));
            assertEquals(Poll.IN, poll.revents(5));
            assertEquals(-1, poll.remove(98));
            assertThrows(IndexOutOfBoundsException.class, () -> poll.fd(98));
        } finally {
            pipes.forEach(Pipe::close);
        }
    }

    @Test
    void timeouts() throws Exception {
        try (Pipe pipe = Pipe.open(backend(), true); Poll poll = Poll.open(backend(), 1)) {
            poll.add(pipe.source(), Poll.IN);
            long start = System.nanoTime();
            assertEquals(0, poll.poll(25));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(24), "returned before its timeout");
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(50);
                    writeFully(pipe.sink(), bytes("w"));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            assertEquals(1, poll.poll(-1), "an infinite poll is woken by another thread's write");
            writer.join();
        }
    }

    @Test
    void badInput() throws Exception {
        try (Poll poll = Poll.open(backend(), 1)) {
            assertEquals(Abi.EBADF, assertThrows(ErrnoException.class, () -> poll.add(-1, Poll.IN)).errno());
            assertThrows(IllegalArgumentException.class, () -> poll.add(0, 0x10000));
            assertThrows(IllegalArgumentException.class, () -> poll.add(0, 0x4000));
            assertThrows(IllegalArgumentException.class, () -> poll.poll(-7));
            assertThrows(IndexOutOfBoundsException.class, () -> poll.revents(0));
            assertThrows(IndexOutOfBoundsException.class, () -> poll.setEvents(0, Poll.IN));
            Pipe pipe = Pipe.open(backend(), true);
            pipe.close();
            assertThrows(IllegalStateException.class, () -> poll.add(pipe.source(), Poll.IN));
        }
        assertThrows(IllegalArgumentException.class, () -> Poll.open(backend(), 0));
        Poll closed = Poll.open(backend(), 1);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.add(0, Poll.IN));
    }
}
