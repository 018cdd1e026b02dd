package org.iomux.examples;

import java.net.InetSocketAddress;
import org.iomux.Backends;
import org.iomux.ErrnoException;
import org.iomux.ResourceLimit;
import org.iomux.Select;
import org.iomux.Socket;

/**
 * {@code select-echo}: one thread, three descriptor bitmaps sized for every descriptor the process
 * may open (not glibc's 1,024: iomux's sets grow with {@code RLIMIT_NOFILE}); each select copies the
 * interest sets and the kernel scans them up to the highest descriptor, the cost the benchmarks
 * compare. The results are walked a 64-bit word at a time ({@link Select#nextReady}).
 */
final class SelectEcho extends EchoServer {
    private Socket listener;
    private StopSignal stop;
    private Select select;
    private Acceptor acceptor;
    private EchoConnection[] byFd;
    /** The connections' buffers, lent while they have bytes in flight (this thread only). */
    private BufferPool pool;

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
    boolean buffersOnDemand() {
        return true;
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        long limit = ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        int fdLimit = (int) Math.min(limit, Select.MAX_FD_LIMIT);
        listener = Socket.listenTcp(address, 1024, true);
        stop = new StopSignal();
        select = Select.open(fdLimit);
        byFd = new EchoConnection[fdLimit];
        pool = new BufferPool(Backends.defaultBackend(), bufferSize);
        select.add(stop.fd, Select.READ);
        select.add(listener, Select.READ);
        acceptor = new Acceptor(this, listener, on -> select.add(listener, on ? Select.READ : 0));
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Exception {
        while (!stop.stopped()) {
            select.select(acceptor.timeoutMillis());
            acceptor.resumeIfDue();
            if (select.isReadable(listener.fd())) {
                acceptAll(); // new connections were not in the sets: the walk below skips them
            }
            for (int fd = select.nextReady(0); fd >= 0; fd = select.nextReady(fd + 1)) {
                if (byFd[fd] != null) {
                    service(byFd[fd]);
                }
            }
        }
    }

    /** Beyond the sets (RLIMIT_NOFILE above Select.MAX_FD_LIMIT): refused, as beyond --max-connections. */
    @Override
    boolean admit(Socket s) {
        return s.fd() < byFd.length ? super.admit(s) : refuse(s);
    }

    private void acceptAll() throws ErrnoException {
        for (Socket s; (s = acceptor.next()) != null; ) {
            EchoConnection c = EchoConnection.open(this, pool, s);
            byFd[c.fd] = c;
            select.add(c.fd, Select.READ);
        }
    }

    private void service(EchoConnection c) throws ErrnoException {
        int fd = c.fd;
        // select is level-triggered: one pass, it reports what is left
        if (c.service(false) == EchoConnection.CLOSED) {
            // closed by service(): out of the sets before the next select, which would fail with EBADF
            select.remove(fd);
            byFd[fd] = null;
        } else {
            select.add(fd, c.interest(Select.READ, Select.WRITE));
        }
    }

    @Override
    void stop() {
        stop.stop();
    }

    @Override
    void close() {
        if (byFd != null) {
            for (EchoConnection c : byFd) {
                if (c != null) {
                    c.close();
                }
            }
        }
        if (select != null) {
            select.close();
        }
        if (stop != null) {
            stop.close();
        }
        if (listener != null) {
            listener.close();
        }
    }
}
