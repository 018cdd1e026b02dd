package org.iomux.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.iomux.Backend;
import org.iomux.Backends;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.ErrnoException;
import org.iomux.ResourceLimit;
import org.iomux.Socket;

/**
 * {@code echo-load}: the project's load checker for echo servers. Opens C connections, keeps K
 * messages in flight on each for D seconds, verifies every echoed byte, and prints one summary line:
 *
 * <pre>
 * echo-load: 100 connections, depth 1, sizes random 1..4096: 123456 msgs in 5.00 s = 24691 msgs/s, 48.2 MiB/s,
 *     latency p50 38 us p99 210 us max 3.1 ms, mismatches 0, errors 0
 * </pre>
 *
 * (one line on stdout; details of errors and the first mismatch go to stderr). Exit status 0 when
 * every connection was established and every echo came back intact, 1 on any mismatch or error, 2
 * on bad arguments.
 *
 * <h2>How it works</h2>
 * <ul>
 * <li><b>One thread, one {@link Epoll}, edge-triggered.</b> Each socket is registered once with
 *     {@code IN|OUT|RDHUP|ET} and never modified: no {@code epoll_ctl} per message. On an edge the
 *     loop reads until {@code EAGAIN} (read returns 0), and writes while the connection is
 *     {@code writable}: the flag is set by an {@code OUT} edge and cleared when a write returns 0
 *     ({@code EAGAIN}), after which the kernel reports the next {@code OUT} edge when room frees.</li>
 * <li><b>Content without copies.</b> Message {@code i} of connection {@code c} has a seed
 *     {@code mix(mix(mix(seed) + c*G) + (i+1)*G)} (splitmix64's finalizer); its size ({@code --sizes
 *     random}: 1 to S) and its bytes derive from that seed: 8-byte word {@code w} of the message is
 *     {@code mix(messageSeed + (w+1)*G)}, little-endian. Any byte of any message can be computed
 *     from (seed, connection, message index, offset), so neither side keeps a copy: the sender
 *     regenerates what a partial write left over, and the receiver checks the echo with a second
 *     cursor (message index and offset) over the same stream.</li>
 * <li><b>Bounded memory.</b> One 256 KiB direct buffer for writing (filled with the tail of the
 *     current message and the next ones, as far as the depth allows, so small messages share a
 *     {@code write}) and one for reading, shared by all connections; per connection a few counters
 *     and K start times. Reads are bounded by the buffer and verified at once.</li>
 * <li><b>Depth.</b> A message is in flight from the write that carries its first byte until the
 *     read that carries its last echoed byte; that interval is its latency ({@code System.nanoTime}).
 *     Latencies go into a fixed log-bucket histogram ({@link LatencyHistogram}: no allocation per
 *     message, p50 and p99 to within 1%, the maximum exact).</li>
 * <li><b>Phases.</b> Connect all (non-blocking {@code connect}, {@code finishConnect} on the first
 *     event, bounded by {@code --connect-timeout}); send for D seconds, or until {@code --messages M}
 *     messages have begun in all, whichever comes first; then start no new message, finish writing
 *     the ones begun, and wait (bounded by {@code --drain-timeout}) for every echo, closing each
 *     connection as soon as its echoes are all back (so that a server serving one client at a time,
 *     such as {@code iterative-echo}, gets to the clients waiting in its backlog); close the rest.
 *     The clock for the rates runs from the first write to the last echo.</li>
 * <li><b>Errors</b> (each counted once per connection, which is then closed): a failed or timed-out
 *     connect, a read or write error (reset, broken pipe), end of stream while sending or with echoes
 *     outstanding, more bytes echoed than sent, echoes still missing at the drain deadline. A
 *     <b>mismatch</b> is a message whose echo differs in at least one byte; the connection goes on.</li>
 * </ul>
 * {@link #run(Config)} is the library entry point (for tests): it returns a {@link Result} and never
 * exits.
 */
