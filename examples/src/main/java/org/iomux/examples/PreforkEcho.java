package org.iomux.examples;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.ErrnoException;
import org.iomux.Epoll;
import org.iomux.EpollEvents;
import org.iomux.NativeBuffer;
import org.iomux.ResourceLimit;
import org.iomux.SharedLayout;
import org.iomux.SharedMemory;
import org.iomux.Socket;

/**
 * {@code prefork-echo}: the classic preforked server, with worker JVMs for child processes. The
 * parent opens the listener and starts {@code --workers} worker processes ({@link PreforkWorker}),
 * which serve connections with blocking I/O, one at a time per thread: {@code --threads}, default
 * 1 as in the seeds, so at most workers x threads connections are served at once and the rest wait
 * in the listen backlog (a load test that holds C connections open needs workers x threads >= C).
 * A Java child inherits no descriptors, so each worker connects back to the parent over a
 * Unix-domain socket in a private directory; descriptors travel over it with {@code SCM_RIGHTS}.
 * Who calls {@code accept} is the variant ({@code --accept}):
 * <ul>
 *   <li>{@code lock} (default): every worker gets the listening socket and accepts on it holding a
 *       robust, process-shared {@code SharedMutex} in shared memory, so one process waits in
 *       {@code accept} and the rest sleep on the lock. A worker killed holding the lock does not
 *       stall the others: the next locker is told the owner died, and carries on.</li>
 *   <li>{@code nolock}: every worker blocks in {@code accept} on the shared listener. That once woke
 *       every process per connection (the thundering herd); Linux has queued blocked accepts as
 *       exclusive waiters since 2.6 and wakes one. Measured here (500 sequential connections, 4
 *       workers): 1.5 voluntary context switches per connection over all serving threads with 4
 *       waiters, 1.7 with 32 ({@code --threads 8}), against 2.6 and 2.8 for {@code lock} (the unlock
 *       wakes the next locker): no herd, and connections go round-robin (130 per worker).</li>
 *   <li>{@code pass}: the parent accepts, hands each connection to an idle worker round-robin
 *       ({@code sendmsg} with the descriptor), and learns of idle ones from a byte per finished
 *       connection; when none is idle it queues up to {@code --queue}, then leaves the rest in the
 *       backlog.</li>
 * </ul>
 * Trade-offs: with {@code lock} and {@code nolock} the parent does nothing per connection and the
 * kernel (or the futex queue) picks the worker; {@code lock} keeps one process in {@code accept}
 * wherever the herd still exists (e.g. {@code select} before {@code accept}) at the cost of a lock
 * handoff per connection. {@code pass} balances by the parent's own count and involves no lock a
 * worker could die holding, but costs a {@code sendmsg} per connection and puts the parent on every
 * connection's path.
 *
 * <p>{@code --max-connections} bounds connections open across all workers; beyond it a connection
 * is accepted and closed. In {@code pass} the parent counts handed-over plus queued ones; in
 * {@code lock}/{@code nolock} each worker keeps its count in the shared region and adds them all
 * up ({@code PreforkWorker.admit}). A worker that dies is replaced in its slot and given the
 * listener again; its counts, in shared memory, survive it, and the summary gives connections per
 * slot.
 */
final class PreforkEcho extends EchoServer {
    // the parent's epoll data: a worker's control socket is its slot number (0 and up)
    private static final long STOP = -1, CONTROL = -2, LISTENER = -3;
    /** A control connection not yet introduced by a hello: this plus its descriptor number. */
    private static final long GREETING = 1L << 32;

    private String mode;
    private boolean pass;
    private int workerCount;
    private int threadsPerWorker;
    private int queueLimit;

    private Socket listener;
    private Path controlDir;
    private Path controlPath;
    private Socket controlListener;
    private String shmName;
    private SharedLayout layout;
    private SharedMemory region;
    private StopSignal stop;
    private Epoll epoll;
    private EpollEvents events;
    private Slot[] slots;
    /** Control connections accepted but not yet introduced by a hello, by descriptor. */
    private final Map<Integer, Socket> greeting = new HashMap<>();
    /** pass: accepting, the listener watched while the queue has room and accepting is not paused. */
    private Acceptor acceptor;
    private boolean acceptPaused;
    private boolean listening;
    /** pass: accepted connections waiting for an idle worker. */
    private final ArrayDeque<Socket> queue = new ArrayDeque<>();
    private int next;
    private int replaced;
    private long recovered;
    private long[] perWorker;

