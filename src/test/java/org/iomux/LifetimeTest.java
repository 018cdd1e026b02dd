package org.iomux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lifetime protocol itself: released exactly once, never under a use, whoever leaves last. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifetimeTest {

    /** Counts its releases and whether one came while a use was in flight. */
    private static final class Counted extends Lifetime {
        final AtomicInteger releases = new AtomicInteger();
        final AtomicInteger inUse = new AtomicInteger();
        final AtomicInteger wokenWhileInUse = new AtomicInteger();
        volatile boolean releasedUnderAUse;

        @Override
        void closeNow() {
            releases.incrementAndGet();
            if (inUse.get() != 0) {
                releasedUnderAUse = true;
            }
        }

        @Override
        void closingWhileInUse() {
            wokenWhileInUse.incrementAndGet();
        }

        @Override
        IllegalStateException closedException() {
            return new IllegalStateException("closed");
        }
    }

    @Test
    void withoutUsesTheCloserReleasesOnceAndLaterUsesThrow() {
        Counted c = new Counted();
        c.retain();
        c.release();
        assertFalse(c.isClosed());
        assertEquals(0, c.releases.get());
        c.markClosed();
        c.markClosed();
        assertTrue(c.isClosed());
        assertEquals(1, c.releases.get());
        assertThrows(IllegalStateException.class, c::retain);
        assertThrows(IllegalStateException.class, c::retain);
        assertEquals(1, c.releases.get(), "a refused use releases nothing again");
        assertEquals(0, c.wokenWhileInUse.get());
    }

    @Test
    void withUsesInFlightTheLastOneOutReleases() {
        Counted c = new Counted();
        c.retain();
        c.retain();
        c.markClosed();
        assertEquals(1, c.wokenWhileInUse.get());
        assertEquals(0, c.releases.get());
        assertThrows(IllegalStateException.class, c::retain, "closed: no new use, even with uses in flight");
        c.release();
        assertEquals(0, c.releases.get());
        c.release();
        assertEquals(1, c.releases.get());
        assertThrows(IllegalStateException.class, c::retain);
        assertEquals(1, c.releases.get());
    }

    /**
     * Threads use the resource without pause while another closes it, many times over: each time it is
     * released exactly once, never while a use that got in is in flight, by whichever thread leaves
     * last (a use that is refused is counted for a moment, so it may be that one).
     */
    @Test
    void racingUsesAndCloseReleaseExactlyOnceAndNeverUnderAUse() throws Exception {
        int threads = Math.max(3, Runtime.getRuntime().availableProcessors());
        for (int round = 0; round < 300; round++) {
            Counted c = new Counted();
            AtomicLong uses = new AtomicLong();
            CountDownLatch started = new CountDownLatch(threads);
            List<Thread> users = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread user = new Thread(() -> {
                    started.countDown();
                    int refused = 0;
                    while (refused < 100) { // keep knocking after close: refused retains race with the release
                        try {
                            c.retain();
                        } catch (IllegalStateException e) {
                            refused++;
                            continue;
                        }
                        c.inUse.incrementAndGet();
                        if (c.releases.get() != 0) {
                            c.releasedUnderAUse = true;
                        }
                        uses.incrementAndGet();
                        c.inUse.decrementAndGet();
                        c.release();
                    }
                });
                user.setUncaughtExceptionHandler((th, e) -> {
                    synchronized (failures) {
                        failures.add(e);
                    }
                });
                users.add(user);
                user.start();
            }
            started.await();
            long until = uses.get() + 200;
            while (uses.get() < until) {
                Thread.onSpinWait();
            }
            c.markClosed();
            for (Thread user : users) {
                user.join(10_000);
                assertFalse(user.isAlive());
            }
            assertTrue(failures.isEmpty(), failures.toString());
            assertEquals(1, c.releases.get(), "round " + round);
            assertFalse(c.releasedUnderAUse, "round " + round);
        }
    }
}
