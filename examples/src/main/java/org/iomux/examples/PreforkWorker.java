package org.iomux.examples;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.iomux.Backends;
import org.iomux.ControlTruncatedException;
import org.iomux.Descriptor;
import org.iomux.ErrnoException;
import org.iomux.NativeBuffer;
import org.iomux.ReceivedDescriptors;
import org.iomux.SharedLayout;
import org.iomux.SharedMemory;
import org.iomux.SharedMutex;
import org.iomux.Socket;

/**
 * One worker process of {@link PreforkEcho} ({@code prefork-worker}, internal: the parent starts
 * it). It connects to the parent's control socket, says hello, and serves connections with
 * blocking I/O on {@code --threads} threads, one connection per thread at a time:
 * <ul>
 *   <li>{@code lock}, {@code nolock}: it receives the listening socket once ({@code SCM_RIGHTS})
 *       and every thread accepts on it, holding the shared accept lock around {@code accept}
 *       ({@code lock}) or not ({@code nolock});</li>
 *   <li>{@code pass}: it receives each connection from the parent and reports "done" for it.</li>
 * </ul>
 * Its counters live in its slot of the shared region, so they survive a {@code kill -9}. It stops
 * when the parent says so, or when the control socket reaches end of stream (the parent died).
 */
final class PreforkWorker implements Acceptor.Counts {
    // The control protocol: one byte per message; a descriptor travels with its byte (SCM_RIGHTS).
    /** worker to parent, first, followed by the worker's pid (8 bytes, big-endian): this is me. */
    static final byte HELLO = 'H';
    /** parent to worker (lock, nolock), with the listening socket. */
    static final byte LISTENER = 'L';
    /** parent to worker (pass), with an accepted connection. */
    static final byte CONNECTION = 'C';
    /** worker to parent (pass): one passed connection is finished. */
    static final byte DONE = 'D';
    /** parent to worker: close everything and exit. */
    static final byte STOP = 'S';

    /** Per-slot counters, in this order, 8 bytes each, from {@link #slotOffset}. */
    static final int OPEN = 0, CONNECTIONS = 8, BYTES = 16, REFUSED = 24, ERRORS = 32, PAUSES = 40;

    /**
     * The shared region: the accept lock, the pid of its last holder, how often a dead holder's
     * lock was recovered, and a slot of counters per worker (a replacement takes over its
     * predecessor's slot, so counts survive a crash).
     */
    static SharedLayout layout(int workers) {
        SharedLayout.Builder b = SharedLayout.builder().mutex("accept").int64("holder").int64("recovered");
        for (int i = 0; i < workers; i++) {
            b.int64(i + ".open").int64(i + ".connections").int64(i + ".bytes").int64(i + ".refused")
                    .int64(i + ".errors").int64(i + ".pauses");
        }
        return b.build();
    }

    static int slotOffset(SharedLayout layout, int slot) {
        return layout.offset(slot + ".open");
    }

    private static final List<ServerOptions.Option> OPTIONS = List.of(
            new ServerOptions.Option("control", "", "the parent's control socket"),
            new ServerOptions.Option("slot", "0", "this worker's slot"),
            new ServerOptions.Option("workers", "1", "how many slots the shared region has"),
            new ServerOptions.Option("shm", "", "the shared region's name"),
            new ServerOptions.Option("accept", "lock", "lock, nolock or pass"),
            new ServerOptions.Option("threads", "1", "serving threads"));

    private final int slot;
    private final int workers;
    private final String mode;
    private final int threadCount;
    private final int bufferSize;
    private final int maxConnections;
    private final Path controlPath;
    private final String shmName;
    private final long pid = ProcessHandle.current().pid();

    private Socket control;
    private SharedMemory region;
    private NativeBuffer shm;
    private SharedLayout layout;
    private int mine;
    private Socket listener;
    private SharedMutex acceptLock;
    private final List<Thread> threads = new ArrayList<>();
    private final Set<Socket> active = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<Socket> handoff = new LinkedBlockingQueue<>();
    private volatile boolean stopping;

    private PreforkWorker(ServerOptions o) throws ServerOptions.UsageException {
        slot = o.intValue("slot", 0, 1023);
        workers = o.intValue("workers", 1, 1024);
        mode = o.choice("accept", "lock", "nolock", "pass");
        threadCount = o.intValue("threads", 1, 1024);
        bufferSize = o.intValue("buffer", 1, 64 << 20);
        maxConnections = o.intValue("max-connections", 1, 1 << 20);
        controlPath = Path.of(o.get("control"));
        shmName = o.get("shm");
    }

