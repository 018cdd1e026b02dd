package org.iomux.benchmarks.suite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.List;
import org.iomux.Backends;
import org.iomux.spi.InternalAccess;
import org.iomux.spi.NativeCalls;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler: the process's CPU time (user and system, every thread: the benchmark's, any it
 * hands work to, the JIT and GC) per operation, over each iteration, as {@code cpu.time.norm} in
 * ns/op. Operations are JMH's count of all the iteration's operations, as {@code -prof gc}
 * normalises allocation.
 *
 * <p>Read with {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)} through the library, to the
 * nanosecond: the JDK's {@code OperatingSystemMXBean.getProcessCpuTime} counts clock ticks
 * ({@code times(2)}, 10 ms), too coarse for short iterations.
 *
 * <p>JMH runs {@code @Setup(Level.Trial)} inside the first iteration and {@code @TearDown(Level.Trial)}
 * inside the last, so their CPU time lands there: read it with {@link Jmh#iterationMedian}.
 */
public final class ProcessCpu implements InternalProfiler {
    /** The secondary result's label. */
    public static final String LABEL = "cpu.time.norm";
    /** {@code CLOCK_PROCESS_CPUTIME_ID} of {@code <linux/time.h>}, the same on every architecture. */
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

    /** Raw calls: iomux's typed API has no clock_gettime, and a profiler must not allocate. */
    private final NativeCalls calls = InternalAccess.calls(Backends.defaultBackend());
    private final ByteBuffer timespec = ByteBuffer.allocateDirect(calls.layout().timespecSize)
            .order(ByteOrder.nativeOrder());
    private final long address = calls.address(timespec);
    private long start;

    @Override
    public String getDescription() {
        return "process CPU time per operation (clock_gettime(CLOCK_PROCESS_CPUTIME_ID))";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
        start = now();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
            IterationResult result) {
        long cpu = now() - start;
        long ops = result.getMetadata().getAllOps();
        double perOp = ops == 0 ? Double.NaN : (double) cpu / ops;
        return List.of(new ScalarResult(LABEL, perOp, "ns/op", AggregationPolicy.AVG));
    }

    private long now() {
        int r = calls.clockGettime(CLOCK_PROCESS_CPUTIME_ID, address);
        if (r < 0) {
            throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID): error " + -r);
        }
        return timespec.getLong(calls.layout().timespecSec) * 1_000_000_000L
                + timespec.getLong(calls.layout().timespecNsec);
    }
}
