package org.iomux.examples;

import java.net.InetSocketAddress;
import java.util.Arrays;
import org.iomux.Backends;
import org.iomux.Poll;
import org.iomux.ResourceLimit;
import org.iomux.Socket;

/**
 * {@code poll-echo}: one thread, one {@code pollfd} array: entry 0 the stop eventfd, entry 1 the
 * listener, then one per connection (removed by moving the last entry into the gap, so the
 * connection array moves in step). Each poll costs O(number of descriptors), the point of the
 * comparison with epoll.
 */
final class PollEcho extends EchoServer {
    private static final int LISTENER = 1, FIRST = 2;

    private Socket listener;
    private StopSignal stop;
    private Poll poll;
    private Acceptor acceptor;
    private EchoConnection[] byIndex = new EchoConnection[64];
    /** The connections' buffers, lent while they have bytes in flight (this thread only). */
    private BufferPool pool;

    public static void main(String[] args) {
        EchoServer.main(new PollEcho(), args);
    }

    @Override
    String name() {
        return "poll-echo";
    }

    @Override
    String summary() {
        return "An echo server on poll(2), one thread.";
    }

    @Override
    boolean buffersOnDemand() {
        return true;
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        listener = Socket.listenTcp(address, 1024, true);
        stop = new StopSignal();
        poll = Poll.open(64);
        pool = new BufferPool(Backends.defaultBackend(), bufferSize);
        poll.add(stop.fd, Poll.IN);
        poll.add(listener, Poll.IN);
        acceptor = new Acceptor(this, listener, on -> poll.setEvents(LISTENER, on ? Poll.IN : 0));
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        while (!stop.stopped()) {
            poll.poll(acceptor.timeoutMillis());
            acceptor.resumeIfDue();
            if ((poll.revents(LISTENER) & Poll.IN) != 0) {
                acceptAll();
            }
            // walk backwards: removing entry i moves the last one (already visited) into i
            for (int i = poll.size() - 1; i >= FIRST; i--) {
                if (poll.revents(i) != 0) {
                    service(i);
                }
            }
        }
    }

    private void acceptAll() throws Exception {
        for (Socket s; (s = acceptor.next()) != null; ) {
            EchoConnection c = EchoConnection.open(this, pool, s);
            if (poll.size() >= byIndex.length) {
                byIndex = Arrays.copyOf(byIndex, byIndex.length * 2);
            }
            byIndex[poll.add(s, Poll.IN)] = c; // new entries come last: not visited in this round
        }
    }

    private void service(int i) {
        EchoConnection c = byIndex[i];
        // poll is level-triggered: one pass, it reports what is left
        if (c.service(false) == EchoConnection.CLOSED) {
            remove(i);
        } else {
            poll.setEvents(i, c.interest(Poll.IN, Poll.OUT));
        }
    }

    /** Removes entry i (its connection closed) by moving the last entry into its place. */
    private void remove(int i) {
        int last = poll.size() - 1;
        poll.remove(i);
        byIndex[i] = byIndex[last];
        byIndex[last] = null;
    }

    @Override
    void stop() {
        stop.stop();
    }

    @Override
    void close() {
        for (EchoConnection c : byIndex) {
            if (c != null) {
                c.close();
            }
        }
        if (poll != null) {
            poll.close();
        }
        if (stop != null) {
            stop.close();
        }
        if (listener != null) {
            listener.close();
        }
    }
}