    public static void main(String[] args) throws Exception {
        System.setOut(System.err); // stdout is the parent's: its first line must be "listening on"
        // A terminal's ^C goes to the whole process group, workers included; the parent gets it too
        // and stops the workers in order, so a worker must not die of it first (and be "replaced").
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        ServerOptions o = ServerOptions.parse(args, ServerOptions.COMMON, OPTIONS);
        if (!o.get("backend").isEmpty()) {
            Backends.setDefault(o.get("backend"));
        }
        System.exit(new PreforkWorker(o).run());
    }

    private int run() throws Exception {
        control = Socket.unix(false);
        control.connect(UnixDomainSocketAddress.of(controlPath));
        byte[] hello = ByteBuffer.allocate(9).put(HELLO).putLong(pid).array();
        control.write(hello, 0, hello.length);

        // Open, never create: if the parent has gone and unlinked the name, creating it again would leak it.
        region = SharedMemory.open(shmName);
        shm = region.memory();
        layout = layout(workers);
        if (region.size() != layout.size()) {
            throw new IllegalStateException(shmName + " is " + region.size() + " bytes, expected " + layout.size());
        }
        mine = slotOffset(layout, slot);

        if (!mode.equals("pass")) {
            byte[] one = new byte[1];
            try (ReceivedDescriptors r = control.receiveDescriptors(one, 0, 1, 1)) {
                if (r.bytes() != 1 || one[0] != LISTENER || r.count() != 1) {
                    throw new IOException("expected the listening socket from the parent, got " + r);
                }
                listener = r.takeSocket(0);
            }
            if (mode.equals("lock")) {
                acceptLock = SharedMutex.attach(region, layout.offset("accept"));
            }
        }
        for (int t = 0; t < threadCount; t++) {
            Thread thread = new Thread(mode.equals("pass") ? this::takeLoop : this::acceptLoop, "w" + slot + "-" + t);
            thread.setDaemon(true); // a thread stuck at exit must not keep the process alive
            threads.add(thread);
            thread.start();
        }
        boolean told = controlLoop();
        stop();
        if (!told) {
            // The parent died without stopping us (kill -9): remove what it can no longer remove.
            // The other workers do the same; whoever comes first wins, the rest find nothing.
            System.err.println("prefork-echo worker " + slot + " (pid " + pid + "): the parent is gone; exiting");
            SharedMemory.unlink(shmName);
            Files.deleteIfExists(controlPath);
            Files.deleteIfExists(controlPath.getParent());
        }
        return 0;
    }

    /** Reads the parent's messages until STOP (true) or end of stream (false). */
    private boolean controlLoop() throws IOException {
        byte[] one = new byte[1];
        for (;;) {
            // one byte per call, so each descriptor comes with the message it belongs to
            try (ReceivedDescriptors r = control.receiveDescriptors(one, 0, 1, 1)) {
                if (r.bytes() == Descriptor.EOF) {
                    return false;
                }
                if (one[0] == STOP) {
                    return true;
                }
                if (one[0] == CONNECTION && r.count() == 1) {
                    handoff.add(r.takeSocket(0));
                }
            } catch (ControlTruncatedException e) {
                // MSG_CTRUNC: the kernel could not install the passed connection here (EMFILE: unix(7),
                // SCM_RIGHTS) and dropped it, so its client sees it end. Only that connection is lost:
                // count it, and report it done so that the parent's count of our busy ones stays true.
                connectionError();
                System.err.println("prefork-echo worker " + slot + " (pid " + pid + "): a passed connection was lost: "
                        + e.getMessage());
                if (e.bytes() == 1 && one[0] == CONNECTION) {
                    control.write(new byte[] {DONE}, 0, 1);
                }
            } catch (ErrnoException e) {
                if (e.errnoName().equals("ECONNRESET")) {
                    return false; // the parent is gone
                }
                throw e; // anything else is ours: exit, and let the parent replace us (not unlink its names)
            }
        }
    }

    private void stop() {
        stopping = true;
        if (listener != null) {
            listener.close(); // wakes a thread still in accept (the parent has normally shut it down already)
        }
        threads.forEach(Thread::interrupt); // pass: threads waiting in take()
        active.forEach(Socket::close);      // wakes threads blocked in read or write
        for (Socket s; (s = handoff.poll()) != null; ) {
            s.close();
        }
        boolean ended = BlockingEcho.join(threads, 5);
        control.close();
        if (ended) {
            region.close(); // else a stuck thread may still count: exit unmaps it
        }
    }

