package org.iomux.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.iomux.ErrnoException;
import org.iomux.ResourceLimit;
import org.iomux.Socket;

/**
 * {@code prethread-echo}: a pool of N threads created at start, each serving one client at a time with
 * blocking I/O, as the lecture's prethreaded servers. {@code --accept each}: every pool thread calls
 * accept on the shared blocking listener, one at a time under a mutex (the kernel schedules the
 * clients). {@code --accept main}: the main thread accepts and hands descriptors to the pool through a
 * bounded array ({@code clifd}, {@code iget}/{@code iput}) under a mutex with condition variables (the
 * main thread schedules them).
 *
 * <p>Trade-offs: no thread creation per client, bounded threads and memory; but at most N clients are
 * served at once: the others wait (in the backlog, or in the {@code clifd} array) until a pool thread
 * is free, however idle the clients being served are.
 */
final class PrethreadEcho extends EchoServer {
    /** The seeds' MAXNCLI: one slot stays empty, since iget == iput means empty. */
    private static final int MAXNCLI = 32;

    private int threads;
    private boolean mainAccepts;
    private Socket listener;
    private final List<Thread> pool = new ArrayList<>();
    private AtomicLongArray perThread; // the seeds' tptr[i].thread_count
    private final Set<Socket> serving = new HashSet<>(); // guarded by itself: stop() shuts them down
    private volatile boolean stopping;
    private volatile Throwable failure;

    /** --accept each: the seeds' mlock around accept. */
    private final ReentrantLock acceptLock = new ReentrantLock();

    /** --accept main: the seeds' clifd ring, clifd_mutex and clifd_cond (plus notFull instead of err_quit). */
    private final Socket[] clifd = new Socket[MAXNCLI];
    private int iget, iput;
    private final ReentrantLock clifdLock = new ReentrantLock();
    private final Condition notEmpty = clifdLock.newCondition();
    private final Condition notFull = clifdLock.newCondition();

    public static void main(String[] args) {
        EchoServer.main(new PrethreadEcho(), args);
    }

    @Override
    String name() {
        return "prethread-echo";
    }

    @Override
    String summary() {
        return "An echo server with a pool of threads, blocking I/O, one client per thread at a time: each thread"
                + " accepts under a mutex, or the main thread accepts and hands descriptors over.";
    }

    @Override
    List<ServerOptions.Option> ownOptions() {
        return List.of(
                new ServerOptions.Option("threads", "4", "pool threads: clients served at once"),
                new ServerOptions.Option("accept", "each", "each (every pool thread accepts, under a mutex) or main"
                        + " (the main thread accepts and passes descriptors through a bounded array)"));
    }

    @Override
    void configure(ServerOptions o) throws ServerOptions.UsageException {
        threads = o.intValue("threads", 1, 4096);
        mainAccepts = o.choice("accept", "each", "main").equals("main");
    }