    /** One worker slot: the process in it and the parent's end of its control socket. */
    private static final class Slot {
        final int index;
        Process process;        // null while waiting to be started again
        Socket control;         // null until the worker says hello, and once it is gone
        int busy;               // pass: connections handed over, not reported done
        long startedAt;         // System.nanoTime()
        long restartAt;         // System.nanoTime(): when an empty slot may start again

        Slot(int index) {
            this.index = index;
        }
    }

    public static void main(String[] args) {
        EchoServer.main(new PreforkEcho(), args);
    }

    @Override
    String name() {
        return "prefork-echo";
    }

    @Override
    String summary() {
        return "A preforked echo server: worker JVMs that accept under a shared lock (lock), without"
                + " one (nolock), or get connections from the parent (pass), over SCM_RIGHTS.";
    }

    @Override
    List<ServerOptions.Option> ownOptions() {
        return List.of(
                new ServerOptions.Option("workers", "4", "worker processes (JVMs)"),
                new ServerOptions.Option("accept", "lock", "lock (accept under a shared robust mutex), nolock"
                        + " (all workers in accept), or pass (the parent accepts and passes connections)"),
                new ServerOptions.Option("threads", "1", "serving threads per worker, one connection each"),
                new ServerOptions.Option("queue", "64", "pass: accepted connections queued while no worker is idle"));
    }

    @Override
    void configure(ServerOptions o) throws ServerOptions.UsageException {
        workerCount = o.intValue("workers", 1, 256);
        mode = o.choice("accept", "lock", "nolock", "pass");
        pass = mode.equals("pass");
        threadsPerWorker = o.intValue("threads", 1, 256);
        queueLimit = o.intValue("queue", 1, 1 << 16);
    }

    @Override
    long buffersAtOnce() {
        return 0; // the parent holds none; each worker is a JVM of its own, with --threads buffers
    }

    @Override
    InetSocketAddress start(InetSocketAddress address) throws Exception {
        ResourceLimit.raiseSoft(ResourceLimit.NOFILE, 65536);
        // lock/nolock: blocking, since the workers block in accept and O_NONBLOCK belongs to the one
        // open file that the parent and every worker share. pass: only the parent's loop accepts.
        listener = Socket.listenTcp(address, 1024, pass);
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();

        controlDir = Files.createTempDirectory("iomux-prefork-"); // rwx------: only our user connects
        controlPath = controlDir.resolve("control");
        controlListener = Socket.unix(true);
        controlListener.bind(UnixDomainSocketAddress.of(controlPath));
        controlListener.listen(64);

        // A fresh name per run: a region left by a crashed run is never mistaken for ours.
        shmName = "/iomux-prefork-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        layout = PreforkWorker.layout(workerCount);
        region = SharedMemory.openOrCreate(Backends.defaultBackend(), shmName, layout, Duration.ofSeconds(5), null);
        if (!region.isCreator()) {
            throw new IllegalStateException(shmName + " existed already");
        }

        stop = new StopSignal();
        epoll = Epoll.open();
        events = EpollEvents.allocate(64);
        epoll.add(stop.fd, Epoll.IN, STOP);
        epoll.add(controlListener, Epoll.IN, CONTROL);
        if (pass) {
            acceptor = new Acceptor(this, listener, false, on -> { // blocking connections, for the workers
                acceptPaused = !on;
                updateListening();
            });
            updateListening();
        }
        slots = new Slot[workerCount];
        for (int i = 0; i < workerCount; i++) {
            slots[i] = new Slot(i);
            launch(slots[i]);
        }
        awaitReady(); // "listening on" then means every worker is serving
        StringBuilder pids = new StringBuilder();
        for (Slot s : slots) {
            pids.append(' ').append(s.process.pid());
        }
        System.err.println(name() + ": " + workerCount + (workerCount == 1 ? " worker" : " workers") + " (pids" + pids
                + "), accept " + mode);
        return bound;
    }

