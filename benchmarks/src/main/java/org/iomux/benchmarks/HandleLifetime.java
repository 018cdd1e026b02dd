package org.iomux.benchmarks;

import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.ErrnoException;
import org.iomux.NativeBuffer;
import org.iomux.SharedMemory;
import org.iomux.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the reference that every call on a handle holds for its duration (so that a close
 * from another thread never releases a descriptor or a mapping under a running call), without a
 * system call to hide it: an 8-byte read from a {@link NativeBuffer} that owns its memory
 * ({@code owned}: a bounds check and a load) and from the view of a {@link SharedMemory} mapping
 * ({@code mapped}: the same, inside a retain and a release of the mapping's reference count). The
 * difference is one retain and one release, what every system call on a descriptor pays.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandleLifetime {
    private static final String NAME = "/iomux-bench-lifetime-" + ProcessHandle.current().pid();

    private Backend b;
    private NativeBuffer owned;
    private SharedMemory region;
    private NativeBuffer mapped;

    @Setup(Level.Trial)
    public void setUp() throws ErrnoException {
        b = Backends.get("jni");
        owned = NativeBuffer.allocate(b, 64);
        region = SharedMemory.create(b, NAME, 4096);
        mapped = region.memory();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws ErrnoException {
        owned.close();
        region.close();
        SharedMemory.unlink(b, NAME);
    }

    @Benchmark
    public long owned() {
        return owned.getLong(8);
    }

    @Benchmark
    public long mapped() {
        return mapped.getLong(8);
    }
}
