package org.iomux.benchmarks;

import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.EpollEvents;
import org.iomux.ErrnoException;
import org.iomux.Epoll;
import org.iomux.spi.Backend;
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
 * The cost of crossing into native code, per backend: {@code epoll_wait} with timeout 0 on an empty
 * set (through the typed API, and through the backend alone), and {@code getpid} (a system call
 * that does almost nothing, so what is left is the binding).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BindingOverhead {
    @Param({"jni", "jnr", "jna"})
    public String backend;

    private Backend b;
    private Epoll epoll;
    private EpollEvents events;
    private int epfd;
    private java.nio.ByteBuffer rawEvents; // held, so the address below stays valid
    private long eventsAddress;

    @Setup(Level.Trial)
    public void setUp() throws ErrnoException {
        b = Backends.get(backend);
        epoll = Epoll.open(b);
        events = EpollEvents.allocate(b, 64);
        epfd = epoll.fd();
        rawEvents = java.nio.ByteBuffer.allocateDirect(64 * 16);
        eventsAddress = b.address(rawEvents);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        events.close();
        epoll.close();
    }

    @Benchmark
    public int epollWaitTyped() throws ErrnoException {
        return epoll.wait(events, 0);
    }

    @Benchmark
    public int epollWaitBackend() {
        return b.epollWait(epfd, eventsAddress, 64, 0);
    }

    @Benchmark
    public int getpid() {
        return b.getpid();
    }
}
