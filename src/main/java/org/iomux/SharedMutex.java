package org.iomux;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import org.iomux.spi.Abi;
import org.iomux.spi.NativeCalls;
import org.iomux.spi.StructLayout;

/**
 * A process-shared, robust, error-checking {@code pthread_mutex_t} in a {@link SharedMemory}
 * region: a lock that threads of several processes (each using any iomux backend) take in turn.
 * {@code pthread_mutex_lock(3)}, {@code pthread_mutex_clocklock(3)} on {@code CLOCK_MONOTONIC}
 * (also for {@link #tryLock(Recovery)}), {@code pthread_mutex_unlock(3)},
 * {@code pthread_mutex_consistent(3)}; initialised with {@code PTHREAD_PROCESS_SHARED},
 * {@code PTHREAD_MUTEX_ROBUST} and {@code PTHREAD_MUTEX_ERRORCHECK}.
 *
 * <pre>{@code
 * SharedLayout layout = SharedLayout.builder().mutex("lock").int64("counter").build();
 * try (SharedMemory region = SharedMemory.openOrCreate("/my-app", layout)) {
 *     SharedMutex mutex = region.mutex("lock");
 *     int counter = layout.offset("counter");
 *     try (SharedMutex.Guard guard = mutex.lock(() -> repair(region))) {
 *         region.memory().putLong(counter, region.memory().getLong(counter) + 1);
 *     }
 * }
 * }</pre>
 *
 * <h2>Why not a Java lock</h2>
 * A {@code java.util.concurrent} lock lives in one JVM's heap: other processes cannot see it. A
 * {@link java.nio.channels.FileLock} is an {@code fcntl} record lock, held per process (the JDK
 * throws {@code OverlappingFileLockException} rather than let two threads of one JVM contend for
 * it), and every lock and unlock is a system call. A process-shared pthread mutex is a word in
 * shared memory: uncontended, locking is one atomic instruction with no system call, contention
 * sleeps in {@code futex(2)}, ownership is per thread, and because it is robust the kernel tells
 * the next locker when an owner died holding it (the robust-futex list, walked at thread exit).
 *
 * <h2>Memory layout</h2>
 * <pre>
 * offset 0  u64              magic "iomuxMX1", stored (release) after pthread_mutex_init;
 *                            "iomuxMX0" while it runs (set by compare-and-set from 0)
 * offset 8  pthread_mutex_t  x86_64: 40 bytes, aarch64: 48 bytes; 8-byte aligned on both
 * </pre>
 * {@link #size(Backend)} bytes in all (48 on x86_64, 56 on aarch64), at an 8-byte aligned offset
 * of the region. The magic word tells an initialised mutex from zeroed or foreign memory.
 *
 * <h2>Owner death</h2>
 * When the owning thread or process dies holding the lock, the next locker gets it with
 * {@code EOWNERDEAD}: the protected data may be half-updated. Every locking method therefore
 * takes a {@link Recovery}, which iomux calls, with the lock held, only in that case: it repairs
 * the data and returns {@code true} (iomux then calls {@code pthread_mutex_consistent} and the
 * lock is held normally), or returns {@code false} (or throws) to declare the data unrecoverable:
 * iomux unlocks without making it consistent, the lock call throws {@code ENOTRECOVERABLE}, and
 * so does every later lock, in every process (pthread_mutex_lock(3)).
 *
 * <h2>Ownership and errors</h2>
 * The lock is owned by the thread that took it. Locking it again from that thread throws
 * {@code EDEADLK}; {@link #unlock()} from a thread that does not hold it (through this handle)
 * throws {@code EPERM}, so an unlock too many is an error, never a silent no-op. Lock and unlock
 * through the same handle ({@link SharedMemory#mutex} returns one handle per field).
 *
 * <h2>Platform threads only</h2>
 * A pthread mutex is owned by an OS thread. A virtual thread (Java 21) runs on a carrier thread
 * that it can leave at any blocking point and come back to on another one, and one carrier runs
 * many virtual threads: the kernel's owner (for unlock, {@code EDEADLK}, and owner death) would
 * not be the Java thread iomux tracks. So on Java 21 and later every lock method called from a
 * virtual thread throws {@link UnsupportedOperationException}; lock from a platform thread.
 *
 * <h2>Lifetime</h2>
 * Not {@code AutoCloseable}: the region owns the memory. A lock held by a thread of this process
 * holds a reference on the region, so closing the region unmaps it only after the unlock. The
 * mutex is never destroyed ({@code pthread_mutex_destroy}): other processes may be using it; it
 * ends with the last mapping of its region. A thread that ends holding the lock leaves the
 * region mapped until another thread of this process takes the lock over ({@code EOWNERDEAD});
 * that needs the region open (every lock call holds a reference on it, which a closed region
 * refuses), so a region closed after such a death stays mapped until the JVM exits. Other
 * processes are told of the death either way: the kernel marks the lock when the thread exits.
 *
 * <p>Thread-safe: that is its purpose.
 */
