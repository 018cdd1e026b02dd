package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * The mutex within one process: pthread mutex ownership is per thread, so threads stand in for
 * processes here (owner death included: the kernel walks a thread's robust list when the thread
 * exits). {@link SharedProcessTest} does the same across JVMs.
 */
@ExtendWith({FdLeakCheck.class, MappingLeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedMutexTest {
    private static final SharedMutex.Recovery NEVER = () -> {
        throw new AssertionError("no owner died");
    };

    private final ExecutorService other = Executors.newSingleThreadExecutor();
    private String name;
    private SharedMemory region;
    private SharedMutex mutex;

    @BeforeEach
    void open() throws Exception {
        name = MappingLeakCheck.name();
        region = SharedMemory.openOrCreate(backend(), name, SharedChild.layout(), Duration.ofSeconds(5), null);
        mutex = region.mutex("lock");
    }

    @AfterEach
    void close() throws Exception {
        other.shutdownNow();
        assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
        region.close();
        SharedMemory.unlink(backend(), name);
    }

    private <T> T inOtherThread(Callable<T> task) throws Exception {
        try {
            return other.submit(task).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        }
    }

    /**
     * Locks in a fresh thread that then ends without unlocking: the owner dies holding the lock.
     * Returns once the kernel thread is gone (Thread.join can return a little before), so that the
     * kernel has marked the lock word with FUTEX_OWNER_DIED (it walks the robust list at exit).
     */
    private void lockInAThreadThatDies() throws InterruptedException {
        AtomicInteger tid = new AtomicInteger();
        Thread t = new Thread(() -> {
            try {
                tid.set(Signals.threadId(backend()));
                mutex.lock(NEVER);
                region.memory().putLong(region.offset("dirty"), 1);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        t.start();
        t.join();
        assertTrue(TestSupport.awaitTaskGone(tid.get()), "thread " + tid.get() + " still exists");
    }

    @Test
    void lockAndUnlock() throws Exception {
        assertSame(mutex, region.mutex("lock"), "one handle per mutex");
        assertFalse(mutex.isHeldByCurrentThread());
        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            assertFalse(guard.ownerDied());
            assertTrue(mutex.isHeldByCurrentThread());
            assertFalse(inOtherThread(mutex::isHeldByCurrentThread));
        }
        assertFalse(mutex.isHeldByCurrentThread());
        assertTrue(mutex.tryLock(NEVER));
        mutex.unlock();
        assertTrue(mutex.tryLock(Duration.ofSeconds(1), NEVER));
        mutex.unlock();
        assertEquals(name + "@" + region.offset("lock"), mutex.toString());
    }

    @Test
    void unlockingTwiceIsEperm() throws Exception {
        SharedMutex.Guard guard = mutex.lock(NEVER);
        guard.close();
        guard.close(); // a guard unlocks once
        ErrnoException e = assertThrows(ErrnoException.class, mutex::unlock);
        assertEquals("EPERM", e.errnoName());
        assertTrue(e.getMessage().startsWith("pthread_mutex_unlock(" + name + "@"), e.getMessage());
        assertTrue(e.getMessage().endsWith("EPERM (Operation not permitted)"), e.getMessage());
    }

    @Test
    void relockingFromTheOwnerIsEdeadlk() throws Exception {
        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> mutex.lock(NEVER));
            assertEquals("EDEADLK", e.errnoName());
            assertTrue(e.getMessage().startsWith("pthread_mutex_lock(" + name), e.getMessage());
            assertEquals("EDEADLK", assertThrows(ErrnoException.class, () -> mutex.tryLock(NEVER)).errnoName());
            assertEquals("EDEADLK",
                    assertThrows(ErrnoException.class, () -> mutex.tryLock(Duration.ofSeconds(5), NEVER)).errnoName());
            assertTrue(mutex.isHeldByCurrentThread(), "still held once");
        }
        assertEquals("EPERM", assertThrows(ErrnoException.class, mutex::unlock).errnoName(), "and unlocked once");
    }

    @Test
    void anotherThreadCanNeitherTakeNorReleaseAHeldLock() throws Exception {
        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            long took = inOtherThread(() -> {
                long start = System.nanoTime(); // the call alone, not the hand-over to the thread
                assertFalse(mutex.tryLock(NEVER));
                return System.nanoTime() - start;
            });
            assertTrue(took < TimeUnit.MILLISECONDS.toNanos(500), "tryLock returns at once: " + took / 1_000_000 + " ms");

            ErrnoException e = assertThrows(ErrnoException.class, () -> inOtherThread(() -> {
                mutex.unlock();
                return null;
            }));
            assertEquals("EPERM", e.errnoName());
            assertTrue(mutex.isHeldByCurrentThread());

            long waited = inOtherThread(() -> {
                long start = System.nanoTime();
                assertFalse(mutex.tryLock(Duration.ofMillis(300), NEVER));
                return System.nanoTime() - start;
            });
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(300), "timed out early: " + waited / 1_000_000 + " ms");
            assertTrue(waited < TimeUnit.SECONDS.toNanos(10), "timed out late: " + waited / 1_000_000 + " ms");

            assertFalse(inOtherThread(() -> mutex.tryLock(Duration.ZERO, NEVER)));
            assertFalse(inOtherThread(() -> mutex.tryLock(Duration.ofSeconds(-1), NEVER)));
        }
        assertTrue(inOtherThread(() -> {
            boolean locked = mutex.tryLock(NEVER);
            mutex.unlock();
            return locked;
        }));
    }

    @Test
    void aTimedLockGetsTheLockWhenItIsReleased() throws Exception {
        SharedMutex.Guard guard = mutex.lock(NEVER);
        CountDownLatch waiting = new CountDownLatch(1);
        Future<Boolean> waiter = other.submit(() -> {
            waiting.countDown();
            boolean locked = mutex.tryLock(Duration.ofSeconds(30), NEVER);
            mutex.unlock();
            return locked;
        });
        waiting.await();
        Thread.sleep(100);
        guard.close();
        assertTrue(waiter.get(30, TimeUnit.SECONDS));
        // a deadline centuries away is saturated, not overflowed
        assertTrue(mutex.tryLock(Duration.ofSeconds(Long.MAX_VALUE), NEVER));
        mutex.unlock();
    }

    @Test
    void ownerDeathIsReportedAndRepaired() throws Exception {
        lockInAThreadThatDies();
        AtomicInteger recoveries = new AtomicInteger();
        try (SharedMutex.Guard guard = mutex.lock(() -> {
            recoveries.incrementAndGet();
            assertTrue(mutex.isHeldByCurrentThread(), "the recovery runs with the lock held");
            assertEquals(1, region.memory().getLong(region.offset("dirty")));
            region.memory().putLong(region.offset("dirty"), 0);
            return true;
        })) {
            assertTrue(guard.ownerDied());
        }
        assertEquals(1, recoveries.get());
        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            assertFalse(guard.ownerDied(), "consistent again: no second report");
        }
        // the dead thread's hold on the mapping passed to the recoverer, so close still unmaps
        region.close();
        assertFalse(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)));
    }

    @Test
    void ownerDeathIsReportedToTryLockAndTimedLockToo() throws Exception {
        lockInAThreadThatDies();
        AtomicInteger recoveries = new AtomicInteger();
        assertTrue(mutex.tryLock(() -> recoveries.incrementAndGet() > 0));
        mutex.unlock();
        lockInAThreadThatDies();
        assertTrue(mutex.tryLock(Duration.ofSeconds(5), () -> recoveries.incrementAndGet() > 0));
        mutex.unlock();
        assertEquals(2, recoveries.get());
    }

    @Test
    void unrecoverableDataGivesEnotrecoverableToEveryLaterLocker() throws Exception {
        lockInAThreadThatDies();
        AtomicInteger recoveries = new AtomicInteger();
        ErrnoException e = assertThrows(ErrnoException.class, () -> mutex.lock(() -> {
            recoveries.incrementAndGet();
            return false;
        }));
        assertEquals(1, recoveries.get());
        assertEquals("ENOTRECOVERABLE", e.errnoName());
        assertTrue(e.getMessage().contains("previous owner died"), e.getMessage());
        assertFalse(mutex.isHeldByCurrentThread(), "not held after the failure");

        for (Callable<?> attempt : new Callable<?>[] {
            () -> mutex.lock(NEVER), () -> mutex.tryLock(NEVER), () -> mutex.tryLock(Duration.ofSeconds(5), NEVER)}) {
            ErrnoException later = assertThrows(ErrnoException.class, attempt::call);
            assertEquals("ENOTRECOVERABLE", later.errnoName(), later.getMessage());
            assertTrue(later.getMessage().contains(name), later.getMessage());
        }
        assertEquals("ENOTRECOVERABLE",
                assertThrows(ErrnoException.class, () -> inOtherThread(() -> mutex.lock(NEVER))).errnoName());
        assertEquals(1, recoveries.get());
    }

    @Test
    void aRecoveryThatThrowsLeavesTheDataUnrecoverable() throws Exception {
        lockInAThreadThatDies();
        IOException e = assertThrows(IOException.class, () -> mutex.lock(() -> {
            throw new IOException("repair failed");
        }));
        assertEquals("repair failed", e.getMessage());
        assertFalse(mutex.isHeldByCurrentThread());
        assertEquals("ENOTRECOVERABLE", assertThrows(ErrnoException.class, () -> mutex.lock(NEVER)).errnoName());
    }

    /**
     * Every lock call holds a reference on the region for its duration, and a hold one more: each
     * way a call can end, taken or not, gives back exactly what it took, so that close then
     * unmaps at once (too many releases would unmap under a holder; too few, never).
     */
    @Test
    void everyWayALockCallEndsGivesItsReferencesBack() throws Exception {
        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            assertEquals("EDEADLK", assertThrows(ErrnoException.class, () -> mutex.lock(NEVER)).errnoName());
            assertEquals("EDEADLK", assertThrows(ErrnoException.class, () -> mutex.tryLock(NEVER)).errnoName());
            assertFalse(inOtherThread(() -> mutex.tryLock(NEVER)), "busy");
            assertFalse(inOtherThread(() -> mutex.tryLock(Duration.ofMillis(20), NEVER)), "timed out");
        }
        lockInAThreadThatDies();
        IOException thrown = assertThrows(IOException.class, () -> mutex.lock(() -> {
            throw new IOException("repair failed");
        }));
        assertEquals("repair failed", thrown.getMessage());
        assertEquals("ENOTRECOVERABLE", assertThrows(ErrnoException.class, () -> mutex.lock(NEVER)).errnoName());
        assertEquals("ENOTRECOVERABLE", assertThrows(ErrnoException.class, () -> mutex.tryLock(NEVER)).errnoName());
        assertFalse(mutex.isHeldByCurrentThread());
        region.memory().putLong(region.offset("counter"), 1); // still mapped, still usable
        region.close();
        assertFalse(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)), "a reference was left behind");
    }

    /** A Recovery that unlocks the lock it runs under: a mistake, reported, and nothing released twice. */
    @Test
    void aRecoveryThatUnlocksReleasesNothingTwice() throws Exception {
        lockInAThreadThatDies();
        assertThrows(ErrnoException.class, () -> mutex.lock(() -> {
            mutex.unlock();
            return true;
        }));
        assertFalse(mutex.isHeldByCurrentThread());
        region.memory().putLong(region.offset("counter"), 1); // a double release would have unmapped it
        assertTrue(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)));
        region.close();
        assertFalse(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)));
    }

    @Test
    void closingTheRegionWhileLockedUnmapsAtTheUnlock() throws Exception {
        String file = MappingLeakCheck.shmFile(name);
        SharedMutex.Guard guard = mutex.lock(NEVER);
        region.close();
        assertFalse(region.isOpen());
        assertThrows(IllegalStateException.class, () -> region.memory().getLong(0));
        assertThrows(IllegalStateException.class, () -> inOtherThread(() -> mutex.tryLock(NEVER)));
        assertThrows(IllegalStateException.class, () -> region.mutex("lock"));
        assertTrue(MappingLeakCheck.isMapped(file), "a held robust mutex must stay mapped");
        assertEquals("EPERM", assertThrows(ErrnoException.class, () -> inOtherThread(() -> {
            mutex.unlock();
            return null;
        })).errnoName());
        assertTrue(MappingLeakCheck.isMapped(file));
        guard.close();
        assertFalse(MappingLeakCheck.isMapped(file), "the unlock released the last reference");
    }

    /**
     * Junk written over a pthread_mutex_t makes glibc abort the process on the next lock (an
     * assertion in pthread_mutex_lock, exit 134): the region's public view refuses every write
     * that touches the header or a mutex slot, and the lock keeps working.
     */
    @Test
    void scribblingOverTheMutexThroughThePublicViewIsRefused() throws Exception {
        NativeBuffer m = region.memory();
        int lock = region.offset("lock");
        int size = SharedMutex.size(backend());
        List<Executable> writes = List.of(
            () -> m.putLong(lock + 8, -1), () -> m.putInt(lock + size - 4, -1), () -> m.putByte(lock, (byte) 1),
            () -> m.putShort(lock + 16, (short) 1), () -> m.putBytes(lock - 4, new byte[8], 0, 8),
            () -> m.putLongRelease(lock + 16, -1), () -> m.putIntRelease(lock + 24, -1),
            () -> m.compareAndSetLong(lock + 8, 0, -1), () -> m.getAndAddLong(lock + 8, 1),
            () -> m.clear(0, m.capacity()), () -> m.fill((byte) -1),
            () -> m.putLong(0, 0), () -> m.putInt(SharedLayout.SIZE_OFFSET, 0)); // the header
        for (Executable write : writes) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, write);
            assertTrue(e.getMessage().contains("only iomux writes"), e.getMessage());
        }
        try (Pipe p = Pipe.open(backend(), true)) { // nor may the kernel write there for us
            p.sink().write(new byte[8], 0, 8);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> p.source().read(m, lock + 8, 8));
            assertTrue(refused.getMessage().contains("only iomux writes"), refused.getMessage());
            assertEquals(8, p.source().read(m, region.offset("counter"), 8), "the read was never made: 8 bytes still there");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.putLong(lock + 8, -1));
        assertTrue(e.getMessage().contains("mutex field 'lock' [" + lock + ", " + (lock + size) + ")"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> m.putLong(-4, 0), "out of range is still out of range");
        m.getLong(lock + 8); // reading is harmless
        int counter = region.offset("counter");
        assertEquals(lock + size, counter, "the next field starts where the slot ends");
        m.putLong(counter, 7); // and is writable
        m.clear(counter, m.capacity() - counter);
        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            assertTrue(mutex.isHeldByCurrentThread());
        }
        assertTrue(mutex.tryLock(NEVER));
        mutex.unlock();
    }

    /**
     * What the guard cannot stop, another mapping of the object opened without its layout: the
     * magic word, checked before every pthread call, turns the scribble into an exception.
     */
    @Test
    void aMutexOverwrittenElsewhereIsRefusedBeforeAnyPthreadCall() throws Exception {
        int lock = region.offset("lock");
        try (SharedMemory raw = SharedMemory.open(backend(), name)) {
            raw.memory().putLong(lock, 0x0BAD);
            for (Executable use : List.<Executable>of(() -> mutex.lock(NEVER), () -> mutex.tryLock(NEVER),
                    () -> mutex.tryLock(Duration.ofSeconds(1), NEVER))) {
                IllegalStateException e = assertThrows(IllegalStateException.class, use);
                assertTrue(e.getMessage().contains("was overwritten (magic word 0xbad"), e.getMessage());
            }
            raw.memory().putLong(lock, SharedMutex.MAGIC);
            try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
                raw.memory().putLong(lock, 0x0BAD);
                assertThrows(IllegalStateException.class, guard::close, "unlock checks it too");
                raw.memory().putLong(lock, SharedMutex.MAGIC);
            }
        }
        region.close(); // every reference taken above was given back: close unmaps at once
        assertFalse(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)));
    }

    /**
     * Threads that initialise one slot at once: exactly one wins (a compare-and-set on the magic
     * word), the others throw, and only once the winner has published the mutex, so that it can
     * be attached at once.
     */
    @Test
    void concurrentInitialisationOfOneSlotHasExactlyOneWinner() throws Exception {
        String raw = MappingLeakCheck.name();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SharedMemory shared = SharedMemory.create(backend(), raw, 4096)) {
            for (int round = 0; round < 30; round++) {
                int offset = 64 + 64 * round;
                CyclicBarrier go = new CyclicBarrier(threads);
                List<Future<SharedMutex>> attempts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    attempts.add(pool.submit(() -> {
                        go.await();
                        return SharedMutex.initialize(shared, offset);
                    }));
                }
                SharedMutex winner = null;
                int lost = 0;
                for (Future<SharedMutex> attempt : attempts) {
                    try {
                        SharedMutex m = attempt.get(30, TimeUnit.SECONDS);
                        assertEquals(null, winner, "round " + round + ": a second initialiser won");
                        winner = m;
                    } catch (ExecutionException e) {
                        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
                        assertTrue(e.getCause().getMessage().contains("already initialised"), e.getCause().getMessage());
                        assertEquals(SharedMutex.MAGIC, shared.memory().getLongAcquire(offset),
                                "a loser returns only once the mutex is published");
                        lost++;
                    }
                }
                assertEquals(threads - 1, lost, "round " + round);
                assertSame(winner, SharedMutex.attach(shared, offset));
                try (SharedMutex.Guard guard = winner.lock(NEVER)) {
                    assertTrue(winner.isHeldByCurrentThread());
                }
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            SharedMemory.unlink(backend(), raw);
        }
    }

    /**
     * A virtual thread can change carriers between lock and unlock, and pthread ownership is the
     * carrier's: every lock method refuses one (Java 21 and later; skipped before, where there
     * are none).
     */
    @Test
    void virtualThreadsAreRefused() throws Exception {
        java.lang.reflect.Method start;
        try {
            start = Thread.class.getMethod("startVirtualThread", Runnable.class);
        } catch (NoSuchMethodException e) {
            org.junit.jupiter.api.Assumptions.abort("no virtual threads in Java " + Runtime.version());
            return;
        }
        List<Throwable> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread virtual = (Thread) start.invoke(null, (Runnable) () -> {
            for (Executable attempt : List.<Executable>of(() -> mutex.lock(NEVER), () -> mutex.tryLock(NEVER),
                    () -> mutex.tryLock(Duration.ofSeconds(1), NEVER))) {
                try {
                    attempt.execute();
                    refused.add(new AssertionError("a virtual thread took the lock"));
                } catch (Throwable e) {
                    refused.add(e);
                }
            }
        });
        virtual.join();
        assertEquals(3, refused.size());
        for (Throwable e : refused) {
            assertTrue(e instanceof UnsupportedOperationException, String.valueOf(e));
            assertTrue(e.getMessage().contains("virtual thread"), e.getMessage());
        }
        assertTrue(mutex.tryLock(NEVER), "nothing was taken");
        mutex.unlock();
    }

    @Test
    void badMutexPlacementIsRejected() throws Exception {
        String raw = MappingLeakCheck.name();
        int size = SharedMutex.size(backend());
        try (SharedMemory small = SharedMemory.create(backend(), raw, size + 8)) {
            IllegalStateException never = assertThrows(IllegalStateException.class, () -> SharedMutex.attach(small, 0));
            assertTrue(never.getMessage().contains("never initialised"), never.getMessage());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedMutex.initialize(small, 4));
            assertTrue(e.getMessage().contains("not 8-byte aligned"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SharedMutex.initialize(small, 16));
            assertTrue(e.getMessage().contains("too small"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> SharedMutex.attach(small, -8));

            small.memory().putLong(8, 77);
            IllegalStateException foreign = assertThrows(IllegalStateException.class, () -> SharedMutex.attach(small, 8));
            assertTrue(foreign.getMessage().contains("no iomux mutex"), foreign.getMessage());

            SharedMutex m = SharedMutex.initialize(small, 0);
            assertSame(m, SharedMutex.attach(small, 0));
            assertThrows(IllegalStateException.class, () -> SharedMutex.initialize(small, 0), "initialised twice");
            try (SharedMutex.Guard guard = m.lock(NEVER)) {
                assertTrue(m.isHeldByCurrentThread());
            }
        } finally {
            SharedMemory.unlink(backend(), raw);
        }
        assertThrows(IllegalArgumentException.class, () -> region.mutex("counter"), "not a mutex field");
        assertThrows(IllegalArgumentException.class, () -> region.mutex("nope"));
        assertThrows(NullPointerException.class, () -> mutex.lock(null));
    }
}
