package org.iomux.examples;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.iomux.Backends;

/**
 * The life of every example server: parse the options, open the listener(s), print
 * {@code listening on HOST:PORT}, serve until SIGINT or SIGTERM (a JVM shutdown hook calls
 * {@link #stop()} and waits for {@link #serve()} to return), close every descriptor, print one
 * summary line. Subclasses implement the concurrency model.
 */
abstract class EchoServer {
    /** Counters shared by the models; per-worker counts are the subclass's. */
    final AtomicLong connections = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

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

    /** Reads this server's options; called before {@link #start}. */
    void configure(ServerOptions options) throws ServerOptions.UsageException {
    }

    /** Opens the listener(s); returns the bound address. */
    abstract InetSocketAddress start(InetSocketAddress address) throws Exception;

    /** Serves until {@link #stop()}. */
    abstract void serve() throws Exception;

    /** Called from the shutdown hook, on another thread: make {@link #serve()} return soon. */
    abstract void stop();

    /** Closes everything; called once {@link #serve()} has returned (or failed). */
    abstract void close();

    /** Extra summary text, e.g. per-worker counts; empty by default. */
    String details() {
        return "";
    }

    final String summaryLine() {
        return name() + ": served " + connections.get() + " connections, echoed " + bytes.get() + " bytes"
                + (refused.get() > 0 ? ", refused " + refused.get() : "")
                + (errors.get() > 0 ? ", " + errors.get() + " connection errors" : "")
                + details();
    }

    /** Runs {@code server} with {@code args}; exits 2 on bad usage, 1 if serving fails. */
    static void main(EchoServer server, String[] args) {
        ServerOptions options;
        try {
            for (String a : args) {
                if (a.equals("--help")) {
                    System.out.print(ServerOptions.usage(server.name(), server.summary(), server.ownOptions()));
                    return;
                }
            }
            options = ServerOptions.parse(args, server.ownOptions());
            server.options = options;
            server.maxConnections = options.intValue("max-connections", 1, 1 << 20);
            server.bufferSize = options.intValue("buffer", 1, 64 << 20);
            server.configure(options);
        } catch (ServerOptions.UsageException e) {
            System.err.println(server.name() + ": " + e.getMessage());
            System.err.print(ServerOptions.usage(server.name(), server.summary(), server.ownOptions()));
            System.exit(2);
            return;
        }
        if (!options.get("backend").isEmpty()) {
            Backends.setDefault(options.get("backend"));
        }
        CountDownLatch finished = new CountDownLatch(1);
        int code = 0;
        try {
            InetSocketAddress bound = server.start(new InetSocketAddress(options.get("host"),
                    options.intValue("port", 0, 65535)));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.stop();
                try {
                    finished.await(30, TimeUnit.SECONDS); // let serve() close and print the summary
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, server.name() + "-shutdown"));
            System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
            System.out.flush();
            server.serve();
        } catch (Exception e) {
            System.err.println(server.name() + ": " + e);
            code = 1;
        } finally {
            server.close();
            System.out.println(server.summaryLine());
            System.out.flush();
            finished.countDown();
        }
        if (code != 0) {
            System.exit(code);
        }
    }
}