public final class SharedMutex {
    /** The alignment of a mutex slot within its region. */
    public static final int ALIGNMENT = 8;
    /** The slot's magic word: {@code "iomuxMX1"}, the last byte being the format version. */
    static final long MAGIC = 0x69_6f_6d_75_78_4d_58_31L;
    private static final int MUTEX_OFFSET = 8;

    /**
     * Told, with the lock held, that the previous owner died holding it. Return {@code true} once
     * the protected data is consistent again, {@code false} if it cannot be repaired. Throwing
     * counts as {@code false}; the exception then propagates from the lock call.
     */
    @FunctionalInterface
    public interface Recovery {
        /** For data that is consistent whatever point the owner died at (nothing to repair). */
        Recovery CONSISTENT = () -> true;
        /** Declares the data lost whenever an owner dies: every later lock gets {@code ENOTRECOVERABLE}. */
        Recovery UNRECOVERABLE = () -> false;

        boolean recover() throws IOException;
    }

    /**
     * A held lock, for try-with-resources: {@link #close()} unlocks it (once; later calls do
     * nothing). Not thread-safe, like the lock it stands for: close it in the thread that locked.
     * It owns nothing else; the region stays open.
     */
    public final class Guard implements AutoCloseable {
        private final boolean ownerDied;
        private boolean closed;

        private Guard(boolean ownerDied) {
            this.ownerDied = ownerDied;
        }

        /** Whether the previous owner had died holding the lock, and {@link Recovery} repaired the data. */
        public boolean ownerDied() {
            return ownerDied;
        }

        /** Unlocks, unless already done through this guard. @throws ErrnoException {@code EPERM} from another thread */
        @Override
        public void close() throws ErrnoException {
            if (!closed) {
                unlock();
                closed = true;
            }
        }
    }

