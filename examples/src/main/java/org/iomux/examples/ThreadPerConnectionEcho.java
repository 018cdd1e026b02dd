package org.iomux.examples;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.iomux.ErrnoException;
import org.iomux.ResourceLimit;
import org.iomux.Socket;

/**
 * {@code thread-per-connection-echo}: the main thread accepts (blocking) and starts a new thread for
 * each connection, which echoes with blocking I/O until the client closes, as the lecture's
 * {@code pthread_create} per client. Plain sequential code per client and a slow client holds up only
 * its own thread; but each connection costs a thread (a stack, a kernel task, scheduling), creating it
 * costs time on every accept, and thousands of connections mean thousands of threads.
 */
final class ThreadPerConnectionEcho extends EchoServer {
    private Socket listener;
    /** Live connections and their threads, guarded by itself: stop() shuts them down, close() joins. */
    private final Map<Socket, Thread> live = new HashMap<>();
    private int peak;
    private volatile boolean stopping;

    public static void main(String[] args) {
        EchoServer.main(new ThreadPerConnectionEcho(), args);
    }

    @Override
    String name() {
        return "thread-per-connection-echo";
    }

    @Override
    String summary() {
        return "An echo server with a new thread per connection, blocking I/O.";
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        listener = Socket.listenTcp(address, 1024, false);
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        for (Socket s; (s = Acceptor.acceptBlocking(listener, this)) != null; ) {
            if (!admit(s)) {
                continue; // beyond --max-connections: closed, the client reads end of stream
            }
            synchronized (live) {
                if (stopping) { // accepted as stop() ran: it could not shut this one down
                    closed(0);
                    s.close();
                    return;
                }
                Socket c = s;
                Thread t = new Thread(() -> run(c), name() + "-" + (connections.get() + 1));
                live.put(c, t);
                try {
                    t.start();
                } catch (OutOfMemoryError e) { // "unable to create native thread": the model's limit
                    live.remove(c);
                    refuseAdmitted(c, e);
                    continue;
                }
                connections.incrementAndGet();
                peak = Math.max(peak, live.size());
            }
        }
    }

    /** One connection's thread: its own buffer, blocking echo, then it removes and closes its socket. */
    private void run(Socket s) {
        try {
            BlockingEcho.echo(s, ByteBuffer.allocateDirect(bufferSize), bytes::addAndGet);
        } catch (ErrnoException e) {
            if (!stopping) {
                errors.incrementAndGet(); // reset by the peer, ...: this connection only
            }
        } catch (OutOfMemoryError e) { // no memory for its buffer: this connection only
            errors.incrementAndGet();
            System.err.println(name() + ": " + e);
        } finally {
            synchronized (live) {
                live.remove(s); // before close: stop() never shuts down a closed (maybe reused) socket
            }
            s.close();
            closed(0); // its bytes were counted as they went
        }
    }

    @Override
    void stop() {
        stopping = true;
        listener.close(); // wakes the blocked accept
        synchronized (live) {
            live.keySet().forEach(BlockingEcho::shutdown); // wakes each blocked read or write
        }
    }

    @Override
    void close() {
        if (listener == null) {
            return;
        }
        stop(); // again, if serve() failed on its own
        List<Thread> threads;
        synchronized (live) {
            threads = new ArrayList<>(live.values());
        }
        BlockingEcho.join(threads, 10);
        synchronized (live) { // only if a thread did not end in time
            live.keySet().forEach(Socket::close);
        }
    }

    @Override
    String details() {
        return "; at most " + peak + " threads at once";
    }
}