    @Override
    void serve() throws Exception {
        while (!stop.stopped()) {
            step(-1);
        }
    }

    @Override
    void stop() {
        stop.stop();
    }

    /** Stops accepting, stops the workers and waits for them, then frees everything. */
    @Override
    void close() {
        if (stop != null) {
            stop.stop();
        }
        if (listener != null) {
            if (!pass) {
                // Every worker accepts on the one listening socket: shutdown (not close, which only
                // drops our reference) stops it listening for all of them at once, and every
                // blocked accept returns EINVAL.
                try {
                    listener.shutdownInput();
                } catch (ErrnoException e) {
                    System.err.println(name() + ": " + e);
                }
            }
            listener.close();
        }
        queue.forEach(Socket::close);
        queue.clear();
        if (slots != null) {
            stopWorkers();
        }
        greeting.values().forEach(Socket::close);
        if (controlListener != null) {
            controlListener.close();
        }
        try {
            if (controlPath != null) {
                Files.deleteIfExists(controlPath);
                Files.deleteIfExists(controlDir);
            }
        } catch (IOException e) {
            System.err.println(name() + ": " + e);
        }
        if (region != null) {
            collectCounts();
            region.close();
            try {
                SharedMemory.unlink(shmName);
            } catch (ErrnoException e) {
                System.err.println(name() + ": " + e);
            }
        }
        if (events != null) {
            events.close();
        }
        if (epoll != null) {
            epoll.close();
        }
        if (stop != null) {
            stop.close();
        }
    }

