package org.iomux;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The child JVM of the cross-process tests ({@link SharedProcessTest}): one command per run,
 * progress reported as lines on stdout, the backend chosen with {@code -Diomux.backend}.
 *
 * <pre>
 * count NAME N      open NAME, print "ready", wait for "go" on stdin, then N times under the lock:
 *                   check-and-set the holder word, increment the counter; print "done VIOLATIONS"
 * hold NAME         lock, mark the data dirty, add 1000 to the counter, print "locked", sleep
 * recover NAME      lock; on owner death print "owner-died dirty=D", repair; print "counter=C dirty=D",
 *                   unlock, lock again and print "again owner-died=B"
 * lock NAME         lock, print "locked owner-died=B", or the exception's errno name
 * accept PATH       connect to the Unix socket PATH, receive a listening socket, accept one
 *                   connection on it and write "accepted by PID" to it
 * race NAME         print "ready", wait for "go", openOrCreate NAME (the creator's initialiser
 *                   sleeps, then sets the counter to 42), lock and unlock, print
 *                   "opened creator=B counter=C"
 * </pre>
 */
public final class SharedChild {
    private SharedChild() {}

    /** The layout every process of the tests agrees on. */
    static SharedLayout layout() {
        return SharedLayout.builder().mutex("lock").int64("counter").int64("holder").int64("dirty").build();
    }

    public static void main(String[] args) throws Exception {
        System.out.println("backend " + Backends.defaultBackend().name() + " pid " + ProcessHandle.current().pid());
        switch (args[0]) {
            case "count": count(args[1], Integer.parseInt(args[2])); break;
            case "hold": hold(args[1]); break;
            case "recover": recover(args[1]); break;
            case "lock": lock(args[1]); break;
            case "accept": accept(args[1]); break;
            case "race": race(args[1]); break;
            default: throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }

    private static SharedMemory open(String name) throws ErrnoException {
        return SharedMemory.openOrCreate(Backends.defaultBackend(), name, layout(), Duration.ofSeconds(20), null);
    }

    private static void count(String name, int iterations) throws Exception {
        try (SharedMemory region = open(name)) {
            SharedMutex mutex = region.mutex("lock");
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (!"go".equals(in.readLine())) {
                throw new IllegalStateException("expected go");
            }
            System.out.println("done " + increment(region, mutex, iterations, ProcessHandle.current().pid()));
        }
    }

    /**
     * The tests' critical section, also run by the parent's threads: a read-modify-write of the
     * counter with a window in the middle, and a holder word that detects two holders at once.
     *
     * @return how many times another holder was seen inside the critical section (0 if the lock works)
     */
    static int increment(SharedMemory region, SharedMutex mutex, int iterations, long id) throws Exception {
        NativeBuffer m = region.memory();
        int counter = region.offset("counter");
        int holder = region.offset("holder");
        int violations = 0;
        for (int i = 0; i < iterations; i++) {
            try (SharedMutex.Guard guard = mutex.lock(SharedMutex.Recovery.UNRECOVERABLE)) {
                if (m.getLong(holder) != 0) {
                    violations++;
                }
                m.putLong(holder, id);
                long value = m.getLong(counter);
                for (int spin = 0; spin < 20; spin++) {
                    Thread.onSpinWait();
                }
                if (m.getLong(holder) != id) {
                    violations++;
                }
                m.putLong(counter, value + 1);
                m.putLong(holder, 0);
            }
        }
        return violations;
    }

    private static void hold(String name) throws Exception {
        SharedMemory region = open(name);
        NativeBuffer m = region.memory();
        region.mutex("lock").lock(SharedMutex.Recovery.UNRECOVERABLE);
        m.putLong(region.offset("dirty"), 1);
        m.putLong(region.offset("counter"), m.getLong(region.offset("counter")) + 1000);
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(120_000); // killed by the test long before
    }

    private static void recover(String name) throws Exception {
        try (SharedMemory region = open(name)) {
            NativeBuffer m = region.memory();
            int counter = region.offset("counter");
            int dirty = region.offset("dirty");
            SharedMutex mutex = region.mutex("lock");
            try (SharedMutex.Guard guard = mutex.lock(() -> {
                System.out.println("owner-died dirty=" + m.getLong(dirty));
                m.putLong(counter, m.getLong(counter) - 1000); // undo the dead owner's half-done update
                m.putLong(dirty, 0);
                return true;
            })) {
                System.out.println("counter=" + m.getLong(counter) + " dirty=" + m.getLong(dirty)
                        + " guard-owner-died=" + guard.ownerDied());
            }
            try (SharedMutex.Guard guard = mutex.lock(SharedMutex.Recovery.UNRECOVERABLE)) {
                System.out.println("again owner-died=" + guard.ownerDied());
            }
        }
    }

    private static void lock(String name) throws Exception {
        try (SharedMemory region = open(name)) {
            try (SharedMutex.Guard guard = region.mutex("lock").lock(SharedMutex.Recovery.UNRECOVERABLE)) {
                System.out.println("locked owner-died=" + guard.ownerDied());
            } catch (ErrnoException e) {
                System.out.println(e.errnoName() + " " + e.getMessage());
            }
        }
    }

    private static void race(String name) throws Exception {
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"go".equals(in.readLine())) {
            throw new IllegalStateException("expected go");
        }
        try (SharedMemory region = SharedMemory.openOrCreate(Backends.defaultBackend(), name, layout(),
                Duration.ofSeconds(20), r -> {
                    try {
                        Thread.sleep(100); // a slow creator: the others must wait for it
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    r.memory().putLong(r.offset("counter"), 42);
                })) {
            long counter = region.memory().getLong(region.offset("counter"));
            try (SharedMutex.Guard guard = region.mutex("lock").lock(SharedMutex.Recovery.UNRECOVERABLE)) {
                System.out.println("opened creator=" + region.isCreator() + " counter=" + counter);
            }
        }
    }

    private static void accept(String path) throws Exception {
        try (Socket channel = Socket.unix(false)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            byte[] tag = new byte[16];
            Socket listener;
            try (ReceivedDescriptors received = channel.receiveDescriptors(tag, 0, tag.length, 1)) {
                System.out.println("received " + received.count() + " tag " + (char) tag[0]);
                listener = received.takeSocket(0);
            }
            try (Socket l = listener; Socket connection = l.accept(false)) {
                byte[] reply = ("accepted by " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
                TestSupport.writeFully(connection, reply);
            }
            System.out.println("served");
        }
    }
}