public final class EchoLoad {
    static final String USAGE = String.join("\n",
            "usage: java -jar iomux-examples.jar echo-load [options]",
            "  --host H               server address (default 127.0.0.1)",
            "  --port P               server port (default 7007)",
            "  --connections C        connections to open (default 100)",
            "  --size S               message size in bytes; the largest with --sizes random (default 4096)",
            "  --sizes fixed|random   every message S bytes, or uniformly 1..S (default random)",
            "  --depth K              messages in flight per connection (default 1)",
            "  --duration D           seconds of sending, more than 0, fractions allowed (default 5)",
            "  --messages M           stop after M messages in all connections, or after D seconds,",
            "                         whichever comes first (default 0: no limit, D seconds)",
            "  --seed N               seed of message sizes and contents (default 1)",
            "  --backend jni|jna|jnr  iomux backend (default: the library's default)",
            "  --connect-timeout MS   time for all connections to be established (default 10000)",
            "  --drain-timeout MS     time for the last echoes once sending stops (default 10000)",
            "exit status: 0 all connections established and every echo intact, 1 a mismatch or an error,",
            "2 bad arguments",
            "");

    private static final int BUFFER = 256 * 1024;
    private static final int EVENTS = 1024;
    private static final int ERROR_SAMPLES = 10;
    private static final int MAX_SIZE = 1 << 28;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long SIZE_SALT = 0x5851F42D4C957F2DL;

    private EchoLoad() {}

    // ---- configuration --------------------------------------------------------------------------

    /** What to run; defaults as in {@link #USAGE}. Setters return {@code this}. */
    public static final class Config {
        String host = "127.0.0.1";
        int port = 7007;
        int connections = 100;
        int size = 4096;
        boolean randomSizes = true;
        int depth = 1;
        double durationSeconds = 5;
        long messages;
        long seed = 1;
        String backend;
        long connectTimeoutMillis = 10_000;
        long drainTimeoutMillis = 10_000;

        /** A new configuration with the defaults; the setters chain, {@link #build()} validates. */
        public static Config builder() { return new Config(); }
        /** {@link #validate()}: the chain's end. */
        public Config build() { return validate(); }

        public Config host(String host) { this.host = host; return this; }
        public Config port(int port) { this.port = port; return this; }
        public Config connections(int connections) { this.connections = connections; return this; }
        public Config size(int size) { this.size = size; return this; }
        public Config randomSizes(boolean random) { this.randomSizes = random; return this; }
        public Config depth(int depth) { this.depth = depth; return this; }
        public Config duration(double seconds) { this.durationSeconds = seconds; return this; }
        public Config durationSeconds(double seconds) { return duration(seconds); }
        /** Messages to send in all (0: as many as the duration allows). */
        public Config messages(long messages) { this.messages = messages; return this; }
        public Config seed(long seed) { this.seed = seed; return this; }
        /** {@code null}: the library's default backend. */
        public Config backend(String backend) { this.backend = backend; return this; }
        public Config connectTimeoutMillis(long millis) { this.connectTimeoutMillis = millis; return this; }
        public Config drainTimeoutMillis(long millis) { this.drainTimeoutMillis = millis; return this; }

        public String host() { return host; }
        public int port() { return port; }
        public int connections() { return connections; }
        public int size() { return size; }
        public boolean randomSizes() { return randomSizes; }
        public int depth() { return depth; }
        public double duration() { return durationSeconds; }
        public long messages() { return messages; }
        public long seed() { return seed; }
        public String backend() { return backend; }
        public long connectTimeoutMillis() { return connectTimeoutMillis; }
        public long drainTimeoutMillis() { return drainTimeoutMillis; }

        /** @throws IllegalArgumentException naming the first value out of range */
        public Config validate() {
            check(host != null && !host.isBlank(), "--host must not be empty");
            check(port >= 1 && port <= 65535, "--port " + port + " is outside 1..65535");
            check(connections >= 1 && connections <= 1_000_000, "--connections " + connections + " is outside 1..1000000");
            check(size >= 1 && size <= MAX_SIZE, "--size " + size + " is outside 1.." + MAX_SIZE);
            check(depth >= 1 && depth <= 65536, "--depth " + depth + " is outside 1..65536");
            check((long) connections * depth <= 1 << 24, "--connections times --depth exceeds " + (1 << 24));
            check(Double.isFinite(durationSeconds) && durationSeconds > 0 && durationSeconds <= 1e6,
                    "--duration " + durationSeconds + " is not more than 0 and at most 1000000 seconds");
            check(messages >= 0, "--messages " + messages + " is negative");
            check(backend == null || Backends.NAMES.contains(backend),
                    "--backend " + backend + " is not one of " + String.join(", ", Backends.NAMES));
            check(connectTimeoutMillis >= 1 && connectTimeoutMillis <= 3_600_000,
                    "--connect-timeout " + connectTimeoutMillis + " is outside 1..3600000 ms");
            check(drainTimeoutMillis >= 0 && drainTimeoutMillis <= 3_600_000,
                    "--drain-timeout " + drainTimeoutMillis + " is outside 0..3600000 ms");
            return this;
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        String sizesText() {
            return randomSizes ? "random 1.." + size : "fixed " + size;
        }
    }