    /** lock, nolock: accept (under the shared lock, or not), admit, serve; until the listener is shut down. */
    private void acceptLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);
        while (!stopping) {
            Socket c;
            try {
                c = Acceptor.acceptBlocking(listener, acceptLock != null ? this::acceptLocked
                        : () -> listener.accept(false), this);
            } catch (IOException e) {
                fail(e); // the lock is unusable (ENOTRECOVERABLE), or the listener: nothing this worker can do
                return;
            }
            if (c == null) {
                return; // not listening any more: the parent shut the listener down to stop us
            }
            if (!admit()) {
                shm.getAndAddLong(mine + REFUSED, 1);
                c.close(); // a clean refusal: the client reads end of stream
                continue;
            }
            try {
                serve(c, buffer);
            } finally {
                shm.getAndAddLong(mine + OPEN, -1);
            }
        }
    }

    @Override
    public void connectionError() {
        shm.getAndAddLong(mine + ERRORS, 1);
    }

    @Override
    public void acceptPaused(ErrnoException why) {
        if (shm.getAndAddLong(mine + PAUSES, 1) == 0) {
            System.err.println("prefork-echo worker " + slot + " (pid " + pid + "): accept: " + Acceptor.describe(why)
                    + "; accepting pauses for " + Acceptor.PAUSE_MILLIS + " ms at a time until it passes");
        }
    }

    /**
     * The seeds' "lock around accept": only the holder waits in {@code accept}, the others sleep
     * on the futex, so each connection wakes exactly one process. The lock is held across the
     * blocking accept, so {@code kill -9} of an idle worker usually kills the holder: the
     * kernel marks the robust mutex owner-died and the next locker repairs it.
     */
    private Socket acceptLocked() throws IOException {
        try (SharedMutex.Guard guard = acceptLock.lock(this::recover)) {
            shm.putLongRelease(layout.offset("holder"), pid);
            return listener.accept(false);
        }
    }

    /** The previous holder died holding the accept lock (EOWNERDEAD). */
    private boolean recover() {
        long dead = shm.getLongAcquire(layout.offset("holder"));
        shm.getAndAddLong(layout.offset("recovered"), 1);
        System.err.println("prefork-echo worker " + slot + " (pid " + pid + "): pid " + dead
                + " died holding the accept lock; recovered");
        return true; // the lock guards the accept call, no data: nothing to repair
    }

    /**
     * One shared bound on open connections across all workers, without a lock: reserve a place in
     * this slot's count first, then add up every slot; over the bound, give the place back. Of
     * several workers admitting at once, the last to add up sees everyone's reservation, so the
     * bound is never exceeded (under contention one may refuse where it could have admitted).
     * The parent zeroes a dead worker's count, since its connections died with it.
     */
    private boolean admit() {
        shm.getAndAddLong(mine + OPEN, 1);
        long open = 0;
        for (int i = 0; i < workers; i++) {
            open += shm.getLongAcquire(slotOffset(layout, i) + OPEN);
        }
        if (open > maxConnections) {
            shm.getAndAddLong(mine + OPEN, -1);
            return false;
        }
        return true;
    }

    /** pass: serve what the parent hands over, and tell it when each is done. */
    private void takeLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);
        byte[] done = {DONE};
        while (!stopping) {
            Socket c;
            try {
                c = handoff.take();
            } catch (InterruptedException e) {
                return; // stop
            }
            serve(c, buffer);
            try {
                control.write(done, 0, 1); // one byte: atomic on a stream socket, no lock needed
            } catch (ErrnoException | IllegalStateException e) {
                return; // the parent is gone, or we are stopping
            }
        }
    }

    /** Serves one connection with the blocking echo, counting as it goes: a kill -9 loses nothing counted. */
    private void serve(Socket c, ByteBuffer buffer) {
        active.add(c);
        try {
            if (stopping) {
                return; // accepted while stopping: stop() may have missed it
            }
            shm.getAndAddLong(mine + CONNECTIONS, 1);
            BlockingEcho.echo(c, buffer, n -> shm.getAndAddLong(mine + BYTES, n));
        } catch (ErrnoException e) {
            if (!stopping) {
                connectionError(); // reset by the peer, ...: this connection only
            }
        } catch (IllegalStateException e) {
            // closed by stop()
        } finally {
            active.remove(c);
            c.close();
        }
    }

    /** Exit at once, without closing the listener in order (that would shut it down for everyone). */
    private void fail(Exception e) {
        System.err.println("prefork-echo worker " + slot + " (pid " + pid + "): " + e);
        Runtime.getRuntime().halt(1);
    }
}
