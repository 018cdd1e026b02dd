package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.iomux.spi.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith({FdLeakCheck.class, MappingLeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedMemoryTest {

    @Test
    void descriptorsReadAndWriteAMappingDirectly() throws Exception {
        String name = MappingLeakCheck.name();
        try (SharedMemory region = SharedMemory.create(backend(), name, 4096);
             Pipe pipe = Pipe.open(backend(), true)) {
            NativeBuffer m = region.memory();
            m.putBytes(4090, TestSupport.bytes("mapped"), 0, 6);
            assertEquals(6, pipe.sink().write(m, 4090, 6));
            assertEquals(6, pipe.source().read(m, 10, 6));
            byte[] got = new byte[6];
            m.getBytes(10, got, 0, 6);
            assertArrayEquals(TestSupport.bytes("mapped"), got);
            assertThrows(IndexOutOfBoundsException.class, () -> pipe.source().read(m, 4091, 6));
            region.close();
            assertThrows(IllegalStateException.class, () -> pipe.sink().write(m, 0, 1), "unmapped: no call");
        } finally {
            assertTrue(SharedMemory.unlink(backend(), name));
        }
    }

    @Test
    void twoMappingsOfOneObjectShareTheBytes() throws Exception {
        String name = MappingLeakCheck.name();
        String file = MappingLeakCheck.shmFile(name);
        try (SharedMemory a = SharedMemory.create(backend(), name, 8192)) {
            assertTrue(a.isCreator());
            assertEquals(8192, a.size());
            assertTrue(Files.exists(Path.of(file)));
            a.memory().putLong(8184, 0x1122334455667788L);
            a.memory().putBytes(100, TestSupport.bytes("shared"), 0, 6);
            try (SharedMemory b = SharedMemory.open(backend(), name)) {
                assertEquals(8192, b.size(), "open maps the whole object");
                assertFalse(b.isCreator());
                assertEquals(0x1122334455667788L, b.memory().getLong(8184));
                byte[] text = new byte[6];
                b.memory().getBytes(100, text, 0, 6);
                assertArrayEquals(TestSupport.bytes("shared"), text);
                b.memory().putInt(0, 42);
                assertEquals(42, a.memory().getInt(0));
                assertEquals(2, MappingLeakCheck.mappings().stream().filter(file::equals).count(),
                        "two live mappings: " + MappingLeakCheck.mappings());
            }
            assertTrue(MappingLeakCheck.isMapped(file));
        } finally {
            assertTrue(SharedMemory.unlink(backend(), name));
        }
        assertFalse(MappingLeakCheck.isMapped(file), "close unmaps");
        assertFalse(SharedMemory.unlink(backend(), name), "a second unlink finds nothing");
        ErrnoException e = assertThrows(ErrnoException.class, () -> SharedMemory.open(backend(), name));
        assertEquals(Abi.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(file), e.getMessage());
    }

    @Test
    void createIsExclusive() throws Exception {
        String name = MappingLeakCheck.name();
        try (SharedMemory a = SharedMemory.create(backend(), name, 64)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> SharedMemory.create(backend(), name, 64));
            assertEquals("EEXIST", e.errnoName());
            assertEquals("open(" + MappingLeakCheck.shmFile(name) + ", O_RDWR|O_CREAT|O_EXCL)", e.call());
        } finally {
            SharedMemory.unlink(backend(), name);
        }
    }

    @Test
    void anyFileCanBeShared(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(MappingLeakCheck.MARK + "file");
        try (SharedMemory a = SharedMemory.create(backend(), file, 100);
             SharedMemory b = SharedMemory.open(backend(), file)) {
            assertEquals(100, Files.size(file), "ftruncate sized it");
            a.memory().putLong(8, -5);
            assertEquals(-5, b.memory().getLong(8));
        }
        assertTrue(SharedMemory.unlink(backend(), file));
        assertFalse(Files.exists(file));
    }

    @Test
    void everyAccessIsBoundsChecked() throws Exception {
        String name = MappingLeakCheck.name();
        try (SharedMemory region = SharedMemory.create(backend(), name, 4096)) {
            NativeBuffer m = region.memory();
            assertEquals(4096, m.capacity());
            m.putLong(4088, 1);
            assertThrows(IndexOutOfBoundsException.class, () -> m.getLong(4089));
            assertThrows(IndexOutOfBoundsException.class, () -> m.putInt(4093, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.getByte(4096));
            assertThrows(IndexOutOfBoundsException.class, () -> m.putBytes(4090, new byte[7], 0, 7));
            assertThrows(IndexOutOfBoundsException.class, () -> m.clear(1, 4096));
            assertThrows(IndexOutOfBoundsException.class, () -> m.getLongAcquire(4096));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.getLongAcquire(12));
            assertTrue(e.getMessage().contains("not 8-byte aligned"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.putIntRelease(2, 1));
            assertThrows(IllegalArgumentException.class, () -> m.compareAndSetLong(4, 0, 1));
            assertTrue(m.compareAndSetLong(16, 0, 7));
            assertFalse(m.compareAndSetLong(16, 0, 8));
            assertEquals(7, m.getAndAddLong(16, 3));
            assertEquals(10, m.getLongAcquire(16));
            m.putIntRelease(24, 9);
            assertEquals(9, m.getIntAcquire(24));
        } finally {
            SharedMemory.unlink(backend(), name);
        }
    }

    /**
     * A region larger than its tmpfs: ENOSPC at creation (fallocate), not SIGBUS at the first
     * touch of a page the file system has no room for (which kills the JVM: here, inside
     * pthread_mutex_init). Needs a writable tmpfs smaller than 2 GiB (Docker's /dev/shm is 64 MiB);
     * asking for more than its whole size fails at once, without filling it.
     */
    @Test
    void aRegionTheFileSystemHasNoRoomForIsEnospc() throws Exception {
        Path tmpfs = null;
        long total = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            if (dash > 0 && dash + 1 < f.length && f[dash + 1].equals("tmpfs") && f[5].startsWith("rw")) {
                Path mount = Path.of(f[4]);
                long size = Files.isWritable(mount) ? Files.getFileStore(mount).getTotalSpace() : 0;
                if (size > 0 && size < Integer.MAX_VALUE - (1 << 20)) {
                    tmpfs = mount;
                    total = size;
                    break;
                }
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(tmpfs != null, "no writable tmpfs under 2 GiB here");
        Path dir = Files.createTempDirectory(tmpfs, MappingLeakCheck.MARK);
        try {
            Path file = dir.resolve("too-big");
            int size = (int) (total + (1 << 20));
            ErrnoException e = assertThrows(ErrnoException.class, () -> SharedMemory.create(backend(), file, size));
            assertEquals("ENOSPC", e.errnoName(), e.getMessage());
            assertEquals("fallocate", e.syscall());
            assertFalse(Files.exists(file), "removed again");

            SharedLayout layout = SharedLayout.builder().mutex("lock").bytes("data", size).build(backend());
            e = assertThrows(ErrnoException.class,
                    () -> SharedMemory.openOrCreate(backend(), file, layout, Duration.ofSeconds(1), null));
            assertEquals("ENOSPC", e.errnoName(), e.getMessage());
            assertFalse(Files.exists(file), "removed again, so nobody waits for it");

            try (SharedMemory fits = SharedMemory.create(backend(), file, 1 << 16)) {
                fits.memory().putLong((1 << 16) - 8, 1); // reserved: no SIGBUS
            } finally {
                SharedMemory.unlink(backend(), file);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void badNamesAndSizesAreRejectedBeforeAnyCall() {
        for (String bad : new String[] {"noslash", "/a/b", "/", "", "/..", "/" + "x".repeat(256)}) {
            assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(backend(), bad, 64), bad);
            assertThrows(IllegalArgumentException.class, () -> SharedMemory.open(backend(), bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(backend(), "/a\0b", 64));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(backend(), MappingLeakCheck.name(), 0));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(backend(), MappingLeakCheck.name(), -1));
    }

    @Test
    void anEmptyObjectCannotBeMapped(@TempDir Path dir) throws Exception {
        Path empty = Files.createFile(dir.resolve(MappingLeakCheck.MARK + "empty"));
        ErrnoException e = assertThrows(ErrnoException.class, () -> SharedMemory.open(backend(), empty));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void aClosedMappingThrowsAndIsGone() throws Exception {
        String name = MappingLeakCheck.name();
        SharedMemory region = SharedMemory.create(backend(), name, 4096);
        SharedMemory.unlink(backend(), name);
        NativeBuffer m = region.memory();
        m.putLong(0, 1);
        assertTrue(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)), "unlink leaves the mapping");
        m.close(); // closing the view closes its owner
        assertFalse(region.isOpen());
        assertFalse(m.isOpen());
        region.close(); // idempotent
        assertFalse(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.getLong(0));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> m.putLong(0, 1));
        assertThrows(IllegalStateException.class, () -> m.getLongAcquire(0));
        assertThrows(IllegalStateException.class, () -> m.getBytes(0, new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> m.clear(0, 8));
        assertThrows(IllegalStateException.class, () -> region.mutex("lock"));
    }

    /**
     * Readers hammer the mapping while another thread closes it: each read either completes or
     * throws IllegalStateException, the JVM never faults, and the mapping is gone afterwards.
     */
    @Test
    void closingUnderConcurrentAccessNeverFaults() throws Exception {
        for (int round = 0; round < 20; round++) {
            String name = MappingLeakCheck.name();
            SharedMemory region = SharedMemory.create(backend(), name, 1 << 16);
            SharedMemory.unlink(backend(), name);
            NativeBuffer m = region.memory();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch started = new CountDownLatch(3);
            AtomicInteger reads = new AtomicInteger();
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                readers.add(pool.submit(() -> {
                    started.countDown();
                    try {
                        for (int i = 0; ; i = (i + 8) & 0xfff8) {
                            m.putLong(i, m.getLong(i) + 1);
                            m.getAndAddLong((i + 8) & 0xfff8, 1);
                            reads.incrementAndGet();
                        }
                    } catch (IllegalStateException expected) {
                        return null;
                    }
                }));
            }
            started.await();
            while (reads.get() < 1000) {
                Thread.onSpinWait();
            }
            region.close();
            for (Future<?> reader : readers) {
                reader.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            assertFalse(MappingLeakCheck.isMapped(MappingLeakCheck.shmFile(name)), "the last reader out unmapped it");
        }
    }

    // ---- openOrCreate ---------------------------------------------------------------------------

    @Test
    void exactlyOneOfManyConcurrentOpenersCreates() throws Exception {
        SharedLayout layout = SharedLayout.builder().mutex("lock").int64("value").build(backend());
        String name = MappingLeakCheck.name();
        AtomicInteger initialised = new AtomicInteger();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<SharedMemory>> opened = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            opened.add(pool.submit(() -> {
                go.await();
                return SharedMemory.openOrCreate(backend(), name, layout, Duration.ofSeconds(10), region -> {
                    initialised.incrementAndGet();
                    try {
                        Thread.sleep(50); // a slow creator: the others must wait for it
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    region.memory().putLong(region.offset("value"), 4242);
                });
            }));
        }
        go.countDown();
        List<SharedMemory> regions = new ArrayList<>();
        try {
            for (Future<SharedMemory> f : opened) {
                regions.add(f.get(20, TimeUnit.SECONDS));
            }
            assertEquals(1, initialised.get());
            assertEquals(1, regions.stream().filter(SharedMemory::isCreator).count());
            for (SharedMemory region : regions) {
                assertEquals(4242, region.memory().getLong(layout.offset("value")), "every opener sees the initialiser's data");
                assertNotNull(region.mutex("lock"));
                assertEquals(layout, region.layout());
            }
            try (SharedMutex.Guard guard = regions.get(0).mutex("lock").lock(SharedMutex.Recovery.UNRECOVERABLE)) {
                SharedMutex elsewhere = regions.get(1).mutex("lock");
                assertFalse(pool.submit(() -> elsewhere.tryLock(SharedMutex.Recovery.UNRECOVERABLE)).get(),
                        "one mutex, seen through every mapping");
            }
        } finally {
            pool.shutdown();
            regions.forEach(SharedMemory::close);
            SharedMemory.unlink(backend(), name);
        }
    }

    @Test
    void aCreatorThatDiedHalfWayMakesOpenersTimeOutNamingTheRegion() throws Exception {
        SharedLayout layout = SharedLayout.builder().mutex("lock").build(backend());
        String name = MappingLeakCheck.name();
        // what a creator leaves when it dies after ftruncate, before publishing: zeroes
        SharedMemory.create(backend(), name, layout.size()).close();
        try {
            long start = System.nanoTime();
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> SharedMemory.openOrCreate(backend(), name, layout, Duration.ofMillis(300), null));
            long waited = System.nanoTime() - start;
            assertEquals("ETIMEDOUT", e.errnoName());
            assertTrue(e.getMessage().contains(MappingLeakCheck.shmFile(name)) && e.getMessage().contains("magic"),
                    e.getMessage());
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(300) && waited < TimeUnit.SECONDS.toNanos(10),
                    "waited " + waited / 1_000_000 + " ms");
        } finally {
            SharedMemory.unlink(backend(), name);
        }
        // ... and before ftruncate: empty, too small to map
        Files.createFile(Path.of(MappingLeakCheck.shmFile(name)));
        try {
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> SharedMemory.openOrCreate(backend(), name, layout, Duration.ofMillis(100), null));
            assertEquals("ETIMEDOUT", e.errnoName());
            assertTrue(e.getMessage().contains("it is 0 bytes, the layout needs " + layout.size()), e.getMessage());
        } finally {
            SharedMemory.unlink(backend(), name);
        }
        // once removed, the next openOrCreate creates it afresh
        try (SharedMemory region = SharedMemory.openOrCreate(backend(), name, layout, Duration.ofSeconds(1), null)) {
            assertTrue(region.isCreator());
        } finally {
            SharedMemory.unlink(backend(), name);
        }
    }

    /**
     * A creator's ftruncate takes the size from 0 to the whole layout in one step, so a region of
     * any size in between is another layout's: refused at once, not waited for until the timeout
     * (which is long here: a wait would end in ETIMEDOUT, not this exception).
     */
    @Test
    void aRegionSmallerThanTheLayoutIsRefusedAtOnce() throws Exception {
        SharedLayout layout = SharedLayout.builder().mutex("lock").int64("a").build(backend());
        String name = MappingLeakCheck.name();
        SharedMemory.create(backend(), name, 8).close();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SharedMemory.openOrCreate(backend(), name, layout, Duration.ofSeconds(20), null));
            assertTrue(e.getMessage().contains("is 8 bytes, the layout needs " + layout.size()), e.getMessage());
        } finally {
            SharedMemory.unlink(backend(), name);
        }
    }

    @Test
    void aRegionOfAnotherLayoutIsRejected() throws Exception {
        String name = MappingLeakCheck.name();
        SharedLayout one = SharedLayout.builder().mutex("lock").int64("a").build(backend());
        SharedLayout other = SharedLayout.builder().mutex("lock").int32("a").int32("b").build(backend());
        assertEquals(one.size(), other.size(), "same size; the fingerprint tells them apart");
        try (SharedMemory region = SharedMemory.openOrCreate(backend(), name, one, Duration.ofSeconds(1), null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SharedMemory.openOrCreate(backend(), name, other, Duration.ofSeconds(1), null));
            assertTrue(e.getMessage().contains("different layout"), e.getMessage());
        } finally {
            SharedMemory.unlink(backend(), name);
        }
        String foreign = MappingLeakCheck.name();
        try (SharedMemory raw = SharedMemory.create(backend(), foreign, one.size())) {
            raw.memory().putLong(0, 0x0102030405060708L);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SharedMemory.openOrCreate(backend(), foreign, one, Duration.ofSeconds(1), null));
            assertTrue(e.getMessage().contains("not an iomux shared region"), e.getMessage());
        } finally {
            SharedMemory.unlink(backend(), foreign);
        }
    }

    @Test
    void aFailingInitialiserRemovesTheRegion() throws Exception {
        SharedLayout layout = SharedLayout.builder().int64("x").build(backend());
        String name = MappingLeakCheck.name();
        AtomicBoolean ran = new AtomicBoolean();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SharedMemory.openOrCreate(backend(), name, layout, Duration.ofSeconds(1), region -> {
                    ran.set(true);
                    throw new IllegalStateException("no");
                }));
        assertEquals("no", e.getMessage());
        assertTrue(ran.get());
        assertFalse(Files.exists(Path.of(MappingLeakCheck.shmFile(name))), "removed again, so nobody waits for it");
    }

    // ---- layout ---------------------------------------------------------------------------------

    @Test
    void layoutPlacesAndAlignsFields() {
        int mutex = SharedMutex.size(backend());
        String arch = System.getProperty("os.arch");
        if ("amd64".equals(arch)) {
            assertEquals(40, backend().layout().pthreadMutexSize);
            assertEquals(48, mutex);
        } else if ("aarch64".equals(arch)) {
            assertEquals(48, backend().layout().pthreadMutexSize);
            assertEquals(56, mutex);
        }
        assertEquals(8, backend().layout().pthreadMutexAlign);
        SharedLayout layout = SharedLayout.builder()
                .int32("flag")
                .mutex("lock")
                .bytes("name", 3)
                .int64("counter")
                .at(256).field("page", 100, 64)
                .build(backend());
        assertEquals(SharedLayout.HEADER_SIZE, layout.offset("flag"));
        assertEquals(24, layout.offset("lock"), "a mutex is 8-byte aligned");
        assertEquals(24 + mutex, layout.offset("name"));
        assertEquals((24 + mutex + 3 + 7) & ~7, layout.offset("counter"));
        assertEquals(256, layout.offset("page"));
        assertEquals(360, layout.size(), "256 + 100, rounded up to 8");
        assertEquals(List.of("lock"), layout.mutexes());
        assertEquals(List.of("flag", "lock", "name", "counter", "page"), layout.names());
        assertTrue(layout.isMutex("lock") && !layout.isMutex("counter"));
        assertEquals(mutex, layout.size("lock"));
        assertThrows(IllegalArgumentException.class, () -> layout.offset("nope"));

        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().int64("a").at(20).int64("b").build(backend()),
                "misaligned explicit offset");
        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().at(20).mutex("m").build(backend()),
                "misaligned mutex");
        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().int64("a").at(16).int64("b").build(backend()),
                "overlap");
        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().at(8), "inside the header");
        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().int64("a").int32("a"), "duplicate");
        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().field("a", 8, 3), "alignment 3");
        assertThrows(IllegalArgumentException.class, () -> SharedLayout.builder().bytes("a", 0), "empty field");
        assertThrows(IllegalArgumentException.class,
                () -> SharedLayout.builder().bytes("a", Integer.MAX_VALUE - 4).build(backend()), "over 2 GiB");

        SharedLayout same = SharedLayout.builder().int32("flag").mutex("lock").bytes("name", 3).int64("counter")
                .at(256).field("page", 100, 64).build(backend());
        assertEquals(layout.fingerprint(), same.fingerprint());
        assertTrue(layout.toString().contains("counter@"), layout.toString());
        assertTrue(layout.toString().contains("size 360"), layout.toString());
    }

    @Test
    void openingARawRegionGivesNoLayoutAccessors() throws Exception {
        String name = MappingLeakCheck.name();
        try (SharedMemory region = SharedMemory.create(backend(), name, 64)) {
            assertEquals(null, region.layout());
            assertThrows(IllegalStateException.class, () -> region.offset("x"));
            assertThrows(IllegalStateException.class, () -> region.mutex("x"));
        } finally {
            SharedMemory.unlink(backend(), name);
        }
    }
}
