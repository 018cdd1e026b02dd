package org.iomux.examples;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.iomux.Backends;
import org.iomux.ErrnoException;
import org.iomux.Socket;

/**
 * The life of every example server: parse the options, open the listener(s), print
 * {@code listening on HOST:PORT}, serve until SIGINT or SIGTERM (a JVM shutdown hook calls
 * {@link #stop()} and waits for {@link #serve()} to return), close every descriptor, print one
 * summary line. Subclasses implement the concurrency model.
 */
abstract class EchoServer implements Acceptor.Counts {
    /** Counters shared by the models; per-worker counts are the subclass's. */
    final AtomicLong connections = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    /** Of those refused, how many for lack of memory for their buffer (or thread). */
    final AtomicLong refusedForMemory = new AtomicLong();
    /**
     * Connections closed because there was no memory for their buffer when their data came (the
     * event-driven models, whose connections hold a buffer only while bytes are in flight).
     */
    final AtomicLong closedForMemory = new AtomicLong();
    /** Times accepting paused for lack of descriptors or memory. */
    final AtomicLong acceptPauses = new AtomicLong();
    /** Connections admitted and not yet closed: what {@code --max-connections} bounds. */
    final AtomicInteger open = new AtomicInteger();

    ServerOptions options;
    int maxConnections;
    int bufferSize;

    /** The program name, e.g. {@code epoll-echo}. */
    abstract String name();

    /** One paragraph for {@code --help}. */
    abstract String summary();

    /** This server's own options. */
    List<ServerOptions.Option> ownOptions() {
        return List.of();
    }

    /** The common options this server takes: all of them, unless it bounds nothing. */
    List<ServerOptions.Option> commonOptions() {
        return ServerOptions.COMMON;
    }

    /** Reads this server's options; called before {@link #start}. */
    void configure(ServerOptions options) throws ServerOptions.UsageException {
    }

    /** Opens the listener(s); returns the bound address. */
    abstract InetSocketAddress start(InetSocketAddress address) throws Exception;

    /** Serves until {@link #stop()}. */
    abstract void serve() throws Throwable;

    /** Called from the shutdown hook, on another thread: make {@link #serve()} return soon. */
    abstract void stop();

    /** Closes everything; called once {@link #serve()} has returned (or failed). */
    abstract void close();

    /** How many {@code --buffer}s this server may hold at once in this JVM (direct memory); 0: none. */
    long buffersAtOnce() {
        return maxConnections;
    }

    /**
     * Whether a connection holds its buffer only while bytes are in flight ({@link EchoConnection}'s
     * {@link BufferPool}), rather than for its whole life: then {@link #buffersAtOnce()} buffers are
     * a worst case, reached only if every connection has a full buffer unsent at once.
     */
    boolean buffersOnDemand() {
        return false;
    }

    /** Extra summary text, e.g. per-worker counts; empty by default. */
    String details() {
        return "";
    }

    // ---- connection accounting, shared by the models -------------------------------------------

    /**
     * Admits a new connection, or refuses it beyond {@code --max-connections}: closed at once, the
     * client reads end of stream. An admitted connection ends with {@link #closed(long)}.
     */
    boolean admit(Socket s) {
        if (open.incrementAndGet() <= maxConnections) {
            return true;
        }
        open.decrementAndGet();
        return refuse(s);
    }

    /** Turns away a connection not counted open: closed at once, counted as refused; returns false. */
    boolean refuse(Socket s) {
        refused.incrementAndGet();
        s.close();
        return false;
    }

    /**
     * An admitted connection turned away after all, for lack of memory for its buffer (or thread):
     * closed and counted as refused, like one beyond {@code --max-connections}.
     */
    void refuseAdmitted(Socket s, OutOfMemoryError e) {
        open.decrementAndGet();
        if (refusedForMemory.getAndIncrement() == 0) {
            System.err.println(name() + ": no memory for a connection (" + e.getMessage()
                    + "); refusing connections while there is none");
        }
        refuse(s);
    }

    /**
     * An admitted connection found no memory for its buffer when its data came: counted; the caller
     * closes it (the client sees a reset or end of stream) and goes on serving the others.
     */
    void noMemoryForBuffer(OutOfMemoryError e) {
        if (closedForMemory.getAndIncrement() == 0) {
            System.err.println(name() + ": no memory for a connection's buffer (" + e.getMessage()
                    + "); closing the connections that find none when their data arrives");
        }
    }

    /** An admitted connection is over: it echoed {@code echoed} bytes. */
    void closed(long echoed) {
        open.decrementAndGet();
        bytes.addAndGet(echoed);
    }

    @Override
    public void connectionError() {
        errors.incrementAndGet();
    }

    @Override
    public void acceptPaused(ErrnoException why) {
        if (acceptPauses.getAndIncrement() == 0) {
            System.err.println(name() + ": accept: " + Acceptor.describe(why) + "; accepting pauses for "
                    + Acceptor.PAUSE_MILLIS + " ms at a time until it passes (open connections are served meanwhile)");
        }
    }

    // ---- main ----------------------------------------------------------------------------------

