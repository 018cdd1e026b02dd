package org.iomux.examples;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.iomux.Backends;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.ErrnoException;
import org.iomux.ResourceLimit;
import org.iomux.Socket;
import org.iomux.SocketOption;

/**
 * {@code epoll-echo}: N event loops (threads), each with its own epoll instance. Level-triggered by
 * default (interest follows what each connection waits for: {@code IN} while its buffer has room,
 * {@code OUT} while bytes are unsent); {@code --edge} registers {@code IN|OUT|RDHUP|ET} once and
 * drains to {@code EAGAIN} on every event. With several loops the load is shared either by one
 * {@code SO_REUSEPORT} listener per loop (the kernel spreads connections by hash) or by one listener
 * added to every loop with {@code EPOLLEXCLUSIVE} (one loop is woken per connection).
 */
final class EpollEcho extends EchoServer {
    private static final long LISTENER = -1;
    private static final long STOP = -2;

    private boolean edge;
    private int threads;
    private boolean exclusive;
    private final List<Loop> loops = new ArrayList<>();
    private final List<Socket> listeners = new ArrayList<>();
    private AtomicLongArray perLoop;
    private StopSignal stop;

    public static void main(String[] args) {
        EchoServer.main(new EpollEcho(), args);
    }

    @Override
    String name() {
        return "epoll-echo";
    }

    @Override
    String summary() {
        return "An echo server on epoll: level-triggered (default) or edge-triggered, on one or more event loops.";
    }

    @Override
    List<ServerOptions.Option> ownOptions() {
        return List.of(
                new ServerOptions.Option("edge", null, "edge-triggered (EPOLLET), draining to EAGAIN"),
                new ServerOptions.Option("threads", "1", "event loops, one thread each"),
                new ServerOptions.Option("balance", "reuseport", "with several loops: reuseport (a listener per"
                        + " loop) or exclusive (one listener, EPOLLEXCLUSIVE in every loop)"));
    }

    @Override
    boolean buffersOnDemand() {
        return true;
    }

    @Override
    void configure(ServerOptions o) throws ServerOptions.UsageException {
        edge = o.flag("edge");
        threads = o.intValue("threads", 1, 256);
        exclusive = o.choice("balance", "reuseport", "exclusive").equals("exclusive");
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        perLoop = new AtomicLongArray(threads);
        InetSocketAddress bound = address;
        try {
            stop = new StopSignal();
            for (int i = 0; i < threads; i++) {
                Socket listener = null;
                if (i == 0 || !exclusive) {
                    listener = Socket.tcp(bound, true);
                    listeners.add(listener);
                    listener.setOption(SocketOption.SO_REUSEADDR, true);
                    if (threads > 1 && !exclusive) {
                        listener.setOption(SocketOption.SO_REUSEPORT, true);
                    }
                    listener.bind(bound);
                    listener.listen(1024);
                    bound = (InetSocketAddress) listener.localAddress(); // port 0: the others join this port
                }
                Loop loop = new Loop(i, listener != null ? listener : listeners.get(0));
                loops.add(loop);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
        return bound;
    }

    @Override
    void serve() throws Throwable {
        List<Thread> workers = new ArrayList<>();
        for (Loop loop : loops) {
            Thread t = new Thread(loop, name() + "-loop-" + loop.id);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        for (Loop loop : loops) {
            if (loop.failure != null) {
                throw loop.failure;
            }
        }
    }

    @Override
    void stop() {
        stop.stop();
    }

    @Override
    void close() {
        for (Loop loop : loops) {
            loop.close();
        }
        listeners.forEach(Socket::close);
        if (stop != null) {
            stop.close();
        }
    }

    @Override
    String details() {
        if (threads == 1) {
            return "";
        }
        StringBuilder sb = new StringBuilder("; per loop:");
        for (int i = 0; i < threads; i++) {
            sb.append(' ').append(perLoop.get(i));
        }
        return sb.append(" connections").toString();
    }

    /** One event loop: its epoll instance, its connections (indexed by fd). */
    private final class Loop implements Runnable {
        final int id;
        final Epoll epoll;
        final EpollEvents events;
        final Acceptor acceptor;
        /** The buffers of this loop's connections, lent while they have bytes in flight. */
        final BufferPool pool = new BufferPool(Backends.defaultBackend(), bufferSize);
        EchoConnection[] byFd = new EchoConnection[1024];
        Throwable failure;

        Loop(int id, Socket listener) throws ErrnoException {
            this.id = id;
            this.epoll = Epoll.open();
            try {
                this.events = EpollEvents.allocate(256);
                epoll.add(stop.fd, Epoll.IN, STOP);
                int listening = Epoll.IN | (exclusive && threads > 1 ? Epoll.EXCLUSIVE : 0);
                // paused (out of descriptors): out of the set, else level triggering reports it ready forever
                acceptor = new Acceptor(EpollEcho.this, listener, on -> {
                    if (on) {
                        epoll.add(listener, listening, LISTENER);
                    } else {
                        epoll.delete(listener);
                    }
                });
                epoll.add(listener, listening, LISTENER);
            } catch (ErrnoException | RuntimeException e) {
                epoll.close();
                throw e;
            }
        }

        @Override
        public void run() {
            try {
                while (!stop.stopped()) {
                    int n = epoll.wait(events, acceptor.timeoutMillis());
                    acceptor.resumeIfDue();
                    for (int i = 0; i < n; i++) {
                        long data = events.data(i);
                        if (data == LISTENER) {
                            acceptAll();
                        } else if (data != STOP) {
                            service(byFd[(int) data]);
                        }
                    }
                }
            } catch (Throwable e) { // an Error too: the server must not go on without this loop
                failure = e;
                stop.stop();
            }
        }

        private void acceptAll() throws ErrnoException {
            for (Socket s; (s = acceptor.next()) != null; ) {
                EchoConnection c = EchoConnection.open(EpollEcho.this, pool, s);
                perLoop.incrementAndGet(id);
                if (c.fd >= byFd.length) {
                    byFd = Arrays.copyOf(byFd, Math.max(c.fd + 1, byFd.length * 2));
                }
                byFd[c.fd] = c;
                // Edge-triggered: OUT stays registered, since an edge fires only when room frees up after
                // a write filled the socket, never for a state that lasts: no busy loop, no epoll_ctl per message.
                c.registered = edge ? Epoll.IN | Epoll.OUT | Epoll.RDHUP | Epoll.ET : Epoll.IN;
                epoll.add(s, c.registered, c.fd);
            }
        }

        private void service(EchoConnection c) throws ErrnoException {
            if (c == null) {
                return; // closed earlier in this batch
            }
            // level-triggered: one pass, epoll reports what is left; edge-triggered: drain to EAGAIN
            if (c.service(edge) == EchoConnection.CLOSED) {
                byFd[c.fd] = null; // closing took it out of the epoll set
            } else if (!edge && c.interest(Epoll.IN, Epoll.OUT) != c.registered) {
                c.registered = c.interest(Epoll.IN, Epoll.OUT); // OUT only while bytes are unsent
                epoll.modify(c.socket, c.registered, c.fd);
            }
        }

        void close() {
            for (EchoConnection c : byFd) {
                if (c != null) {
                    c.close();
                }
            }
            events.close();
            epoll.close();
        }
    }
}
