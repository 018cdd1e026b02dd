package org.iomux.examples;

import java.net.InetSocketAddress;
import org.iomux.ErrnoException;
import org.iomux.EventFd;
import org.iomux.ResourceLimit;
import org.iomux.Select;
import org.iomux.Socket;

/**
 * {@code select-echo}: one thread, three descriptor bitmaps sized for every descriptor the process
 * may open (not glibc's 1,024: iomux's sets grow with {@code RLIMIT_NOFILE}); each select copies the
 * interest sets and scans up to the highest descriptor, the cost the benchmarks compare.
 */
final class SelectEcho extends EchoServer {
    private Socket listener;
    private EventFd wakeup;
    private Select select;
    private EchoConnection[] byFd;
    private int open;
    private volatile boolean stopping;

    public static void main(String[] args) {
        EchoServer.main(new SelectEcho(), args);
    }

    @Override
    String name() {
        return "select-echo";
    }

    @Override
    String summary() {
        return "An echo server on select(2), one thread, descriptor sets as large as RLIMIT_NOFILE.";
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        long limit = ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        int fdLimit = (int) Math.min(limit, Select.MAX_FD_LIMIT);
        listener = Socket.listenTcp(address, 1024, true);
        wakeup = EventFd.open(true);
        select = Select.open(fdLimit);
        byFd = new EchoConnection[fdLimit];
        select.add(wakeup, Select.READ);
        select.add(listener, Select.READ);
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        while (!stopping) {
            select.select(-1);
            if (select.isReadable(listener.fd())) {
                acceptAll();
            }
            for (EchoConnection c : byFd) {
                if (c != null && select.ready(c.fd) != 0) {
                    service(c);
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
            if (open >= maxConnections || s.fd() >= byFd.length) {
                refused.incrementAndGet();
                s.close();
                continue;
            }
            open++;
            connections.incrementAndGet();
            EchoConnection c = new EchoConnection(s, bufferSize);
            byFd[c.fd] = c;
            select.add(c.fd, Select.READ);
        }
    }

    private void service(EchoConnection c) throws ErrnoException {
        int wants;
        try {
            wants = c.service(false); // select is level-triggered: one pass, it reports what is left
        } catch (ErrnoException e) {
            errors.incrementAndGet();
            wants = EchoConnection.CLOSED;
        }
        if (wants == EchoConnection.CLOSED) {
            remove(c);
            return;
        }
        select.add(c.fd, ((wants & EchoConnection.READ) != 0 ? Select.READ : 0)
                | ((wants & EchoConnection.WRITE) != 0 ? Select.WRITE : 0));
    }

    private void remove(EchoConnection c) throws ErrnoException {
        select.remove(c.fd); // before close: a closed descriptor left in the sets makes select fail (EBADF)
        byFd[c.fd] = null;
        open--;
        bytes.addAndGet(c.echoed);
        c.socket.close();
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
        if (byFd != null) {
            for (EchoConnection c : byFd) {
                if (c != null) {
                    try {
                        remove(c);
                    } catch (ErrnoException e) {
                        c.socket.close();
                    }
                }
            }
        }
        if (select != null) {
            select.close();
        }
        if (wakeup != null) {
            wakeup.close();
        }
        if (listener != null) {
            listener.close();
        }
    }
}