    /** Parses the command line (without {@code --help}). @throws IllegalArgumentException on any bad argument */
    static Config parse(String[] args) {
        Config c = new Config();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                value = null;
            }
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            if (value == null) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            switch (name) {
                case "--host": c.host = value; break;
                case "--port": c.port = parseInt(name, value); break;
                case "--connections": c.connections = parseInt(name, value); break;
                case "--size": c.size = parseInt(name, value); break;
                case "--depth": c.depth = parseInt(name, value); break;
                case "--duration":
                    try {
                        c.durationSeconds = Double.parseDouble(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(name + ": '" + value + "' is not a number of seconds");
                    }
                    break;
                case "--sizes":
                    if (!value.equals("fixed") && !value.equals("random")) {
                        throw new IllegalArgumentException("--sizes must be fixed or random, not '" + value + "'");
                    }
                    c.randomSizes = value.equals("random");
                    break;
                case "--seed": c.seed = parseLong(name, value); break;
                case "--messages": c.messages = parseLong(name, value); break;
                case "--backend": c.backend = value; break;
                case "--connect-timeout": c.connectTimeoutMillis = parseLong(name, value); break;
                case "--drain-timeout": c.drainTimeoutMillis = parseLong(name, value); break;
                default: throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return c.validate();
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not an integer");
        }
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not an integer");
        }
    }

