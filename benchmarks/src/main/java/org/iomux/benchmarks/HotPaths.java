package org.iomux.benchmarks;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.ErrnoException;
import org.iomux.NativeBuffer;
import org.iomux.Pipe;
import org.iomux.Poll;
import org.iomux.Select;
import org.iomux.Socket;
import org.iomux.Backend;
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
 * The loops a server runs for every event, for JMH's GC profiler ({@code -prof gc}): the target is
 * 0 bytes allocated per operation on every backend.
 *
 * <ul>
 *   <li>{@code epollWait}, {@code pollWait}, {@code selectWait}: one wait on 16 pipes of which one
 *       stays readable (level-triggered: reported every time), and finding it;</li>
 *   <li>{@code echo}: the echo path of {@code epoll-echo} over TCP loopback, both ends through the
 *       library: the client writes 64 bytes (a direct {@code ByteBuffer}), the server waits
 *       ({@code epoll_wait}), reads them into its {@link NativeBuffer} and writes them back from
 *       it, by offset, as {@code epoll-echo} does, and the client reads them.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPaths {
    private static final int PIPES = 16;
    private static final int MESSAGE = 64;

    @Param({"jni", "jnr", "jna"})
    public String backend;

    private Pipe[] pipes;
    private int readyFd;
    private Epoll epoll;
    private EpollEvents events;
    private Poll poll;
    private Select select;
    private Socket client;
    private Socket server;
    private Epoll serverEpoll;
    private ByteBuffer clientOut;
    private ByteBuffer clientIn;
    private NativeBuffer serverBuffer;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Backend b = Backends.get(backend);
        pipes = new Pipe[PIPES];
        epoll = Epoll.open(b);
        events = EpollEvents.allocate(b, 64);
        poll = Poll.open(b, PIPES);
        int highest = 0;
        for (int i = 0; i < PIPES; i++) {
            pipes[i] = Pipe.open(b, true);
            highest = Math.max(highest, pipes[i].source().fd());
        }
        select = Select.open(b, highest + 1);
        for (Pipe p : pipes) {
            epoll.add(p.source(), Epoll.IN, p.source().fd());
            poll.add(p.source(), Poll.IN);
            select.add(p.source(), Select.READ);
        }
        Pipe ready = pipes[PIPES / 2];
        ready.sink().write(new byte[] {1}, 0, 1); // never drained: stays readable
        readyFd = ready.source().fd();

        try (Socket listener = Socket.listenTcp(b, new InetSocketAddress("127.0.0.1", 0), 1, false)) {
            InetSocketAddress address = (InetSocketAddress) listener.localAddress();
            client = Socket.tcp(b, address, false);
            client.connect(address); // blocking: completes on loopback once the listener queues it
            server = listener.accept(true);
        }
        serverEpoll = Epoll.open(b);
        serverEpoll.add(server, Epoll.IN, server.fd());
        clientOut = ByteBuffer.allocateDirect(MESSAGE);
        clientIn = ByteBuffer.allocateDirect(MESSAGE);
        serverBuffer = NativeBuffer.allocate(b, 16384);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Pipe p : pipes) {
            p.close();
        }
        events.close();
        epoll.close();
        poll.close();
        select.close();
        serverEpoll.close();
        client.close();
        server.close();
        serverBuffer.close();
    }

    @Benchmark
    public long epollWait() throws ErrnoException {
        int n = epoll.wait(events, -1);
        return check(n == 1 ? events.fd(0) : -1);
    }

    @Benchmark
    public long pollWait() throws ErrnoException {
        poll.poll(-1);
        for (int i = 0; i < PIPES; i++) {
            if (poll.revents(i) != 0) {
                return check(poll.fd(i));
            }
        }
        return check(-1);
    }

    @Benchmark
    public long selectWait() throws ErrnoException {
        select.select(-1);
        return check(select.nextReady(0));
    }

    @Benchmark
    public long echo() throws ErrnoException {
        clientOut.clear();
        while (clientOut.hasRemaining()) {
            client.write(clientOut);
        }
        int end = 0;
        while (end < MESSAGE) { // one segment, almost always: one wait, one read
            int n = serverEpoll.wait(events, -1);
            if (n != 1 || events.data(0) != server.fd()) {
                throw new IllegalStateException("epoll_wait reported " + n + " events");
            }
            int r = server.read(serverBuffer, end, serverBuffer.capacity() - end);
            if (r < 0) {
                throw new IllegalStateException("end of stream");
            }
            end += r;
        }
        for (int start = 0; start < end; ) {
            start += server.write(serverBuffer, start, end - start);
        }
        clientIn.clear();
        while (clientIn.hasRemaining()) {
            if (client.read(clientIn) < 0) {
                throw new IllegalStateException("end of stream");
            }
        }
        return clientIn.getLong(0);
    }

    /** The benchmark must find the one ready descriptor, or it measures nothing. */
    private long check(int fd) {
        if (fd != readyFd) {
            throw new IllegalStateException("found fd " + fd + ", expected " + readyFd);
        }
        return fd;
    }
}