    final String summaryLine() {
        return name() + ": served " + connections.get() + " connections, echoed " + bytes.get() + " bytes"
                + (refused.get() > 0 ? ", refused " + refused.get() : "")
                + (refusedForMemory.get() > 0 ? " (" + refusedForMemory.get() + " for lack of memory)" : "")
                + (closedForMemory.get() > 0 ? ", " + closedForMemory.get() + " closed for lack of memory" : "")
                + (errors.get() > 0 ? ", " + errors.get() + " connection errors" : "")
                + (acceptPauses.get() > 0 ? ", accepting paused " + acceptPauses.get() + " times" : "")
                + details();
    }

    /** Runs {@code server} with {@code args}; exits 2 on bad usage, 1 if serving fails. */
    static void main(EchoServer server, String[] args) {
        int code = run(server, args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** {@link #main}, returning the exit status instead of exiting. */
    static int run(EchoServer server, String[] args, PrintStream out, PrintStream err) {
        List<ServerOptions.Option> common = server.commonOptions();
        String usage = ServerOptions.usage(server.name(), server.summary(), common, server.ownOptions());
        ServerOptions options;
        InetSocketAddress address;
        try {
            for (String a : args) {
                if (a.equals("--help")) {
                    out.print(usage);
                    out.flush();
                    return 0;
                }
            }
            options = ServerOptions.parse(args, common, server.ownOptions());
            server.options = options;
            server.maxConnections = common.contains(ServerOptions.MAX_CONNECTIONS)
                    ? options.intValue("max-connections", 1, 1 << 20) : 1;
            server.bufferSize = options.intValue("buffer", 1, 64 << 20);
            address = new InetSocketAddress(options.get("host"), options.intValue("port", 0, 65535));
            server.configure(options);
            checkDirectMemory(server, err);
        } catch (ServerOptions.UsageException e) {
            err.println(server.name() + ": " + e.getMessage());
            err.print(usage);
            err.flush();
            return 2;
        }
        CountDownLatch finished = new CountDownLatch(1);
        int code = 0;
        boolean started = false;
        try {
            if (!options.get("backend").isEmpty()) {
                Backends.setDefault(options.get("backend"));
            }
            InetSocketAddress bound = server.start(address);
            started = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.stop();
                try {
                    finished.await(30, TimeUnit.SECONDS); // let serve() close and print the summary
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, server.name() + "-shutdown"));
            out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
            out.flush();
            server.serve();
        } catch (Throwable e) { // an Error too: reported, and the exit status says so
            report(server, err, started ? "failed" : "cannot start", e);
            code = 1;
        } finally {
            try {
                server.close();
            } catch (Throwable e) {
                report(server, err, "failed to close", e);
                code = 1;
            }
            if (started) {
                out.println(server.summaryLine());
                out.flush();
            }
            finished.countDown();
        }
        return code;
    }

    /**
     * Every connection's buffer is direct memory, which the JVM bounds ({@code -XX:MaxDirectMemorySize},
     * by default the maximum heap size). A buffer larger than the bound is refused here; a
     * {@code --max-connections} whose buffers would not all fit is warned of: connections beyond
     * what fits are refused (counted) when they come, or, where buffers are held only while bytes are
     * in flight ({@link #buffersOnDemand()}), closed (counted) when their data finds no memory, which
     * happens only once that many connections have data unsent at once.
     */
    static void checkDirectMemory(EchoServer server, PrintStream err) throws ServerOptions.UsageException {
        long buffers = server.buffersAtOnce();
        if (buffers == 0) {
            return;
        }
        long limit = directMemoryLimit();
        String bound = mib(limit) + " direct memory (-XX:MaxDirectMemorySize)";
        if (server.bufferSize > limit) {
            throw new ServerOptions.UsageException("--buffer " + server.bufferSize + " does not fit in the JVM's " + bound);
        }
        if (buffers * server.bufferSize > limit && server.buffersOnDemand()) {
            err.println(server.name() + ": warning: " + buffers + " connections (--max-connections) with a full buffer of "
                    + server.bufferSize + " bytes (--buffer) each would need " + mib(buffers * server.bufferSize)
                    + ", more than the JVM's " + bound + ": a connection holds a buffer only while it has bytes in"
                    + " flight, but with about " + limit / server.bufferSize + " holding one, a connection whose data"
                    + " finds no memory for a buffer will be closed");
        } else if (buffers * server.bufferSize > limit) {
            err.println(server.name() + ": warning: " + buffers + " buffers of " + server.bufferSize + " bytes (--buffer) need "
                    + mib(buffers * server.bufferSize) + ", more than the JVM's " + bound + ": connections beyond about "
                    + limit / server.bufferSize + " will be refused");
        }
    }

    /** The JVM's bound on direct buffers: the flag if given, else the maximum heap size (as the JDK does). */
    static long directMemoryLimit() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        long flag = Long.parseLong(hotspot.getVMOption("MaxDirectMemorySize").getValue());
        return flag > 0 ? flag : Runtime.getRuntime().maxMemory();
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** One line for what the user can act on (a system call's error); the stack too for a bug. */
    private static void report(EchoServer server, PrintStream err, String what, Throwable e) {
        if (e instanceof ErrnoException || e instanceof IllegalStateException && e.getCause() == null) {
            err.println(server.name() + ": " + what + ": " + e.getMessage());
        } else {
            err.print(server.name() + ": " + what + ": ");
            e.printStackTrace(err);
        }
        err.flush();
    }
}
