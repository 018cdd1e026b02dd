package org.iomux.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.iomux.Backend;
import org.iomux.Backends;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.ErrnoException;
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
 * The cost of crossing into native code, per backend, to compare with the same calls made from C
 * ({@code benchmarks/c/binding_floor.c}):
 *
 * <ul>
 *   <li>{@code epollWait}: {@code epoll_wait(epfd, events, 64, 0)} on an empty set through the typed
 *       API ({@link Epoll#wait}: handle check, reference count, EINTR loop);</li>
 *   <li>{@code epollWaitBackend}: the same call through the backend alone;</li>
 *   <li>{@code noop}: {@code __libc_current_sigrtmin()} (what {@code SIGRTMIN} expands to: no system
 *       call), so what is left is the binding itself.</li>
 * </ul>
 *
 * <p>The last two measure the raw backend calls on purpose, so they reach them through
 * {@link InternalAccess#calls}, the library's one deliberate, unchecked way in (an application has
 * no use for it: those calls take raw addresses and validate nothing). The arguments here are
 * checked by construction: {@code rawEvents} is a live direct buffer of 64 events, held by this
 * state object for the whole trial.
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

    private NativeCalls b;
    private Epoll epoll;
    private EpollEvents events;
    private ByteBuffer raw; // held: its address is passed to the kernel
    private int epfd;
    private long rawEvents;

    @Setup(Level.Trial)
    public void setUp() throws ErrnoException {
        Backend handle = Backends.get(backend);
        b = InternalAccess.calls(handle);
        epoll = Epoll.open(handle);
        events = EpollEvents.allocate(handle, 64);
        epfd = epoll.fd();
        raw = ByteBuffer.allocateDirect(64 * b.layout().epollEventSize);
        rawEvents = b.address(raw);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        events.close();
        epoll.close();
    }

    @Benchmark
    public int epollWait() throws ErrnoException {
        return epoll.wait(events, 0);
    }

    @Benchmark
    public int epollWaitBackend() {
        return b.epollWait(epfd, rawEvents, 64, 0);
    }

    @Benchmark
    public int noop() {
        return b.sigrtmin();
    }
}
