package org.iomux;

import static org.iomux.TestSupport.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs ({@link SharedChild}, started with {@link ProcessBuilder}) on one shared region,
 * each with an explicit backend other than the one under test, so that a mutex locked through one
 * backend is taken through another; and descriptor passing to a child JVM.
 */
@ExtendWith({FdLeakCheck.class, MappingLeakCheck.class})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedProcessTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final SharedMutex.Recovery NEVER = () -> {
        throw new AssertionError("no owner died");
    };

    private final List<ChildJvm> children = new ArrayList<>();
    private String name;
    private SharedMemory region;

    @BeforeEach
    void open() throws Exception {
        name = MappingLeakCheck.name();
        region = SharedMemory.openOrCreate(backend(), name, SharedChild.layout(), Duration.ofSeconds(5), null);
    }

    @AfterEach
    void close() throws Exception {
        for (ChildJvm child : children) {
            child.close();
        }
        region.close();
        SharedMemory.unlink(backend(), name);
    }

    /** Starts a child and checks that it runs on {@code backend}. */
    private ChildJvm start(String backend, String... args) throws Exception {
        ChildJvm child = ChildJvm.start(backend, args);
        children.add(child);
        String first = child.expect("backend ", PATIENCE);
        assertTrue(first.startsWith("backend " + backend + " pid " + child.process.pid()), first);
        return child;
    }

    private long counter() {
        return region.memory().getLong(region.offset("counter"));
    }

    @Test
    void jvmsOfEveryBackendIncrementOneCounterExactly() throws Exception {
        int iterations = 3000;
        List<ChildJvm> counters = new ArrayList<>();
        for (String backend : ChildJvm.backends()) { // all at once: their start-up overlaps
            ChildJvm child = ChildJvm.start(backend, "count", name, Integer.toString(iterations));
            children.add(child);
            counters.add(child);
        }
        for (ChildJvm child : counters) {
            assertTrue(child.expect("backend ", PATIENCE).startsWith("backend " + child.backend + " "), child.output());
            child.expect("ready", PATIENCE);
        }
        SharedMutex mutex = region.mutex("lock");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (ChildJvm child : counters) {
                child.send("go");
            }
            List<Future<Integer>> local = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long id = -1 - t; // never a pid
                local.add(threads.submit(() -> SharedChild.increment(region, mutex, iterations, id)));
            }
            for (Future<Integer> f : local) {
                assertEquals(0, f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS), "two holders seen at once in this JVM");
            }
        } finally {
            threads.shutdown();
        }
        for (ChildJvm child : counters) {
            assertEquals("done 0", child.expect("done", PATIENCE), "two holders seen at once in " + child.backend);
            assertEquals(0, child.await(PATIENCE), child.output());
        }
        assertEquals((long) (counters.size() + 2) * iterations, counter());
    }

    /**
     * JVMs of every backend race to openOrCreate a fresh name: exactly one creates (O_EXCL) and
     * initialises it, and every other waits until it is published (each sees the creator's
     * initialiser's value and can lock the mutex).
     */
    @Test
    void jvmsRacingToOpenOrCreateAFreshNameHaveExactlyOneCreator() throws Exception {
        String fresh = MappingLeakCheck.name();
        List<ChildJvm> racers = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                ChildJvm child = ChildJvm.start(ChildJvm.backends().get(i % ChildJvm.backends().size()), "race", fresh);
                children.add(child);
                racers.add(child);
            }
            for (ChildJvm child : racers) {
                child.expect("ready", PATIENCE);
            }
            for (ChildJvm child : racers) {
                child.send("go");
            }
            int creators = 0;
            for (ChildJvm child : racers) {
                String line = child.expect("opened", PATIENCE);
                assertTrue(line.endsWith(" counter=42"), child.backend + " saw the region before it was published: " + line);
                if (line.startsWith("opened creator=true")) {
                    creators++;
                }
                assertEquals(0, child.await(PATIENCE), child.output());
            }
            assertEquals(1, creators, "creators among " + racers.size() + " racing JVMs");
        } finally {
            SharedMemory.unlink(backend(), fresh);
        }
    }

    @Test
    void anOwnerKilledHoldingTheLockIsReportedToTheNextLockerInAnotherProcess() throws Exception {
        region.memory().putLong(region.offset("counter"), 5);
        SharedMutex mutex = region.mutex("lock");
        // jni run: jna holds, jnr recovers; jnr run: jni holds, jna recovers; jna run: jnr holds,
        // jni recovers. Every backend repairs in a child, with the parent on a third one.
        ChildJvm holder = start(ChildJvm.rotated(2), "hold", name);
        holder.expect("locked", PATIENCE);

        long start = System.nanoTime();
        assertFalse(mutex.tryLock(NEVER), "held by the child");
        long took = System.nanoTime() - start;
        assertTrue(took < TimeUnit.MILLISECONDS.toNanos(500), "tryLock returns at once: " + took / 1_000_000 + " ms");
        start = System.nanoTime();
        assertFalse(mutex.tryLock(Duration.ofMillis(200), NEVER), "held by the child");
        long waited = System.nanoTime() - start;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(200) && waited < TimeUnit.SECONDS.toNanos(10),
                "the timed lock waits its 200 ms: " + waited / 1_000_000 + " ms");
        assertEquals("EPERM", assertThrows(ErrnoException.class, mutex::unlock).errnoName(), "not ours to unlock");

        holder.kill(); // SIGKILL while it holds the lock
        assertEquals(1005, counter(), "the dead owner's half-done update");

        ChildJvm recoverer = start(ChildJvm.rotated(1), "recover", name);
        assertEquals("owner-died dirty=1", recoverer.expect("owner-died", PATIENCE));
        assertEquals("counter=5 dirty=0 guard-owner-died=true", recoverer.expect("counter=", PATIENCE));
        assertEquals("again owner-died=false", recoverer.expect("again", PATIENCE));
        assertEquals(0, recoverer.await(PATIENCE), recoverer.output());

        try (SharedMutex.Guard guard = mutex.lock(NEVER)) {
            assertFalse(guard.ownerDied(), "repaired and consistent: nothing to report here");
            assertEquals(5, counter());
            assertEquals(0, region.memory().getLong(region.offset("dirty")));
        }
    }

    @Test
    void dataDeclaredUnrecoverableGivesEnotrecoverableInEveryProcess() throws Exception {
        SharedMutex mutex = region.mutex("lock");
        ChildJvm holder = start(ChildJvm.rotated(1), "hold", name);
        holder.expect("locked", PATIENCE);
        holder.kill();

        AtomicInteger recoveries = new AtomicInteger();
        ErrnoException e = assertThrows(ErrnoException.class, () -> mutex.lock(() -> {
            recoveries.incrementAndGet();
            return false;
        }));
        assertEquals("ENOTRECOVERABLE", e.errnoName());
        assertEquals(1, recoveries.get(), "told exactly once");

        ChildJvm later = start(ChildJvm.rotated(2), "lock", name);
        String line = later.expect("ENOTRECOVERABLE", PATIENCE);
        assertTrue(line.contains("pthread_mutex_lock(" + name + "@"), line);
        assertEquals(0, later.await(PATIENCE), later.output());
        assertEquals("ENOTRECOVERABLE", assertThrows(ErrnoException.class, () -> mutex.tryLock(NEVER)).errnoName());
    }

    @Test
    void aListeningSocketPassedToAChildAcceptsThere(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("handoff");
        try (Socket handoff = Socket.unix(false)) {
            handoff.bind(UnixDomainSocketAddress.of(path));
            handoff.listen(1);
            Socket listener = Socket.listenTcp(backend(), new InetSocketAddress("127.0.0.1", 0), 16, false);
            int port;
            ChildJvm child = start(ChildJvm.rotated(1), "accept", path.toString());
            try (Socket worker = handoff.accept(false)) {
                port = ((InetSocketAddress) listener.localAddress()).getPort();
                assertEquals(1, worker.sendDescriptors(TestSupport.bytes("L"), listener));
            } finally {
                listener.close(); // the child's copy is now the only one
            }
            assertEquals("received 1 tag L", child.expect("received", PATIENCE));
            try (Socket client = Socket.tcp(backend(), new InetSocketAddress("127.0.0.1", port), false)) {
                client.connect(new InetSocketAddress("127.0.0.1", port));
                StringBuilder reply = new StringBuilder();
                byte[] buffer = new byte[64];
                for (int n; reply.indexOf("\n") < 0 && (n = client.read(buffer, 0, buffer.length)) > 0; ) {
                    reply.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
                String text = reply.toString().trim();
                assertEquals("accepted by " + child.process.pid(), text);
                assertNotEquals(ProcessHandle.current().pid(), child.process.pid());
            }
            child.expect("served", PATIENCE);
            assertEquals(0, child.await(PATIENCE), child.output());
        }
    }
}
