package org.iomux.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.ErrnoException;
import org.iomux.NativeBuffer;
import org.iomux.Pipe;
import org.iomux.Backend;
import org.iomux.spi.InternalAccess;
import org.iomux.spi.NativeCalls;
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
 * The cost of a call to read and one to write 64 bytes (one operation), per backend, by each way of
 * passing the memory: the typed API on a direct {@link ByteBuffer} ({@code byteBuffer}: handle
 * check, reference count, EINTR loop, position update) or on a {@link NativeBuffer}
 * ({@code nativeBuffer}: the same, with a range check instead of the position, and the address
 * known), and the backend alone with the buffer ({@code backendBuffer}: the backend finds its
 * address) or with its address ({@code backendAddress}: the floor, two system calls and two native
 * calls). The differences are the per-call costs of the typed API and of finding a direct buffer's
 * address.
 *
 * <p>So that the system calls are as short as they get and these costs stand out, both fail at once
 * with {@code EAGAIN}: the read is on an empty non-blocking pipe, the write on a full one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DescriptorIo {
    private static final int MESSAGE = 64;

    @Param({"jni", "jnr", "jna"})
    public String backend;

    private Backend b;
    /** The raw calls, for the backend-only figures: through the one deliberate, unchecked way in. */
    private NativeCalls calls;
    private Pipe empty;
    private Pipe full;
    private int source;
    private int sink;
    private ByteBuffer buffer;
    private NativeBuffer nativeBuffer;
    private long address;

    @Setup(Level.Trial)
    public void setUp() throws ErrnoException {
        b = Backends.get(backend);
        calls = InternalAccess.calls(b);
        empty = Pipe.open(b, true);
        full = Pipe.open(b, true);
        source = empty.source().fd();
        sink = full.sink().fd();
        buffer = ByteBuffer.allocateDirect(MESSAGE);
        address = calls.address(buffer);
        nativeBuffer = NativeBuffer.allocate(b, MESSAGE);
        byte[] fill = new byte[4096];
        while (full.sink().write(fill, 0, fill.length) > 0) {
            // until EAGAIN
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        empty.close();
        full.close();
        nativeBuffer.close();
    }

    @Benchmark
    public int byteBuffer() throws ErrnoException {
        buffer.clear();
        int w = full.sink().write(buffer);
        return w + empty.source().read(buffer);
    }

    @Benchmark
    public int nativeBuffer() throws ErrnoException {
        int w = full.sink().write(nativeBuffer, 0, MESSAGE);
        return w + empty.source().read(nativeBuffer, 0, MESSAGE);
    }

    @Benchmark
    public long backendBuffer() {
        calls.write(sink, buffer, 0, MESSAGE);
        return calls.read(source, buffer, 0, MESSAGE);
    }

    @Benchmark
    public long backendAddress() {
        calls.write(sink, address, MESSAGE);
        return calls.read(source, address, MESSAGE);
    }
}