    @Override
    long buffersAtOnce() {
        return threads;
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        listener = Socket.listenTcp(address, 1024, false);
        perThread = new AtomicLongArray(threads);
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    void serve() throws Throwable {
        for (int i = 0; i < threads; i++) {
            int id = i;
            Thread t = new Thread(() -> work(id), name() + "-" + i);
            pool.add(t);
            t.start();
        }
        if (!mainAccepts) {
            for (Thread t : pool) {
                t.join(); // everything is done by the pool; it ends when stop() closes the listener
            }
        } else {
            for (Socket s; (s = Acceptor.acceptBlocking(listener, this)) != null; ) {
                if (admit(s) && !put(s)) { // queued ones count too: they hold a descriptor
                    closed(0);
                    s.close(); // stopping
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Main thread: clifd[iput] = connfd, waiting while the array is full. False once stopping. */
    private boolean put(Socket s) {
        clifdLock.lock();
        try {
            while ((iput + 1) % MAXNCLI == iget && !stopping) {
                notFull.awaitUninterruptibly(); // every pool thread busy and the array full: back-pressure
            }
            if (stopping) {
                return false;
            }
            clifd[iput] = s;
            iput = (iput + 1) % MAXNCLI;
            notEmpty.signal(); // the seeds' pthread_cond_signal(&clifd_cond): one waiting thread
            return true;
        } finally {
            clifdLock.unlock();
        }
    }

    /** Pool thread, --accept main: connfd = clifd[iget], waiting while iget == iput. Null once stopping. */
    private Socket take() {
        clifdLock.lock();
        try {
            while (iget == iput && !stopping) {
                notEmpty.awaitUninterruptibly();
            }
            if (stopping) {
                return null; // close() closes what is left in the array
            }
            Socket s = clifd[iget];
            clifd[iget] = null;
            iget = (iget + 1) % MAXNCLI;
            notFull.signal();
            return s;
        } finally {
            clifdLock.unlock();
        }
    }

    /** Pool thread, --accept each: one thread at a time in accept. Null once stopping. */
    private Socket acceptLocked() throws IOException {
        // Linux wakes only one of several threads blocked in accept on a blocking socket (no thundering
        // herd), so the mutex is the seeds' portability measure; here it serialises the callers in user space
        acceptLock.lock();
        try {
            for (;;) {
                Socket s = Acceptor.acceptBlocking(listener, this);
                if (s == null || admit(s)) {
                    return s;
                }
            }
        } finally {
            acceptLock.unlock();
        }
    }

    /** Pool thread: one client at a time, until stopping; a failure stops the server. */
    private void work(int id) {
        try {
            ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize); // one client at a time: one buffer
            for (Socket s; (s = mainAccepts ? take() : acceptLocked()) != null; ) {
                serve(id, s, buffer);
            }
        } catch (Throwable e) {
            failure = e;
            stop();
        }
    }

    private void serve(int id, Socket s, ByteBuffer buffer) {
        try {
            synchronized (serving) {
                if (stopping) { // stop() ran already: it could not shut this one down
                    return;
                }
                serving.add(s);
            }
            perThread.incrementAndGet(id);
            connections.incrementAndGet();
            BlockingEcho.echo(s, buffer, bytes::addAndGet);
        } catch (ErrnoException e) {
            if (!stopping) {
                errors.incrementAndGet(); // reset by the peer, ...: this client only
            }
        } finally {
            synchronized (serving) {
                serving.remove(s);
            }
            closed(0); // its bytes were counted as they went
            s.close();
        }
    }

    @Override
    void stop() {
        stopping = true;
        listener.close(); // wakes the thread blocked in accept
        clifdLock.lock();
        try {
            notEmpty.signalAll(); // idle pool threads
            notFull.signalAll(); // the main thread, if the array is full
        } finally {
            clifdLock.unlock();
        }
        synchronized (serving) {
            serving.forEach(BlockingEcho::shutdown); // wakes each blocked read or write
        }
    }

    @Override
    void close() {
        if (listener == null) {
            return;
        }
        stop(); // again, if serve() failed on its own
        BlockingEcho.join(pool, 10);
        clifdLock.lock();
        try {
            for (; iget != iput; iget = (iget + 1) % MAXNCLI) {
                clifd[iget].close(); // accepted, never served: the client reads end of stream
                clifd[iget] = null;
            }
        } finally {
            clifdLock.unlock();
        }
        synchronized (serving) { // only if a thread did not end in time
            serving.forEach(Socket::close);
        }
    }

    @Override
    String details() {
        StringBuilder sb = new StringBuilder("; accept ").append(mainAccepts ? "main" : "each");
        if (perThread == null) {
            return sb.toString();
        }
        if (threads > 32) { // a table too long for one line: its spread
            long min = Long.MAX_VALUE, max = 0;
            for (int i = 0; i < threads; i++) {
                min = Math.min(min, perThread.get(i));
                max = Math.max(max, perThread.get(i));
            }
            return sb.append(", ").append(threads).append(" threads served ").append(min).append(" to ").append(max)
                    .append(" connections each").toString();
        }
        sb.append(", per thread:");
        for (int i = 0; i < threads; i++) {
            sb.append(' ').append(perThread.get(i));
        }
        return sb.append(" connections").toString();
    }
}
