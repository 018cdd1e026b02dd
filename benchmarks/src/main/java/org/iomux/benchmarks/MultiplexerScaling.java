package org.iomux.benchmarks;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.iomux.Backends;
import org.iomux.Descriptor;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.ErrnoException;
import org.iomux.Poll;
import org.iomux.ResourceLimit;
import org.iomux.Select;
import org.iomux.SignalIo;
import org.iomux.Socket;
import org.iomux.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Multiplexer scaling, the method of TLPI's Table 63-9, to compare with the same loop in C
 * ({@code benchmarks/c/mux_scaling.c}): {@code n} descriptors, all monitored: {@code n / 2}
 * non-blocking Unix stream socket pairs, descriptor {@code i} paired with descriptor {@code i ^ 1}.
 * A pair costs two descriptors and yields two monitored ones, so {@code n = 10000} fits a
 * 20,000-descriptor {@code RLIMIT_NOFILE}, where pipes would need {@code 2n} descriptors for
 * {@code n} monitored read ends. One operation picks a descriptor with xorshift32 (the C program's
 * generator and seed), writes 1 byte to its partner (which makes only descriptor {@code i}
 * readable), asks the mechanism which descriptor is ready (one already is, so nothing waits),
 * finds it the way a program would, checks that it is the one made ready, and reads the byte back.
 * A descriptor reported that is not the one made ready fails the run, so the benchmark cannot
 * silently measure nothing; an operation allocates nothing ({@code -prof gc}).
 *
 * <ul>
 *   <li>{@link #multiplexer} with {@code mechanism}:
 *     <ul>
 *       <li>{@code select}: {@link Select#select}{@code (-1)}, then {@link Select#nextReady}{@code (0)}
 *           and a descriptor-number-to-index table. {@code nfds} is about {@code n}: at
 *           {@code n = 10000}, sets far beyond {@code FD_SETSIZE}.</li>
 *       <li>{@code poll}: {@link Poll#poll}{@code (-1)}, then {@link Poll#revents} scanned from
 *           entry 0 (entry {@code i} is descriptor {@code i}).</li>
 *       <li>{@code epoll}: {@link Epoll#wait}{@code (-1)} into 64 events; the descriptor's index is the
 *           event's data.</li>
 *     </ul></li>
 *   <li>{@link #sigio}: signal-driven I/O through the {@link SignalIo} dispatcher, which calls the
 *       handlers on its own thread. Handing each operation to that thread and back would measure
 *       two thread wake-ups (tens of microseconds in a VM), not the mechanism; so the operations
 *       run as a chain on the dispatcher thread: the handler checks and drains its descriptor,
 *       then makes the next random one ready, whose signal the dispatcher reads next. An invocation starts
 *       a chain of {@link #CHAIN} operations and sleeps until its end: one hand-off per
 *       {@link #CHAIN} operations. It is a method of its own, without a {@code mechanism}
 *       parameter, since its operations per invocation differ.</li>
 * </ul>
 *
 * <p>{@code n = 10000} needs more than {@code n} descriptors: setup raises {@code RLIMIT_NOFILE}
 * (see {@link #descriptorLimit}) and fails with the reason where it cannot.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MultiplexerScaling {
    /** Operations per sigio invocation, so per thread hand-off. */
    public static final int CHAIN = 4096;
    /** Descriptors the process needs beyond the {@code n} monitored: the JVM's own, epoll, signalfd, eventfd. */
    public static final int RESERVED_DESCRIPTORS = 128;
    /** How long a sigio chain may take before the benchmark fails rather than hangs. */
    private static final long CHAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Benchmark
    public void multiplexer(Multiplexer s) throws ErrnoException {
        s.operation();
    }

    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public void sigio(SignalChain s) throws ErrnoException {
        s.chain();
    }

    /**
     * Raises {@code RLIMIT_NOFILE} towards {@code wanted}: the soft limit up to the hard one, and
     * the hard one too if it is lower and the process may raise it ({@code CAP_SYS_RESOURCE};
     * setrlimit(2) also refuses more than {@code fs.nr_open}). Child processes inherit the result.
     *
     * @return the soft limit now in force
     */
    public static long descriptorLimit(Backend b, long wanted) throws ErrnoException {
        ResourceLimit now = ResourceLimit.get(b, ResourceLimit.NOFILE);
        if (Long.compareUnsigned(now.hard(), wanted) < 0) {
            try {
                ResourceLimit.set(b, ResourceLimit.NOFILE, new ResourceLimit(wanted, wanted));
                return wanted;
            } catch (ErrnoException refused) {
                // EPERM without CAP_SYS_RESOURCE: make do with the hard limit
            }
        }
        return ResourceLimit.raiseSoft(b, ResourceLimit.NOFILE, wanted);
    }

    /** The socket pairs, and the parts of an operation that every mechanism shares. */
    @State(Scope.Thread)
    public abstract static class Descriptors {
        @Param({"jni", "jnr", "jna"})
        public String backend;

        /** Monitored descriptors: even, as they come in pairs. */
        @Param({"10", "100", "1000", "10000"})
        public int n;

        Backend b;
        /**
         * The monitored descriptors: {@code sources[i]} and {@code sources[i ^ 1]} are a socket pair,
         * and a byte written to {@code sources[i ^ 1]} makes {@code sources[i]} readable.
         */
        Socket[] sources;
        /** Index by descriptor number, -1 elsewhere: what a program keeps to find its connection. */
        int[] indexOf;
        int highestSource;
        /** The byte written by {@link #write(int)}: the thread that runs the operations owns it. */
        private final ByteBuffer written = ByteBuffer.allocateDirect(1);
        private final ByteBuffer drained = ByteBuffer.allocateDirect(1);
        private int random = 0x92D68CA2; // 2463534242, Marsaglia's seed, as in mux_scaling.c

        void open() throws ErrnoException {
            if (n < 2 || n % 2 != 0) {
                throw new IllegalArgumentException("n must be even and at least 2 (socket pairs): " + n);
            }
            b = Backends.get(backend);
            long wanted = n + RESERVED_DESCRIPTORS;
            long limit = descriptorLimit(b, wanted);
            if (Long.compareUnsigned(limit, wanted) < 0) {
                throw new IllegalStateException(n + " descriptors need RLIMIT_NOFILE >= " + wanted + ", but it is "
                        + limit + " and only CAP_SYS_RESOURCE may raise the hard limit");
            }
            sources = new Socket[n];
            for (int i = 0; i < n; i += 2) {
                Socket[] pair = Socket.pair(b, true);
                sources[i] = pair[0];
                sources[i + 1] = pair[1];
                highestSource = Math.max(highestSource, Math.max(pair[0].fd(), pair[1].fd()));
            }
            indexOf = new int[highestSource + 1];
            Arrays.fill(indexOf, -1);
            for (int i = 0; i < n; i++) {
                indexOf[sources[i].fd()] = i;
            }
        }

        void closeDescriptors() {
            if (sources != null) {
                for (Socket s : sources) {
                    if (s != null) {
                        s.close();
                    }
                }
            }
        }

        /** Marsaglia's xorshift32, as mux_scaling.c draws it. */
        int randomIndex() {
            int x = random;
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            random = x;
            return Integer.remainderUnsigned(x, n);
        }

        void write(int i) throws ErrnoException {
            write(i, written);
        }

        void write(int i, ByteBuffer one) throws ErrnoException {
            one.clear();
            if (sources[i ^ 1].write(one) != 1) {
                throw new IllegalStateException("descriptor " + i + "'s partner cannot write: an earlier byte was not drained");
            }
        }

        void drain(int i) throws ErrnoException {
            drained.clear();
            if (sources[i].read(drained) != 1) {
                throw new IllegalStateException("descriptor " + i + " was reported ready but is empty");
            }
        }

        IllegalStateException wrong(String mechanism, int expected, int found) {
            return new IllegalStateException(mechanism + " (" + backend + ", n=" + n + ") reported descriptor " + found
                    + " ready, but descriptor " + expected + " (fd " + sources[expected].fd() + ") was made ready");
        }
    }

    /** select, poll or epoll over the descriptors: one call answers "which one is ready?". */
    @State(Scope.Thread)
    public static class Multiplexer extends Descriptors {
        @Param({"select", "poll", "epoll"})
        public String mechanism;

        private Select select;
        private Poll poll;
        private Epoll epoll;
        private EpollEvents events;

        @Setup(Level.Trial)
        public void setUp() throws ErrnoException {
            open();
            switch (mechanism) {
                case "select" -> {
                    select = Select.open(b, highestSource + 1);
                    for (Descriptor d : sources) {
                        select.add(d, Select.READ);
                    }
                }
                case "poll" -> {
                    poll = Poll.open(b, n);
                    for (Descriptor d : sources) {
                        poll.add(d, Poll.IN);
                    }
                }
                case "epoll" -> {
                    epoll = Epoll.open(b);
                    events = EpollEvents.allocate(b, 64);
                    for (int i = 0; i < n; i++) {
                        epoll.add(sources[i], Epoll.IN, i);
                    }
                }
                default -> throw new IllegalArgumentException("unknown mechanism " + mechanism);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (select != null) {
                select.close();
            }
            if (poll != null) {
                poll.close();
            }
            if (events != null) {
                events.close();
            }
            if (epoll != null) {
                epoll.close();
            }
            closeDescriptors();
        }

        void operation() throws ErrnoException {
            int i = randomIndex();
            write(i);
            int found;
            if (select != null) {
                found = select.select(-1) == 1 ? indexOf[select.nextReady(0)] : -1;
            } else if (poll != null) {
                found = poll.poll(-1) == 1 ? firstReadyEntry() : -1;
            } else {
                found = epoll.wait(events, -1) == 1 ? (int) events.data(0) : -1;
            }
            if (found != i) {
                throw wrong(mechanism, i, found);
            }
            drain(i);
        }

        private int firstReadyEntry() {
            int i = 0;
            while (poll.revents(i) == 0) {
                i++;
            }
            return i;
        }
    }

    /**
     * The sigio operations, chained on the dispatcher thread (see the class comment). Whoever
     * starts an operation sets {@link #expected} (the benchmark thread also {@link #starter})
     * before its volatile write of {@link #left}, and only then writes to its partner; the handler's
     * first action is the volatile read of {@link #left}, so it sees the descriptor to expect and the
     * generator's state. The write that queues the signal is no synchronisation action of the
     * Java memory model, though it is what runs the handler.
     */
    @State(Scope.Thread)
    public static class SignalChain extends Descriptors implements SignalIo.Handler {
        private SignalIo dispatcher;
        /**
         * The benchmark thread's byte, which starts a chain: not {@code written}, which the
         * dispatcher thread may already be writing from while this thread's write returns.
         */
        private final ByteBuffer first = ByteBuffer.allocateDirect(1);
        private Thread starter;
        private int expected;
        private volatile int left;
        private volatile boolean done;
        private volatile Throwable failure;

        @Setup(Level.Trial)
        public void setUp() throws ErrnoException {
            open();
            dispatcher = SignalIo.builder().backend(b).threadName("sigio-chain").onFailure((d, t) -> {
                failure = t;
                finish();
            }).start();
            for (Descriptor d : sources) {
                dispatcher.register(d, this);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (dispatcher != null) {
                dispatcher.close();
                // each overflow made the dispatcher poll all n descriptors: the figure is then not signal-driven I/O's alone
                if (dispatcher.overflows() > 0) {
                    System.out.println("sigio: the real-time signal queue overflowed " + dispatcher.overflows()
                            + " times (RLIMIT_SIGPENDING counts every process of the user)");
                }
            }
            closeDescriptors();
        }

        void chain() throws ErrnoException {
            done = false;
            starter = Thread.currentThread();
            int i = randomIndex();
            expected = i;
            left = CHAIN;
            write(i, first); // after publishing: the handler may run before write returns
            long deadline = System.nanoTime() + CHAIN_TIMEOUT_NANOS;
            while (!done) {
                LockSupport.parkNanos(this, deadline - System.nanoTime());
                if (!done && System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("sigio chain stalled with " + left + " of " + CHAIN
                            + " operations left; dispatcher: " + dispatcher.events() + " events, "
                            + dispatcher.overflows() + " overflows, " + dispatcher.dropped() + " dropped");
                }
            }
            if (failure != null) {
                throw new IllegalStateException("sigio chain failed", failure);
            }
        }

        @Override
        public void ready(Descriptor descriptor, int band, SignalIo.Code code) throws ErrnoException {
            int remaining = left;
            int i = expected;
            // a queue overflow (plain SIGIO) makes the dispatcher poll every descriptor: code POLLED, still i
            if (descriptor != sources[i] || (band & Poll.IN) == 0) {
                throw wrong("sigio", i, indexOf[descriptor.fd()]);
            }
            drain(i);
            if (remaining > 1) {
                int next = randomIndex();
                expected = next;
                left = remaining - 1;
                write(next);
            } else {
                left = 0;
                finish();
            }
        }

        private void finish() {
            done = true;
            LockSupport.unpark(starter);
        }
    }
}