    /**
     * {@code Thread.isVirtual()} (Java 21), or null before it: found by reflection, since the
     * baseline is Java 17. A constant method handle, so the check costs nothing once compiled.
     */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17 to 20: no virtual threads
        }
    }

    private final SharedMemory region;
    private final Backend backend;
    private final NativeCalls calls;
    private final NativeBuffer mapping;
    private final int offset;
    private final long mutex;
    /** The thread that holds the lock through this handle; it holds a reference on the region. */
    private volatile Thread holder;

    private SharedMutex(SharedMemory region, int offset) {
        this.region = region;
        this.backend = region.backend();
        this.calls = backend.calls;
        this.mapping = region.mapping();
        this.offset = offset;
        this.mutex = region.address() + offset + MUTEX_OFFSET;
    }

    /**
     * The size of a mutex slot: an 8-byte magic word plus {@code sizeof(pthread_mutex_t)} rounded up
     * to 8 (48 bytes on x86_64, 56 on aarch64).
     */
    public static int size(Backend backend) {
        StructLayout l = backend.layout();
        if (l.pthreadMutexAlign > ALIGNMENT) {
            throw new IllegalStateException("pthread_mutex_t needs " + l.pthreadMutexAlign + "-byte alignment here");
        }
        return MUTEX_OFFSET + ((l.pthreadMutexSize + 7) & ~7);
    }

    /**
     * Initialises a mutex at {@code offset} of {@code region} and publishes its magic word. Only
     * for regions opened without a {@link SharedLayout} ({@link SharedMemory#openOrCreate}
     * initialises the mutexes of a layout). Race-free: threads and processes that initialise one
     * slot at once agree through the magic word, which the winner moves from 0 to "initialising"
     * with a compare-and-set before {@code pthread_mutex_init} and to the magic last (a release
     * store); every other caller waits until it is published (at most
     * {@link #INITIALISATION_TIMEOUT}), then throws.
     *
     * @throws IllegalStateException if a mutex is already initialised there, or another caller is
     *         initialising it (re-initialising a mutex in use is undefined behaviour,
     *         pthread_mutex_init(3)); once this is thrown the mutex is usable ({@link #attach}),
     *         unless its initialiser died half-way ("still initialising")
     */
    public static SharedMutex initialize(SharedMemory region, int offset) throws ErrnoException {
        check(region, offset);
        NativeBuffer m = region.mapping();
        if (!m.compareAndSetLong(offset, 0, INITIALISING)) {
            long word = awaitInitialised(region, offset);
            throw new IllegalStateException(word == MAGIC
                    ? "a mutex is already initialised at offset " + offset + " of " + region.name()
                    : "no iomux mutex can be initialised at offset " + offset + " of " + region.name() + ": "
                            + describe(word));
        }
        // ours: from here on the region's public view cannot write into the slot
        region.guard(offset, size(region.backend()), "the mutex at offset " + offset);
        Backend backend = region.backend();
        String what = region.name() + "@" + offset;
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        long attr = scratch.address(Scratch.SMALL, backend.layout().pthreadMutexattrSize);
        boolean initialised = false;
        region.retain();
        try {
            check(backend.calls.pthreadMutexattrInit(attr), "pthread_mutexattr_init()");
            try {
                check(backend.calls.pthreadMutexattrSettype(attr, Abi.PTHREAD_MUTEX_ERRORCHECK),
                        "pthread_mutexattr_settype(PTHREAD_MUTEX_ERRORCHECK)");
                check(backend.calls.pthreadMutexattrSetpshared(attr, Abi.PTHREAD_PROCESS_SHARED),
                        "pthread_mutexattr_setpshared(PTHREAD_PROCESS_SHARED)");
                check(backend.calls.pthreadMutexattrSetrobust(attr, Abi.PTHREAD_MUTEX_ROBUST),
                        "pthread_mutexattr_setrobust(PTHREAD_MUTEX_ROBUST)");
                check(backend.calls.pthreadMutexInit(region.address() + offset + MUTEX_OFFSET, attr),
                        "pthread_mutex_init(" + what + ")");
                initialised = true;
            } finally {
                backend.calls.pthreadMutexattrDestroy(attr);
            }
        } finally {
            region.release();
            Reference.reachabilityFence(pinned);
            // last: whoever reads the magic with acquire semantics sees the initialised mutex; on
            // failure the slot goes back to 0, so that the next caller may try again
            m.putLongRelease(offset, initialised ? MAGIC : 0);
        }
        return attach(region, offset);
    }

    /** How long {@link #initialize} and {@link #attach} wait for another caller's initialisation. */
    public static final Duration INITIALISATION_TIMEOUT = Duration.ofSeconds(5);

    /** The magic word while a caller of {@link #initialize} runs {@code pthread_mutex_init}: "iomuxMX0". */
    static final long INITIALISING = 0x69_6f_6d_75_78_4d_58_30L;

    /**
     * The slot's magic word once it is no longer {@link #INITIALISING}, or still that after
     * {@link #INITIALISATION_TIMEOUT} (an initialiser that died half-way). pthread_mutex_init is a
     * few stores, so a live initialiser is done in microseconds: spin briefly, then sleep.
     */
    private static long awaitInitialised(SharedMemory region, int offset) {
        NativeBuffer m = region.mapping();
        long deadline = System.nanoTime() + INITIALISATION_TIMEOUT.toNanos();
        for (int round = 0; ; round++) {
            long word = m.getLongAcquire(offset);
            if (word != INITIALISING || System.nanoTime() - deadline > 0) {
                return word;
            }
            if (round < 100) {
                Thread.onSpinWait();
            } else {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return word;
                }
            }
        }
    }

    private static String describe(long word) {
        return word == 0 ? "it was never initialised (magic word 0)"
                : word == INITIALISING ? "it is still initialising after " + INITIALISATION_TIMEOUT.toMillis()
                        + " ms (its initialiser died half-way?)"
                : "magic word 0x" + Long.toHexString(word) + ", expected 0x" + Long.toHexString(MAGIC);
    }

    /**
     * The mutex at {@code offset} of {@code region}, which must have been initialised (by
     * {@link #initialize} or {@link SharedMemory#openOrCreate}) in this or another process; one
     * being initialised right now is waited for (at most {@link #INITIALISATION_TIMEOUT}).
     *
     * @throws IllegalArgumentException if {@code offset} is not 8-byte aligned, or the region is
     *         too small for a mutex there
     * @throws IllegalStateException if no mutex was initialised there, or the region is closed
     */
    public static SharedMutex attach(SharedMemory region, int offset) {
        check(region, offset);
        long word = region.mapping().getLongAcquire(offset);
        if (word == INITIALISING) {
            word = awaitInitialised(region, offset);
        }
        if (word != MAGIC) {
            throw new IllegalStateException((word == 0 || word == INITIALISING ? "no mutex at offset "
                    : "no iomux mutex at offset ") + offset + " of " + region.name() + ": " + describe(word));
        }
        return region.mutexAt(offset, o -> {
            region.guard(o, size(region.backend()), "the mutex at offset " + o);
            return new SharedMutex(region, o);
        });
    }

    private static void check(SharedMemory region, int offset) {
        Objects.requireNonNull(region, "region");
        if (!region.isOpen()) {
            throw region.closedException();
        }
        int size = size(region.backend());
        if (offset < 0 || offset % ALIGNMENT != 0) {
            throw new IllegalArgumentException("mutex offset " + offset + " in " + region.name() + " is not "
                    + ALIGNMENT + "-byte aligned (pthread_mutex_t needs it)");
        }
        if (offset > region.size() - size) {
            throw new IllegalArgumentException(region.name() + " is " + region.size() + " bytes: too small for a "
                    + size + "-byte mutex at offset " + offset);
        }
    }

    private static void check(int r, String call) throws ErrnoException {
        if (r != 0) {
            throw Errors.exception(call, r);
        }
    }

    /** The region this mutex is in. */
    public SharedMemory region() {
        return region;
    }

    /** Its offset in the region. */
    public int offset() {
        return offset;
    }

    /** Whether the calling thread holds this lock (through this handle). */
    public boolean isHeldByCurrentThread() {
        return holder == Thread.currentThread();
    }

    /**
     * Locks, waiting as long as it takes ({@code pthread_mutex_lock}).
     *
     * @param recovery called if the previous owner died holding the lock (see the class documentation)
     * @return a guard whose {@code close()} unlocks
     * @throws ErrnoException {@code EDEADLK} if this thread holds it already; {@code ENOTRECOVERABLE}
     *         if the data was declared unrecoverable (now or before)
     * @throws IllegalStateException if the region is closed, or the mutex was overwritten
     * @throws UnsupportedOperationException on a virtual thread (see the class documentation)
     */
    public Guard lock(Recovery recovery) throws IOException {
        Objects.requireNonNull(recovery, "recovery");
        requirePlatformThread();
        region.retain(); // this call's reference; a hold takes one of its own (see locked)
        try {
            checkMagic();
            int status = locked(calls.pthreadMutexLock(mutex), "pthread_mutex_lock", recovery);
            return new Guard(status == RECOVERED);
        } finally {
            region.release();
        }
    }

    /**
     * Locks if nobody holds the lock, else returns {@code false} at once. Unlock with
     * {@link #unlock()}. Errors as {@link #lock}.
     *
     * <p>Made as {@code pthread_mutex_clocklock} with a deadline in the past, which POSIX defines
     * to take a free lock and otherwise time out at once, rather than
     * {@code pthread_mutex_trylock}: glibc's robust trylock (2.36, nptl/pthread_mutex_trylock.c),
     * on a mutex that is not recoverable, returns {@code ENOTRECOVERABLE} but leaves the lock word
     * set to the caller's thread id, so every later locker would wait for ever.
     */
    public boolean tryLock(Recovery recovery) throws IOException {
        Objects.requireNonNull(recovery, "recovery");
        requirePlatformThread();
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.clear(Scratch.SMALL, l.timespecSize); // { 0, 0 }: long past on CLOCK_MONOTONIC
        long timespec = scratch.address(Scratch.SMALL, l.timespecSize);
        region.retain();
        try {
            checkMagic();
            int r = calls.pthreadMutexClocklock(mutex, Abi.CLOCK_MONOTONIC, timespec);
            return locked(r, "pthread_mutex_clocklock", recovery) != NOT_LOCKED;
        } finally {
            region.release();
            Reference.reachabilityFence(pinned);
        }
    }

    /**
     * Locks, waiting at most {@code timeout}; returns {@code false} if it timed out
     * ({@code pthread_mutex_clocklock} with an absolute {@code CLOCK_MONOTONIC} deadline, so a
     * change of the wall clock does not stretch or cut the wait). Unlock with {@link #unlock()}.
     * Errors as {@link #lock}.
     */
    public boolean tryLock(Duration timeout, Recovery recovery) throws IOException {
        Objects.requireNonNull(recovery, "recovery");
        requirePlatformThread();
        if (timeout.isNegative()) {
            timeout = Duration.ZERO;
        }
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        long timespec = scratch.address(Scratch.SMALL, l.timespecSize);
        region.retain();
        try {
            int c = calls.clockGettime(Abi.CLOCK_MONOTONIC, timespec);
            if (c < 0) {
                throw Errors.exception("clock_gettime(CLOCK_MONOTONIC)", c);
            }
            long sec = scratch.getLong(Scratch.SMALL + l.timespecSec);
            long nsec = scratch.getLong(Scratch.SMALL + l.timespecNsec) + timeout.getNano();
            // saturate: a deadline centuries away is "wait forever", not an overflow
            long deadline = timeout.getSeconds() > Long.MAX_VALUE / 2 - sec ? Long.MAX_VALUE / 2 : sec + timeout.getSeconds();
            deadline += nsec / 1_000_000_000L;
            scratch.putLong(Scratch.SMALL + l.timespecSec, deadline);
            scratch.putLong(Scratch.SMALL + l.timespecNsec, nsec % 1_000_000_000L);
            checkMagic();
            int r = calls.pthreadMutexClocklock(mutex, Abi.CLOCK_MONOTONIC, timespec);
            return locked(r, "pthread_mutex_clocklock", recovery) != NOT_LOCKED;
        } finally {
            region.release();
            Reference.reachabilityFence(pinned);
        }
    }

    /**
     * Unlocks ({@code pthread_mutex_unlock}).
     *
     * <p>Should the call fail, the calling thread stays the holder and the region stays mapped:
     * glibc returns before it takes the mutex off the thread's list of robust mutexes
     * (nptl/pthread_mutex_unlock.c), and unmapping a mutex still on that list would let glibc
     * follow a pointer into unmapped memory at the thread's next robust lock or unlock.
     *
     * @throws ErrnoException {@code EPERM} if the calling thread does not hold the lock through
     *         this handle (another thread or process holds it, nobody does, or it was unlocked already)
     * @throws IllegalStateException if the mutex was overwritten since it was locked
     */
    public void unlock() throws ErrnoException {
        if (holder != Thread.currentThread()) {
            // Not ours: the error pthread_mutex_unlock gives an error-checking mutex, without the
            // call, whose memory may be unmapped by now if the region was closed.
            throw Errors.synthetic("pthread_mutex_unlock(" + this + ", not held by thread \""
                    + Thread.currentThread().getName() + "\")", Abi.EPERM);
        }
        // the hold's reference on the region keeps the memory mapped
        checkMagic();
        // Cleared while still holding the lock: once it is unlocked, the next holder (another
        // thread) sets the field, which we must not overwrite.
        holder = null;
        int r = calls.pthreadMutexUnlock(mutex);
        if (r != 0) {
            holder = Thread.currentThread(); // still ours, and still on its robust list: keep the mapping
            throw Errors.exception("pthread_mutex_unlock(" + this + ")", r);
        }
        region.release(); // the hold's reference
    }

    /** Refuses a virtual thread (see the class documentation). */
    private void requirePlatformThread() {
        if (IS_VIRTUAL != null) {
            boolean virtual;
            try {
                virtual = (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
            } catch (Throwable e) {
                throw new AssertionError(e); // Thread.isVirtual() throws nothing
            }
            if (virtual) {
                throw new UnsupportedOperationException("SharedMutex " + this + ": a pthread mutex is owned by an OS"
                        + " thread, and a virtual thread (" + Thread.currentThread() + ") can change carriers; lock it"
                        + " from a platform thread");
            }
        }
    }

    /** What {@link #locked} found: the lock not taken (busy, timed out), taken, taken after an owner's death. */
    private static final int NOT_LOCKED = 0, LOCKED = 1, RECOVERED = 2;

    /**
     * After a lock call, made while the calling method holds a reference on the region (which it
     * releases in a {@code finally}, whatever happens here). A lock taken is a hold, with a
     * reference of its own ({@link Lifetime#share}), released by {@link #unlock()}; so a failure
     * anywhere releases exactly what was taken, and a {@link Recovery} that unlocks by mistake
     * cannot release a reference twice.
     */
    private int locked(int r, String call, Recovery recovery) throws IOException {
        if (r == -Abi.EBUSY || r == -Abi.ETIMEDOUT) {
            return NOT_LOCKED;
        }
        if (r != 0 && r != -Abi.EOWNERDEAD) {
            throw Errors.exception(call + "(" + this + ")", r);
        }
        region.share(); // the hold's reference: cannot fail, the call's keeps the mapping alive
        Thread previous = holder;
        holder = Thread.currentThread();
        if (previous != null) {
            // A thread of this process died holding the lock through this handle (the lock call
            // succeeded, so it no longer holds it): its hold, and the hold's reference, end here.
            region.release();
        }
        if (r == 0) {
            return LOCKED;
        }
        boolean repaired = false;
        try {
            repaired = recovery.recover();
            if (repaired) {
                checkMagic();
                int c = calls.pthreadMutexConsistent(mutex);
                if (c != 0) {
                    repaired = false;
                    throw Errors.exception("pthread_mutex_consistent(" + this + ")", c);
                }
            }
        } finally {
            if (!repaired && holder == Thread.currentThread()) {
                // Unlocking a robust mutex still inconsistent makes it permanently unusable
                // (pthread_mutex_consistent(3)): later lockers get ENOTRECOVERABLE.
                unlock();
            }
        }
        if (!repaired) {
            throw Errors.synthetic(call + "(" + this + ", previous owner died, data declared unrecoverable)",
                    Abi.ENOTRECOVERABLE);
        }
        return RECOVERED;
    }

    /**
     * Before every pthread call, with the region retained: the slot still holds an iomux mutex.
     * The public view of the region cannot write there ({@link SharedMemory#memory()}), but
     * another process, or another mapping of the object, can; junk in a {@code pthread_mutex_t}
     * makes glibc abort the process (an assertion in pthread_mutex_lock), a clear exception is
     * better. One acquire load: the lock word itself cannot be checked without taking the lock.
     */
    private void checkMagic() {
        long word = mapping.getLongAcquireRetained(offset);
        if (word != MAGIC) {
            throw new IllegalStateException("the mutex " + this + " was overwritten (magic word 0x" + Long.toHexString(word)
                    + ", expected 0x" + Long.toHexString(MAGIC) + "): it is no longer an iomux mutex");
        }
    }

    @Override
    public String toString() {
        return region.name() + "@" + offset;
    }
}
