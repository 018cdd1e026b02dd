package org.iomux.benchmarks;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.iomux.Backends;
import org.iomux.NativeBuffer;
import org.iomux.SharedMemory;
import org.iomux.SharedMutex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lock, increment a counter, unlock: {@link SharedMutex} per backend, against a
 * {@link ReentrantLock} (one JVM only) and {@link FileChannel#lock()} (one holder per process).
 * Uncontended, and contended by a second process ({@link MutexRival}) doing the same on the other
 * core, which is what a process-shared lock is for.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SharedMutexBench {
    static final SharedMutex.Recovery REPAIR = () -> true; // the counter needs no repair

    /** A shared region with a mutex and a counter, for one backend. */
    @State(Scope.Thread)
    public static class Shared {
        @Param({"jni", "jnr", "jna"})
        public String backend;

        SharedMemory region;
        SharedMutex mutex;
        NativeBuffer memory;
        int counter;
        String name;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            name = "/iomux-bench-" + ProcessHandle.current().pid() + "-" + backend;
            region = SharedMemory.openOrCreate(Backends.get(backend), name, MutexRival.LAYOUT, SharedMemory.DEFAULT_TIMEOUT,
                    null);
            try {
                mutex = region.mutex("lock");
                memory = region.memory();
                counter = region.offset("counter");
                started();
            } catch (IOException | RuntimeException e) {
                release(); // JMH runs no teardown after a failed setup: leave no name in /dev/shm
                throw e;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            try {
                stopping();
            } finally {
                release();
            }
        }

        private void release() throws IOException {
            region.close();
            SharedMemory.unlink(Backends.get(backend), name);
        }

        // JMH does not order @Setup methods along a class hierarchy: subclasses extend these instead
        void started() throws IOException {}

        void stopping() throws Exception {}
    }

    /** {@link Shared}, with a rival process contending for the same mutex. */
    @State(Scope.Thread)
    public static class Contended extends Shared {
        Process rival;

        @Override
        void started() throws IOException {
            rival = MutexRival.start("mutex", name, backend);
        }

        @Override
        void stopping() throws Exception {
            MutexRival.stop(rival, memory, region.offset("stop"));
        }
    }

    @State(Scope.Thread)
    public static class JavaLock {
        final ReentrantLock lock = new ReentrantLock();
        long counter;
    }

    @State(Scope.Thread)
    public static class Locked {
        Path file;
        FileChannel channel;
        long counter;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = Files.createTempFile("iomux-bench", ".lock");
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                started();
            } catch (IOException | RuntimeException e) {
                release(); // no teardown follows a failed setup
                throw e;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            try {
                stopping();
            } finally {
                release();
            }
        }

        private void release() throws IOException {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(file);
        }

        void started() throws IOException {}

        void stopping() throws Exception {}
    }

    /** {@link Locked}, with a rival process locking the same file. */
    @State(Scope.Thread)
    public static class LockedContended extends Locked {
        Process rival;

        @Override
        void started() throws IOException {
            rival = MutexRival.start("file", file.toString(), "-");
        }

        @Override
        void stopping() throws Exception {
            MutexRival.stopFile(rival, file);
        }
    }

    @Benchmark
    public long sharedMutex(Shared s) throws IOException {
        return increment(s);
    }

    @Benchmark
    public long sharedMutexContended(Contended s) throws IOException {
        return increment(s);
    }

    private static long increment(Shared s) throws IOException {
        try (SharedMutex.Guard g = s.mutex.lock(REPAIR)) {
            long v = s.memory.getLong(s.counter) + 1;
            s.memory.putLong(s.counter, v);
            return v;
        }
    }

    @Benchmark
    public long reentrantLock(JavaLock s) {
        s.lock.lock();
        try {
            return ++s.counter;
        } finally {
            s.lock.unlock();
        }
    }

    @Benchmark
    public long fileLock(Locked s) throws IOException {
        return lockFile(s);
    }

    @Benchmark
    public long fileLockContended(LockedContended s) throws IOException {
        return lockFile(s);
    }

    private static long lockFile(Locked s) throws IOException {
        try (FileLock lock = s.channel.lock()) {
            return ++s.counter;
        }
    }
}
