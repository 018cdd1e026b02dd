package org.iomux.examples;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.Descriptor;
import org.iomux.ErrnoException;
import org.iomux.Poll;
import org.iomux.ResourceLimit;
import org.iomux.SignalIo;
import org.iomux.Signals;
import org.iomux.Socket;

/**
 * {@code sigio-echo}: signal-driven I/O with real-time signals, as in the lecture's server: the
 * listener raises one signal ({@code SIGRTMIN+1} by default), every connection another
 * ({@code SIGRTMIN+2}). The kernel queues a {@code siginfo} (descriptor, band, code) per readiness
 * change; the {@link SignalIo} dispatcher reads them on its one thread and calls the handlers there,
 * so no state is shared and no code runs in a signal handler.
 *
 * <p>Trade-offs: like epoll, the kernel keeps the interest list, so the cost follows the events, not
 * the descriptors; but every event is a queued signal (charged to {@code RLIMIT_SIGPENDING}), data
 * arriving in many segments queues many signals for one read, the events are edge-like (drain to
 * {@code EAGAIN}), and when the queue overflows the kernel falls back to a bare {@code SIGIO} and
 * the dispatcher must poll every descriptor. Real-time signals are taken lowest number first, so
 * the listener's lower signal gives accepting priority over echoing.
 */
final class SigioEcho extends EchoServer {
    private String signalSpec;
    private int listenSignal;
    private int connectionSignal;
    private Socket listener;
    private SignalIo io;
    /** Indexed by descriptor number; touched by the dispatcher thread only (then by close(), after it ends). */
    private EchoConnection[] byFd = new EchoConnection[1024];
    /** The connections' buffers, lent while they have bytes in flight; the dispatcher thread's, like byFd. */
    private BufferPool pool;
    private Acceptor acceptor;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable dispatcherFailure;

    public static void main(String[] args) {
        EchoServer.main(new SigioEcho(), args);
    }

    @Override
    String name() {
        return "sigio-echo";
    }

    @Override
    String summary() {
        return "An echo server on signal-driven I/O (O_ASYNC, F_SETSIG): one real-time signal for the listener,"
                + " one for the connections, handled on the SignalIo dispatcher thread.";
    }

    @Override
    List<ServerOptions.Option> ownOptions() {
        return List.of(new ServerOptions.Option("signals", "rtmin+1,rtmin+2",
                "the listener's and the connections' real-time signals: numbers, or rtmin+N"));
    }

    @Override
    boolean buffersOnDemand() {
        return true;
    }

    @Override
    void configure(ServerOptions o) throws ServerOptions.UsageException {
        signalSpec = o.get("signals");
        String[] parts = signalSpec.split(",");
        if (parts.length != 2 || parts[0].trim().equals(parts[1].trim())) {
            throw new ServerOptions.UsageException("--signals needs two different signals, e.g. rtmin+1,rtmin+2");
        }
        for (String p : parts) {
            parseSignal(p, 0); // syntax only: SIGRTMIN is known once the backend is chosen
        }
    }

    /** {@code 40} or {@code rtmin+3}. */
    private static int parseSignal(String spec, int rtmin) throws ServerOptions.UsageException {
        String s = spec.trim().toLowerCase();
        try {
            return s.startsWith("rtmin+") ? rtmin + Integer.parseInt(s.substring(6)) : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ServerOptions.UsageException("--signals: '" + spec + "' is not a number or rtmin+N");
        }
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        int rtmin = Signals.realtimeMin(Backends.defaultBackend()); // glibc's, at run time: 34 in a JVM
        String[] parts = signalSpec.split(",");
        listenSignal = parseSignal(parts[0], rtmin);
        connectionSignal = parseSignal(parts[1], rtmin);
        listener = Socket.listenTcp(address, 1024, true);
        pool = new BufferPool(Backends.defaultBackend(), bufferSize);
        // refused here, with a clear message: a signal outside [SIGRTMIN, SIGRTMAX] or one with a handler
        io = SignalIo.builder().signals(listenSignal, connectionSignal).threadName(name() + "-dispatcher")
                .onFailure(this::failed).start();
        // paused (out of descriptors): unregistered; registering again polls it, and reports what waits
        acceptor = new Acceptor(this, listener, on -> {
            if (on) {
                listen();
            } else {
                io.unregister(listener);
                CompletableFuture.delayedExecutor(Acceptor.PAUSE_MILLIS, TimeUnit.MILLISECONDS).execute(this::resume);
            }
        });
        listen();
        return (InetSocketAddress) listener.localAddress();
    }

    private void listen() throws ErrnoException {
        // after the overflow fallback, poll the listener for IN only (OUT means nothing on it)
        io.register(listener, listenSignal, Poll.IN, (d, band, code) -> acceptAll());
    }

    /** On a timer thread, once a pause is over. */
    private void resume() {
        try {
            acceptor.resume();
        } catch (ErrnoException | IllegalStateException e) {
            // closed meanwhile: the server is stopping
        }
    }

    /** Accepts until EAGAIN: one signal may stand for several pending connections (or none, if stale). */
    private void acceptAll() throws ErrnoException {
        for (Socket s; (s = acceptor.next()) != null; ) {
            EchoConnection c = EchoConnection.open(this, pool, s);
            if (c.fd >= byFd.length) {
                byFd = Arrays.copyOf(byFd, Math.max(c.fd + 1, byFd.length * 2));
            }
            byFd[c.fd] = c;
            // bytes that arrived before O_ASYNC raised no signal: the dispatcher polls the newcomer
            // once after this handler returns and calls us with POLLED if it is readable
            try {
                io.register(s, connectionSignal, (d, band, code) -> service(byFd[d.fd()]));
            } catch (ErrnoException e) {
                connectionError();
                byFd[c.fd] = null;
                c.close();
            }
        }
    }

    /**
     * Whatever the code (IN, OUT, HUP, ERR, POLLED), do all that can be done now. service() writes and
     * reads until EAGAIN, so a full socket arms POLL_OUT (the kernel signals OUT only after a write
     * failed with EAGAIN), and a connection that stopped reading with its buffer full resumes on that
     * OUT, when writing makes room: the data left in its receive queue raises no new IN by itself.
     *
     * <p>A closed connection is not unregistered: closing the descriptor takes it off the kernel's
     * async list, and the dispatcher drops signals still queued for a closed registration
     * (unregister would restore the flags of a socket about to be closed).
     */
    private void service(EchoConnection c) {
        if (c != null && c.service(true) == EchoConnection.CLOSED) {
            byFd[c.fd] = null;
        }
    }

    /** A handler threw something unexpected (counted), or the dispatcher itself failed (then stop). */
    private void failed(Descriptor d, Throwable t) {
        if (d == null) {
            dispatcherFailure = t;
            stopped.countDown();
        } else {
            errors.incrementAndGet();
            System.err.println(name() + ": handler for " + d + " failed: " + t);
        }
    }

    @Override
    void serve() throws Exception {
        stopped.await(); // the dispatcher thread does the work
        if (dispatcherFailure != null) {
            throw new IllegalStateException("signal dispatcher failed", dispatcherFailure);
        }
    }

    @Override
    void stop() {
        stopped.countDown();
    }

    @Override
    void close() {
        if (io != null) {
            io.close(); // ends the dispatcher thread first: no handler runs while we close
        }
        for (EchoConnection c : byFd) {
            if (c != null) {
                c.close();
            }
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Override
    String details() {
        if (io == null) {
            return "";
        }
        return "; signals " + listenSignal + " (listener) and " + connectionSignal + " (connections), "
                + io.events() + " events, " + io.overflows() + " queue overflows";
    }
}
