package org.iomux.examples;

import java.net.InetSocketAddress;
import java.util.Arrays;
import org.iomux.ErrnoException;
import org.iomux.EventFd;
import org.iomux.Poll;
import org.iomux.ResourceLimit;
import org.iomux.Socket;

/**
 * {@code poll-echo}: one thread, one {@code pollfd} array: entry 0 the wakeup eventfd, entry 1 the
 * listener, then one per connection (removed by moving the last entry into the gap, so the
 * connection array moves in step). Each poll costs O(number of descriptors), the point of the
 * comparison with epoll.
 */
final class PollEcho extends EchoServer {
    private Socket listener;
    private EventFd wakeup;
    private Poll poll;
    private EchoConnection[] byIndex = new EchoConnection[64];
    private volatile boolean stopping;

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
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        listener = Socket.listenTcp(address, 1024, true);
        wakeup = EventFd.open(true);
        poll = Poll.open(64);
        poll.add(wakeup, Poll.IN);
        poll.add(listener, Poll.IN);
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        while (!stopping) {
            poll.poll(-1);
            if ((poll.revents(1) & Poll.IN) != 0) {
                acceptAll();
            }
            // walk backwards: removing entry i moves the last one (already visited) into i
            for (int i = poll.size() - 1; i >= 2; i--) {
                int revents = poll.revents(i);
                if (revents != 0) {
                    service(i);
                }
            }
        }
    }

    private void acceptAll() throws ErrnoException {
        for (;;) {
            Socket s;
            try {
                s = listener.accept(true);
            } catch (ErrnoException e) {
                errors.incrementAndGet();
                continue;
            }
            if (s == null) {
                return;
            }
            if (poll.size() - 2 >= maxConnections) {
                refused.incrementAndGet();
                s.close();
                continue;
            }
            connections.incrementAndGet();
            int i = poll.add(s, Poll.IN);
            if (i >= byIndex.length) {
                byIndex = Arrays.copyOf(byIndex, byIndex.length * 2);
            }
            byIndex[i] = new EchoConnection(s, bufferSize);
        }
    }

    private void service(int i) {
        EchoConnection c = byIndex[i];
        int wants;
        try {
            wants = c.service(false); // poll is level-triggered: one pass, it reports what is left
        } catch (ErrnoException e) {
            errors.incrementAndGet();
            wants = EchoConnection.CLOSED;
        }
        if (wants == EchoConnection.CLOSED) {
            remove(i);
            return;
        }
        poll.setEvents(i, ((wants & EchoConnection.READ) != 0 ? Poll.IN : 0)
                | ((wants & EchoConnection.WRITE) != 0 ? Poll.OUT : 0));
    }

    private void remove(int i) {
        EchoConnection c = byIndex[i];
        bytes.addAndGet(c.echoed);
        c.socket.close();
        int last = poll.size() - 1;
        poll.remove(i);
        byIndex[i] = byIndex[last];
        byIndex[last] = null;
    }

    @Override
    void stop() {
        stopping = true;
        try {
            wakeup.signal();
        } catch (ErrnoException | IllegalStateException e) {
            // ended already
        }
    }

    @Override
    void close() {
        if (poll != null) {
            for (int i = poll.size() - 1; i >= 2; i--) {
                remove(i);
            }
            poll.close();
        }
        if (wakeup != null) {
            wakeup.close();
        }
        if (listener != null) {
            listener.close();
        }
    }
}