    @Override
    String details() {
        if (perWorker == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder("; accept ").append(mode);
        if (threadsPerWorker > 1) {
            sb.append(", ").append(threadsPerWorker).append(" threads per worker");
        }
        sb.append("; per worker:");
        for (long n : perWorker) {
            sb.append(' ').append(n);
        }
        sb.append(" connections");
        if (replaced > 0) {
            sb.append("; ").append(replaced).append(replaced == 1 ? " worker" : " workers").append(" replaced");
        }
        if (recovered > 0) {
            sb.append("; accept lock recovered from a dead holder ").append(recovered)
                    .append(recovered == 1 ? " time" : " times");
        }
        return sb.toString();
    }

    // ---- workers ------------------------------------------------------------------------------

    private void launch(Slot s) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("iomux.") || key.equals("java.io.tmpdir")) {
                command.add("-D" + key + "=" + System.getProperty(key)); // where the JNI library may be extracted, ...
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "prefork-worker",
                "--control", controlPath.toString(), "--slot", Integer.toString(s.index),
                "--workers", Integer.toString(workerCount), "--shm", shmName, "--accept", mode,
                "--threads", Integer.toString(threadsPerWorker), "--buffer", Integer.toString(bufferSize),
                "--max-connections", Integer.toString(maxConnections),
                "--backend", Backends.defaultBackend().name()));
        s.startedAt = System.nanoTime();
        try {
            // stdin from /dev/null; stdout into a pipe that we copy to our stderr, so that our stdout
            // has only "listening on" and the summary, whatever a worker (or its JVM) prints
            s.process = new ProcessBuilder(command).redirectInput(Redirect.from(new File("/dev/null")))
                    .redirectOutput(Redirect.PIPE).redirectError(Redirect.INHERIT).start();
            InputStream out = s.process.getInputStream();
            Thread copier = new Thread(() -> {
                try (out) {
                    out.transferTo(System.err);
                } catch (IOException e) {
                    // the worker is gone
                }
            }, "worker-" + s.index + "-stdout");
            copier.setDaemon(true);
            copier.start();
            s.process.onExit().thenRun(stop::wake); // the loop notices the exit and replaces it
        } catch (IOException e) {
            System.err.println(name() + ": cannot start worker " + s.index + ": " + e);
            s.process = null;
            s.restartAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        }
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (;;) {
            boolean ready = true;
            for (Slot s : slots) {
                if (s.process == null || (!s.process.isAlive() && s.control == null)) {
                    throw new IOException("worker " + s.index + " did not start"
                            + (s.process == null ? "" : " (exit status " + s.process.exitValue() + ")"));
                }
                ready &= s.control != null;
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("workers not ready after 60 s");
            }
            step(100);
        }
    }

    /** One round of the parent's loop: replace dead workers, wait, handle what is ready. */
    private void step(int timeoutMillis) throws ErrnoException {
        int timeout = replaceDead(timeoutMillis);
        if (pass && acceptor.timeoutMillis() >= 0) {
            timeout = timeout < 0 ? acceptor.timeoutMillis() : Math.min(timeout, acceptor.timeoutMillis());
        }
        int n = epoll.wait(events, timeout);
        if (pass) {
            acceptor.resumeIfDue();
        }
        for (int i = 0; i < n; i++) {
            long data = events.data(i);
            if (data == STOP) {
                stop.fd.drain(); // a worker exited (or we are stopping: then the loop sees the flag)
            } else if (data == CONTROL) {
                for (Socket g; (g = controlListener.accept(false)) != null; ) { // blocking connections
                    greeting.put(g.fd(), g);
                    epoll.add(g, Epoll.IN, GREETING | g.fd());
                }
            } else if (data == LISTENER) {
                acceptAll();
            } else if (data >= GREETING) {
                greet(greeting.remove((int) (data - GREETING)));
            } else if (slots[(int) data].control != null) { // not closed earlier in this round
                readControl(slots[(int) data]);
            }
        }
    }

    /**
     * Notices workers that have exited, zeroes their open-connection count (their connections
     * died with them) and starts replacements; returns the poll timeout, shortened to the next
     * delayed restart.
     */
    private int replaceDead(int timeoutMillis) {
        long now = System.nanoTime();
        long wait = timeoutMillis < 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Slot s : slots) {
            if (s.process != null && !s.process.isAlive()) {
                System.err.println(name() + ": worker " + s.index + " (pid " + s.process.pid() + ") exited with status "
                        + s.process.exitValue() + (stop.stopped() ? "" : "; starting a replacement"));
                closeControl(s);
                region.memory().putLongRelease(PreforkWorker.slotOffset(layout, s.index) + PreforkWorker.OPEN, 0);
                boolean early = now - s.startedAt < TimeUnit.SECONDS.toNanos(1);
                s.process = null;
                s.restartAt = early ? now + TimeUnit.SECONDS.toNanos(1) : now; // no tight loop of failing starts
                if (!stop.stopped()) {
                    replaced++;
                }
            }
            if (s.process == null && !stop.stopped()) {
                if (now >= s.restartAt) {
                    launch(s);
                    if (s.process != null) {
                        System.err.println(name() + ": worker " + s.index + " is now pid " + s.process.pid());
                    }
                } else {
                    wait = Math.min(wait, s.restartAt - now);
                }
            }
        }
        return wait == Long.MAX_VALUE ? -1 : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait) + 1);
    }

    /** A new control connection's first message: which worker it is. */
    private void greet(Socket g) throws ErrnoException {
        byte[] hello = new byte[9];
        long pid;
        try {
            // the worker writes the 9 bytes at once: they arrive together on a Unix stream socket
            if (g.read(hello, 0, hello.length) != hello.length || hello[0] != PreforkWorker.HELLO) {
                g.close();
                return;
            }
            pid = ByteBuffer.wrap(hello, 1, 8).getLong();
        } catch (ErrnoException e) {
            g.close();
            return;
        }
        for (Slot s : slots) {
            if (s.process != null && s.process.pid() == pid && s.control == null) {
                s.control = g;
                s.busy = 0;
                epoll.modify(g, Epoll.IN, s.index);
                if (!pass) {
                    try {
                        s.control.sendDescriptors(new byte[] {PreforkWorker.LISTENER}, listener);
                    } catch (ErrnoException e) {
                        closeControl(s); // it died meanwhile: replaceDead will see to it
                    }
                } else {
                    dispatch();
                }
                return;
            }
        }
        g.close(); // not one of ours
    }

    /** pass: "done" bytes from a worker; end of stream when it exits. */
    private void readControl(Slot s) throws ErrnoException {
        byte[] bytes = new byte[256];
        int n;
        try {
            n = s.control.read(bytes, 0, bytes.length);
        } catch (ErrnoException e) {
            n = -1;
        }
        if (n < 0) {
            closeControl(s); // the worker is exiting: replaceDead starts another once it has
            return;
        }
        for (int i = 0; i < n; i++) {
            if (bytes[i] == PreforkWorker.DONE && s.busy > 0) {
                s.busy--;
            }
        }
        dispatch();
    }

    private void closeControl(Slot s) {
        if (s.control != null) {
            s.control.close();
            s.control = null;
        }
        s.busy = 0; // pass: what it held died with it
    }

    /** pass: the connections open, queued or handed over, are what --max-connections bounds. */
    @Override
    boolean admit(Socket c) {
        int open = queue.size();
        for (Slot s : slots) {
            open += s.busy;
        }
        if (open < maxConnections) {
            return true;
        }
        return refuse(c); // a clean refusal: the client reads end of stream
    }

    /** pass: accept what is pending while the queue has room, hand out. */
    private void acceptAll() throws ErrnoException {
        for (Socket c; queue.size() < queueLimit && (c = acceptor.next()) != null; ) {
            queue.add(c);
            dispatch();
        }
        updateListening();
    }

    /** pass: the listener is watched while the queue has room (else the backlog holds them) and not paused. */
    private void updateListening() throws ErrnoException {
        boolean wanted = !acceptPaused && queue.size() < queueLimit;
        if (wanted != listening) {
            if (wanted) {
                epoll.add(listener, Epoll.IN, LISTENER);
            } else {
                epoll.delete(listener);
            }
            listening = wanted;
        }
    }

    /** pass: queued connections to idle workers, round-robin from the one after the last chosen. */
    private void dispatch() throws ErrnoException {
        if (!pass) {
            return; // lock, nolock: the workers accept; the listener must never join the parent's epoll
        }
        while (!queue.isEmpty()) {
            Slot s = nextIdle();
            if (s == null) {
                return;
            }
            Socket c = queue.peek();
            try {
                s.control.sendDescriptors(new byte[] {PreforkWorker.CONNECTION}, c);
            } catch (ErrnoException e) {
                closeControl(s); // died meanwhile: the connection waits for another worker
                continue;
            }
            s.busy++;
            queue.poll();
            c.close(); // the worker has its own copy now
        }
        updateListening();
    }

    private Slot nextIdle() {
        for (int k = 0; k < slots.length; k++) {
            Slot s = slots[(next + k) % slots.length];
            if (s.control != null && s.busy < threadsPerWorker) {
                next = (s.index + 1) % slots.length;
                return s;
            }
        }
        return null;
    }

    /** Tells every worker to stop, waits for them (destroying what does not stop), closes their sockets. */
    private void stopWorkers() {
        for (Slot s : slots) {
            if (s.process == null) {
                continue;
            }
            if (s.control != null) {
                try {
                    s.control.write(new byte[] {PreforkWorker.STOP}, 0, 1);
                    continue;
                } catch (ErrnoException | IllegalStateException e) {
                    // gone already
                }
            }
            s.process.destroy(); // started but never said hello: nothing to finish
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Slot s : slots) {
            if (s.process == null) {
                continue;
            }
            try {
                if (!s.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    System.err.println(name() + ": worker " + s.index + " did not stop; killing it");
                    s.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.process.destroyForcibly();
            }
            closeControl(s);
        }
    }

    /** Adds the workers' counts, from the shared region, to the parent's own (pass: refusals, accept errors). */
    private void collectCounts() {
        NativeBuffer m = region.memory();
        perWorker = new long[workerCount];
        for (int i = 0; i < workerCount; i++) {
            int at = PreforkWorker.slotOffset(layout, i);
            perWorker[i] = m.getLongAcquire(at + PreforkWorker.CONNECTIONS);
            connections.addAndGet(perWorker[i]);
            bytes.addAndGet(m.getLongAcquire(at + PreforkWorker.BYTES));
            refused.addAndGet(m.getLongAcquire(at + PreforkWorker.REFUSED));
            errors.addAndGet(m.getLongAcquire(at + PreforkWorker.ERRORS));
            acceptPauses.addAndGet(m.getLongAcquire(at + PreforkWorker.PAUSES));
        }
        recovered = m.getLongAcquire(layout.offset("recovered"));
    }
}