    // ---- entry points ---------------------------------------------------------------------------

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** The command: parses, runs, prints; returns the exit status (0 ok, 1 failure, 2 bad arguments). */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                out.flush();
                return 0;
            }
        }
        Config config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("echo-load: " + e.getMessage());
            err.print(USAGE);
            err.flush();
            return 2;
        }
        Result result;
        try {
            result = run(config);
        } catch (IOException | RuntimeException e) {
            err.println("echo-load: " + e);
            err.flush();
            return 1;
        }
        for (String s : result.errorSamples()) {
            err.println("echo-load: error: " + s);
        }
        if (result.errors() > result.errorSamples().size()) {
            err.println("echo-load: ... and " + (result.errors() - result.errorSamples().size()) + " more errors");
        }
        if (result.firstMismatch() != null) {
            err.println("echo-load: first mismatch: " + result.firstMismatch());
        }
        err.flush();
        out.println(result.summary());
        out.flush();
        return result.ok() ? 0 : 1;
    }

    /**
     * Runs the load as {@code config} says and returns the numbers; never exits.
     *
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws IOException if the run cannot start at all (unknown host, no epoll)
     * @throws IllegalStateException if the chosen backend cannot load
     */
    public static Result run(Config config) throws IOException {
        config.validate();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(config.host), config.port);
        Backend backend = config.backend == null ? Backends.defaultBackend() : Backends.get(config.backend);
        try (Epoll epoll = Epoll.open(backend); EpollEvents events = EpollEvents.allocate(backend, EVENTS)) {
            return new Run(config, backend, epoll, events, address).execute();
        }
    }

    // ---- results --------------------------------------------------------------------------------

    /** The numbers of one run. Latencies are in nanoseconds (0 when no message completed). */
    public static final class Result {
        private final int asked;
        private final int depth;
        private final String sizes;
        private final int established;
        private final long messages;
        private final long bytes;
        private final long mismatches;
        private final long errors;
        private final long elapsedNanos;
        private final long p50;
        private final long p99;
        private final long max;
        private final String firstMismatch;
        private final List<String> errorSamples;

        Result(Config config, int established, long messages, long bytes, long mismatches, long errors,
                long elapsedNanos, long p50, long p99, long max, String firstMismatch, List<String> errorSamples) {
            this.asked = config.connections;
            this.depth = config.depth;
            this.sizes = config.sizesText();
            this.established = established;
            this.messages = messages;
            this.bytes = bytes;
            this.mismatches = mismatches;
            this.errors = errors;
            this.elapsedNanos = elapsedNanos;
            this.p50 = p50;
            this.p99 = p99;
            this.max = max;
            this.firstMismatch = firstMismatch;
            this.errorSamples = Collections.unmodifiableList(new ArrayList<>(errorSamples));
        }

        public int connectionsAsked() { return asked; }
        public int connectionsEstablished() { return established; }
        /** Messages whose whole echo came back (intact or not). */
        public long messages() { return messages; }
        /** Payload bytes of those messages, one way. */
        public long bytes() { return bytes; }
        /** Messages whose echo differed in at least one byte (counted at the first wrong byte). */
        public long mismatches() { return mismatches; }
        public long errors() { return errors; }
        /** From the first write to the last echo (or the drain deadline). */
        public long elapsedNanos() { return elapsedNanos; }
        public long p50Nanos() { return p50; }
        public long p99Nanos() { return p99; }
        public long maxNanos() { return max; }
        /** Where the first mismatch was, or {@code null}. */
        public String firstMismatch() { return firstMismatch; }
        /** The first few errors, described. */
        public List<String> errorSamples() { return errorSamples; }

        /** Every connection established, no mismatch, no error. */
        public boolean ok() {
            return mismatches == 0 && errors == 0 && established == asked;
        }

        /** The one summary line. */
        public String summary() {
            double seconds = elapsedNanos / 1e9;
            String connections = established == asked ? Integer.toString(established) : established + " of " + asked;
            String latency = messages == 0 ? "latency -"
                    : "latency p50 " + duration(p50) + " p99 " + duration(p99) + " max " + duration(max);
            return String.format(Locale.ROOT,
                    "echo-load: %s connections, depth %d, sizes %s: %d msgs in %.2f s = %d msgs/s, %.1f MiB/s, "
                            + "%s, mismatches %d, errors %d",
                    connections, depth, sizes, messages, seconds,
                    seconds > 0 ? Math.round(messages / seconds) : 0,
                    seconds > 0 ? bytes / seconds / (1 << 20) : 0.0, latency, mismatches, errors);
        }

        @Override
        public String toString() {
            return summary();
        }

        static String duration(long nanos) {
            if (nanos < 1_000_000) {
                return (nanos + 500) / 1000 + " us";
            }
            if (nanos < 1_000_000_000) {
                return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
            }
            return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
        }
    }

    // ---- the content stream ---------------------------------------------------------------------

    /** splitmix64's finalizer (Stafford's mix13). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long connectionSeed(long seed, int connection) {
        return mix(mix(seed) + (connection + 1L) * GOLDEN);
    }

    static long messageSeed(long connectionSeed, long index) {
        return mix(connectionSeed + (index + 1) * GOLDEN);
    }

    static int messageSize(long messageSeed, int size, boolean random) {
        return random ? 1 + (int) Long.remainderUnsigned(mix(messageSeed ^ SIZE_SALT), size) : size;
    }

    /** The 8 bytes at message offset {@code 8 * word}, little-endian. */
    static long word(long messageSeed, int word) {
        return mix(messageSeed + (word + 1L) * GOLDEN);
    }

    static byte expected(long messageSeed, int offset) {
        return (byte) (word(messageSeed, offset >>> 3) >>> ((offset & 7) << 3));
    }

    /** Writes message bytes {@code [offset, offset + count)} to {@code buffer[at...]} (little-endian buffer). */
    static void fill(ByteBuffer buffer, int at, long messageSeed, int offset, int count) {
        int p = offset;
        int end = offset + count;
        for (; p < end && (p & 7) != 0; p++) {
            buffer.put(at++, expected(messageSeed, p));
        }
        for (; end - p >= 8; p += 8, at += 8) {
            buffer.putLong(at, word(messageSeed, p >>> 3));
        }
        for (; p < end; p++) {
            buffer.put(at++, expected(messageSeed, p));
        }
    }

    /**
     * Checks {@code buffer[at, at + count)} against message bytes {@code [offset, offset + count)}.
     *
     * @return the message offset of the first wrong byte, or -1
     */
    static int verify(ByteBuffer buffer, int at, long messageSeed, int offset, int count) {
        int p = offset;
        int end = offset + count;
        for (; p < end && (p & 7) != 0; p++, at++) {
            if (buffer.get(at) != expected(messageSeed, p)) {
                return p;
            }
        }
        for (; end - p >= 8; p += 8, at += 8) {
            long diff = buffer.getLong(at) ^ word(messageSeed, p >>> 3);
            if (diff != 0) {
                return p + (Long.numberOfTrailingZeros(diff) >>> 3);
            }
        }
        for (; p < end; p++, at++) {
            if (buffer.get(at) != expected(messageSeed, p)) {
                return p;
            }
        }
        return -1;
    }

    // ---- one run --------------------------------------------------------------------------------

    /** Per-connection state: two cursors over the connection's message stream, and K start times. */
    private static final class Connection {
        final int index;
        final long seed;
        final long[] starts;
        Socket socket;
        boolean connected;
        boolean writable;
        boolean closed;
        /** Messages begun (first byte written) and not yet fully echoed. */
        int inFlight;
        long sent;
        long received;
        // the send cursor: message sendIndex, bytes [0, sendOffset) written
        long sendIndex;
        int sendOffset;
        int sendSize;
        long sendSeed;
        // the receive cursor: message recvIndex, bytes [0, recvOffset) echoed
        long recvIndex;
        int recvOffset;
        int recvSize;
        long recvSeed;
        boolean recvBad;

        Connection(int index, long seed, int depth) {
            this.index = index;
            this.seed = seed;
            this.starts = new long[depth];
        }
    }

    private static final class Run {
        private final Config config;
        private final Backend backend;
        private final Epoll epoll;
        private final EpollEvents events;
        private final InetSocketAddress address;
        private final Connection[] connections;
        private final int depth;
        private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        private boolean sending;
        private int open;
        private int established;
        private long outstanding;
        /** Messages whose first byte was written, in all connections (bounded by {@code --messages}). */
        private long begun;
        private long messages;
        private long bytes;
        private long mismatches;
        private long errors;
        private String firstMismatch;
        private final List<String> errorSamples = new ArrayList<>();
        private final LatencyHistogram latencies = new LatencyHistogram();

        Run(Config config, Backend backend, Epoll epoll, EpollEvents events, InetSocketAddress address) {
            this.config = config;
            this.backend = backend;
            this.epoll = epoll;
            this.events = events;
            this.address = address;
            this.depth = config.depth;
            this.connections = new Connection[config.connections];
            for (int i = 0; i < connections.length; i++) {
                Connection c = new Connection(i, connectionSeed(config.seed, i), depth);
                c.sendSeed = c.recvSeed = messageSeed(c.seed, 0);
                c.sendSize = c.recvSize = messageSize(c.sendSeed, config.size, config.randomSizes);
                connections[i] = c;
            }
        }

        Result execute() {
            long start;
            long end;
            try {
                connectAll();
                start = System.nanoTime();
                end = load(start);
            } finally {
                for (Connection c : connections) {
                    if (c.socket != null) {
                        c.socket.close();
                    }
                }
            }
            return new Result(config, established, messages, bytes, mismatches, errors, end - start,
                    latencies.quantile(0.50), latencies.quantile(0.99), latencies.max(), firstMismatch, errorSamples);
        }

        // -- phase 1: connect --

        private void connectAll() {
            try {
                ResourceLimit.raiseSoft(backend, ResourceLimit.NOFILE, connections.length + 64L);
            } catch (ErrnoException e) {
                // go on: socket() will say EMFILE if the limit really is too low
            }
            long deadline = System.nanoTime() + config.connectTimeoutMillis * 1_000_000;
            int pending = 0;
            for (Connection c : connections) {
                try {
                    c.socket = Socket.tcp(backend, address, true);
                    open++;
                    boolean done = c.socket.connect(address);
                    epoll.add(c.socket, Epoll.IN | Epoll.OUT | Epoll.RDHUP | Epoll.ET, c.index);
                    if (done) {
                        connected(c);
                    } else {
                        pending++;
                    }
                } catch (ErrnoException e) {
                    error(c, "connect to " + address + ": " + e.getMessage());
                }
            }
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                int n = waitFor(left);
                for (int i = 0; i < n; i++) {
                    Connection c = connections[(int) events.data(i)];
                    if (c.closed || c.connected) {
                        continue; // a connected socket's first edges: its first read and write come in phase 2
                    }
                    try {
                        if (c.socket.finishConnect()) {
                            connected(c);
                            pending--;
                        }
                    } catch (ErrnoException e) {
                        error(c, "connect to " + address + ": " + e.getMessage());
                        pending--;
                    }
                }
            }
            for (Connection c : connections) {
                if (!c.closed && !c.connected) {
                    error(c, "connect to " + address + " timed out after " + config.connectTimeoutMillis + " ms");
                }
            }
        }

        private void connected(Connection c) {
            c.connected = true;
            c.writable = true; // a new connection's send buffer is empty; a write says EAGAIN otherwise
            established++;
        }

        // -- phase 2: load, then drain --

        /** @return when the last echo came back (or the drain gave up) */
        private long load(long start) {
            long deadline = start + Math.round(config.durationSeconds * 1e9);
            sending = true; // validate() requires a duration above 0
            for (Connection c : connections) {
                if (!c.closed) {
                    service(c, Epoll.IN);
                }
            }
            long drainDeadline = 0;
            for (;;) {
                long now = System.nanoTime();
                if (sending && (now - deadline >= 0 || (config.messages > 0 && begun >= config.messages))) {
                    sending = false;
                    drainDeadline = now + config.drainTimeoutMillis * 1_000_000;
                    for (Connection c : connections) {
                        if (c.inFlight == 0) {
                            close(c); // done: the drain closes the others as their last echo comes
                        }
                    }
                }
                if (!sending) {
                    if (outstanding == 0 || open == 0) {
                        return now;
                    }
                    if (now - drainDeadline >= 0) {
                        for (Connection c : connections) {
                            if (!c.closed && c.inFlight > 0) {
                                error(c, c.inFlight + " echoes (" + (c.sent - c.received)
                                        + " bytes) still missing " + config.drainTimeoutMillis + " ms after sending stopped");
                            }
                        }
                        return now;
                    }
                } else if (open == 0) {
                    return now;
                }
                int n = waitFor((sending ? deadline : drainDeadline) - now);
                for (int i = 0; i < n; i++) {
                    Connection c = connections[(int) events.data(i)];
                    if (!c.closed) {
                        service(c, events.events(i));
                    }
                }
            }
        }

        private int waitFor(long nanos) {
            try {
                return epoll.waitNanos(events, Math.max(0, nanos));
            } catch (ErrnoException e) {
                throw new IllegalStateException(e.getMessage(), e); // the epoll itself failed: nothing to measure
            }
        }

        private void service(Connection c, int ready) {
            try {
                if ((ready & Epoll.OUT) != 0) {
                    c.writable = true;
                }
                if ((ready & (Epoll.IN | Epoll.RDHUP | Epoll.HUP | Epoll.ERR)) != 0) {
                    receive(c);
                }
                if (!c.closed) {
                    send(c);
                }
            } catch (ErrnoException e) {
                error(c, e.getMessage());
            }
        }

        /** Writes while the socket takes bytes and there is something to send (depth and phase allowing). */
        private void send(Connection c) throws ErrnoException {
            while (c.writable) {
                long index = c.sendIndex;
                int offset = c.sendOffset;
                int size = c.sendSize;
                long seed = c.sendSeed;
                int inFlight = c.inFlight;
                long begunAll = begun;
                int at = 0;
                out.clear(); // absolute puts are checked against the limit the last write left
                while (at < BUFFER) {
                    if (offset == 0) {
                        if (!sending || inFlight >= depth || (config.messages > 0 && begunAll >= config.messages)) {
                            break; // a message is begun only while sending, within the depth and the limit
                        }
                        inFlight++;
                        begunAll++;
                    }
                    int n = Math.min(size - offset, BUFFER - at);
                    fill(out, at, seed, offset, n);
                    at += n;
                    offset += n;
                    if (offset == size) {
                        index++;
                        offset = 0;
                        seed = messageSeed(c.seed, index);
                        size = messageSize(seed, config.size, config.randomSizes);
                    }
                }
                if (at == 0) {
                    return;
                }
                out.limit(at).position(0);
                int written = c.socket.write(out);
                if (written == 0) {
                    c.writable = false; // EAGAIN: the next OUT edge says when there is room
                    return;
                }
                sent(c, written, System.nanoTime());
            }
        }

        /** Moves the send cursor over {@code written} bytes; a message whose first byte is among them begins now. */
        private void sent(Connection c, int written, long now) {
            c.sent += written;
            while (written > 0) {
                if (c.sendOffset == 0) {
                    c.starts[(int) (c.sendIndex % depth)] = now;
                    c.inFlight++;
                    outstanding++;
                    begun++;
                }
                int n = Math.min(c.sendSize - c.sendOffset, written);
                c.sendOffset += n;
                written -= n;
                if (c.sendOffset == c.sendSize) {
                    c.sendIndex++;
                    c.sendOffset = 0;
                    c.sendSeed = messageSeed(c.seed, c.sendIndex);
                    c.sendSize = messageSize(c.sendSeed, config.size, config.randomSizes);
                }
            }
        }

        /** Reads until EAGAIN, checking every byte against the receive cursor. */
        private void receive(Connection c) throws ErrnoException {
            for (;;) {
                in.clear();
                int r = c.socket.read(in);
                if (r == 0) {
                    return;
                }
                if (r < 0) {
                    if (c.inFlight > 0) {
                        error(c, "end of stream with " + c.inFlight + " echoes (" + (c.sent - c.received)
                                + " bytes) outstanding");
                    } else if (sending) {
                        error(c, "end of stream while sending (every echo so far had come back)");
                    } else {
                        close(c);
                    }
                    return;
                }
                long now = System.nanoTime();
                if (c.received + r > c.sent) {
                    error(c, "received " + (c.received + r - c.sent) + " bytes more than were sent");
                    return;
                }
                long before = c.received;
                c.received += r;
                for (int pos = 0; pos < r; ) {
                    int n = Math.min(c.recvSize - c.recvOffset, r - pos);
                    if (!c.recvBad) {
                        int bad = verify(in, pos, c.recvSeed, c.recvOffset, n);
                        if (bad >= 0) {
                            c.recvBad = true; // counted now, so a message cut short by an error counts too
                            mismatches++;
                            mismatch(c, bad, before + pos + (bad - c.recvOffset), in.get(pos + (bad - c.recvOffset)));
                        }
                    }
                    c.recvOffset += n;
                    pos += n;
                    if (c.recvOffset == c.recvSize) {
                        latencies.record(now - c.starts[(int) (c.recvIndex % depth)]);
                        messages++;
                        bytes += c.recvSize;
                        c.inFlight--;
                        outstanding--;
                        c.recvIndex++;
                        c.recvOffset = 0;
                        c.recvBad = false;
                        c.recvSeed = messageSeed(c.seed, c.recvIndex);
                        c.recvSize = messageSize(c.recvSeed, config.size, config.randomSizes);
                    }
                }
                if (!sending && c.inFlight == 0) {
                    close(c); // its last echo: let the server move on (draining, see load)
                    return;
                }
            }
        }

        private void mismatch(Connection c, int offset, long streamOffset, byte got) {
            if (firstMismatch == null) {
                firstMismatch = String.format(Locale.ROOT,
                        "connection %d, message %d (%d bytes), byte %d (byte %d of the connection's stream): "
                                + "expected 0x%02x, got 0x%02x",
                        c.index, c.recvIndex, c.recvSize, offset, streamOffset,
                        expected(c.recvSeed, offset) & 0xff, got & 0xff);
            }
        }

        private void error(Connection c, String why) {
            errors++;
            if (errorSamples.size() < ERROR_SAMPLES) {
                errorSamples.add("connection " + c.index + ": " + why);
            }
            close(c);
        }

        private void close(Connection c) {
            if (c.closed) {
                return;
            }
            c.closed = true;
            outstanding -= c.inFlight;
            if (c.socket != null) {
                c.socket.close(); // also leaves the epoll set
                open--;
            }
        }
    }
}
