package org.iomux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.iomux.spi.Abi;

/**
 * A {@code MAP_SHARED} mapping of a POSIX shared-memory object or a file, that several processes
 * map at once: {@code shm_open(3)}/{@code shm_unlink(3)} (done as glibc does them, as
 * {@code open(2)}/{@code unlink(2)} of {@code /dev/shm/NAME}), {@code ftruncate(2)},
 * {@code mmap(2)} and {@code munmap(2)}. Read and write it through {@link #memory()}, a
 * bounds-checked {@link NativeBuffer}; place a {@link SharedMutex} in it to coordinate the
 * processes.
 *
 * <h2>Opening</h2>
 * <ul>
 *   <li>{@link #create} makes a new object ({@code O_CREAT|O_EXCL}, mode {@code 0600}) of a given
 *       size, zero-filled, and fails with {@code EEXIST} if the name exists;</li>
 *   <li>{@link #open} maps an existing one, whole;</li>
 *   <li>{@link #openOrCreate} is the race-free way for several processes to share a region
 *       described by a {@link SharedLayout}: whoever creates the name (exactly one process:
 *       {@code O_EXCL}) sizes it, initialises every {@link SharedMutex} of the layout, runs the
 *       caller's initialiser, and publishes the header's magic word last with a release store;
 *       everyone else maps it and waits (acquire loads, bounded by a timeout) until the magic word
 *       appears. If the creator dies half-way, the magic word never appears and the others fail
 *       with {@code ETIMEDOUT} naming the region, which {@link #unlink} then removes.</li>
 * </ul>
 * A name is a POSIX shared-memory name, {@code "/something"} (one leading slash, no other); a
 * {@link Path} is any file on a file system that supports shared mappings ({@code tmpfs},
 * {@code ext4}, ...). The descriptor is closed as soon as the region is mapped: per mmap(2),
 * closing it does not unmap the region, so a {@code SharedMemory} holds a mapping and no
 * descriptor.
 *
 * <h2>Lifetime</h2>
 * {@link #close()} is idempotent and unmaps the region; it does not remove the name (that is
 * {@link #unlink}, which other processes' mappings survive). Like a descriptor (see
 * {@link FdHandle}), every access holds a reference on the mapping, and {@code munmap} happens
 * when the last access in flight has ended, so closing from one thread while another reads never
 * faults; after close every access throws {@link IllegalStateException}. A {@link SharedMutex}
 * that a thread of this process holds also holds a reference, released by its unlock: unmapping
 * a locked robust mutex would corrupt the C library's per-thread list of robust mutexes
 * (pthread_mutexattr_setrobust(3)), so the unmap waits for the unlock.
 *
 * <h2>Space, and SIGBUS</h2>
 * A page of a {@code MAP_SHARED} mapping that the file system has no room for raises
 * {@code SIGBUS} when first touched (mmap(2)), which kills the JVM. So the creator reserves every
 * page with {@code fallocate(2)} before it sizes the object: a full {@code tmpfs} (or disk) makes
 * {@link #create} and {@link #openOrCreate} throw {@code ENOSPC}, and removes the new object. (A
 * file system that cannot reserve, {@code EOPNOTSUPP}, is used without.)
 *
 * <p>Another process that truncates the file under a mapping makes accesses beyond the new end
 * raise {@code SIGBUS} too (mmap(2)); iomux cannot guard against that, so only share regions with
 * processes that respect their size.
 *
 * <h2>Thread safety</h2>
 * Safe to use from any thread; the memory itself is shared, so coordinate writers with a
 * {@link SharedMutex} or the atomic accessors of {@link NativeBuffer}.
 */
public final class SharedMemory extends Lifetime implements AutoCloseable {
    /** How long the convenience {@link #openOrCreate(String, SharedLayout)} waits for a creator. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final int MODE = 0600;
    private static final int NAME_MAX = 255;

    private final Backend backend;
    private final String name;
    private final long address;
    private final int size;
    /** The whole mapping, for iomux's own writes (the header, mutex magic words). */
    private final NativeBuffer memory;
    /** The same mapping for applications: writes into {@link #guarded} ranges are refused. */
    private final NativeBuffer view;
    private final SharedLayout layout;
    private final boolean creator;
    private final ConcurrentHashMap<Integer, SharedMutex> mutexes = new ConcurrentHashMap<>();
    /** What {@link #view} does not write; replaced whole (copy-on-write) under {@code this}. */
    private volatile Guarded guarded = Guarded.NONE;

    /** Sorted, disjoint {@code [start, end)} ranges and what each one is, for messages. */
    private static final class Guarded {
        static final Guarded NONE = new Guarded(new int[0], new String[0]);
        final int[] bounds; // start0, end0, start1, end1, ...
        final String[] names;

        Guarded(int[] bounds, String[] names) {
            this.bounds = bounds;
            this.names = names;
        }
    }

    private SharedMemory(Backend backend, String name, long address, int size, SharedLayout layout, boolean creator) {
        this.backend = backend;
        this.name = name;
        this.address = address;
        this.size = size;
        this.layout = layout;
        this.creator = creator;
        this.memory = NativeBuffer.mapped(backend, address, size, this, null);
        this.view = NativeBuffer.mapped(backend, address, size, this, this);
        if (layout != null) {
            guard(0, SharedLayout.HEADER_SIZE, "the region header");
            for (String mutex : layout.mutexes()) {
                guard(layout.offset(mutex), layout.size(mutex), "mutex field '" + mutex + "'");
            }
        }
    }

    // ---- create, open, unlink ----------------------------------------------------------------

    /**
     * Creates the shared-memory object {@code name} ({@code "/something"}) with {@code size}
     * zero bytes and maps it.
     *
     * @throws ErrnoException {@code EEXIST} if it exists, {@code ENOSPC} if the file system has no
     *         room for it, or another error of open/fallocate/ftruncate/mmap (after which the new
     *         object is removed again)
     */
    public static SharedMemory create(Backend backend, String name, int size) throws ErrnoException {
        return create(backend, shmPath(name), name, size);
    }

    /** {@link #create(Backend, String, int)} for a file at {@code file}. */
    public static SharedMemory create(Backend backend, Path file, int size) throws ErrnoException {
        return create(backend, file.toString(), file.toString(), size);
    }

    /** {@link #create(Backend, String, int)} with the default backend. */
    public static SharedMemory create(String name, int size) throws ErrnoException {
        return create(Backends.defaultBackend(), name, size);
    }

    /**
     * Maps the whole of the existing shared-memory object {@code name}, without any layout.
     *
     * @throws ErrnoException {@code ENOENT} if there is none, {@code EINVAL} if it is empty
     */
    public static SharedMemory open(Backend backend, String name) throws ErrnoException {
        return open(backend, shmPath(name), name);
    }

    /** {@link #open(Backend, String)} for a file at {@code file}. */
    public static SharedMemory open(Backend backend, Path file) throws ErrnoException {
        return open(backend, file.toString(), file.toString());
    }

    /** {@link #open(Backend, String)} with the default backend. */
    public static SharedMemory open(String name) throws ErrnoException {
        return open(Backends.defaultBackend(), name);
    }

    /**
     * Opens the region {@code name} laid out as {@code layout}, creating and initialising it if it
     * does not exist; see the class documentation for the protocol.
     *
     * @param initializer run by the creator only, before the region is published, to set the
     *        initial contents (the memory starts zeroed, the mutexes initialised and unlocked);
     *        {@code null} for none. If it throws, the region is removed again and the exception
     *        propagates.
     * @param timeout how long an opener waits for the creator to publish the region
     * @throws ErrnoException {@code ETIMEDOUT} if the region was not ready in time, or the error of
     *         a failed system call
     * @throws IllegalStateException if the region was created with a different layout (one of
     *         another size is refused at once: a creator sizes it in one step)
     */
    public static SharedMemory openOrCreate(Backend backend, String name, SharedLayout layout, Duration timeout,
            Consumer<SharedMemory> initializer) throws ErrnoException {
        return openOrCreate(backend, shmPath(name), name, layout, timeout, initializer);
    }

    /** {@link #openOrCreate(Backend, String, SharedLayout, Duration, Consumer)} for a file at {@code file}. */
    public static SharedMemory openOrCreate(Backend backend, Path file, SharedLayout layout, Duration timeout,
            Consumer<SharedMemory> initializer) throws ErrnoException {
        return openOrCreate(backend, file.toString(), file.toString(), layout, timeout, initializer);
    }

    /** {@link #openOrCreate(Backend, String, SharedLayout, Duration, Consumer)}: default backend, no initialiser, {@link #DEFAULT_TIMEOUT}. */
    public static SharedMemory openOrCreate(String name, SharedLayout layout) throws ErrnoException {
        return openOrCreate(Backends.defaultBackend(), name, layout, DEFAULT_TIMEOUT, null);
    }

    /**
     * Removes the shared-memory object {@code name} ({@code shm_unlink(3)}): mappings of it
     * (here and in other processes) stay valid; the memory is freed when the last one goes.
     *
     * @return false if there was no such object
     */
    public static boolean unlink(Backend backend, String name) throws ErrnoException {
        return unlinkPath(backend, shmPath(name));
    }

    /** {@link #unlink(Backend, String)} for a file. */
    public static boolean unlink(Backend backend, Path file) throws ErrnoException {
        return unlinkPath(backend, file.toString());
    }

    /** {@link #unlink(Backend, String)} with the default backend. */
    public static boolean unlink(String name) throws ErrnoException {
        return unlink(Backends.defaultBackend(), name);
    }

    // ---- accessors ----------------------------------------------------------------------------

    /**
     * The mapped bytes, bounds-checked; valid while this region is open. Closing the returned
     * buffer closes this region.
     *
     * <p>Everything can be read, but what iomux keeps in the region cannot be written: the
     * header of a region opened with a {@link SharedLayout}, and every {@link SharedMutex} slot
     * (the layout's, and any initialised or attached at an offset). A write that touches one,
     * the buffer's own or a {@link Descriptor#read(NativeBuffer, int, int) read(2)} into it,
     * throws {@link IllegalArgumentException}: junk in a {@code pthread_mutex_t} makes glibc abort
     * the process on the next lock. The guard is this object's: another mapping of the same
     * object opened without its layout ({@link #open}) knows nothing of it, so do not write
     * through one.
     */
    public NativeBuffer memory() {
        return view;
    }

    /** The mapped size in bytes. */
    public int size() {
        return size;
    }

    /** The name or path it was opened by, for messages. */
    public String name() {
        return name;
    }

    /** The backend its calls go through. */
    public Backend backend() {
        return backend;
    }

    /** The layout given to {@link #openOrCreate}, or {@code null} for a region opened without one. */
    public SharedLayout layout() {
        return layout;
    }

    /** Whether this process created (and initialised) the region, rather than opening an existing one. */
    public boolean isCreator() {
        return creator;
    }

    /** {@link SharedLayout#offset(String)} of this region's layout. */
    public int offset(String field) {
        return requireLayout().offset(field);
    }

    /**
     * The {@link SharedMutex} in layout field {@code field}.
     *
     * @throws IllegalArgumentException if the field is not a mutex
     */
    public SharedMutex mutex(String field) {
        SharedLayout l = requireLayout();
        if (!l.isMutex(field)) {
            throw new IllegalArgumentException("field '" + field + "' of " + name + " is not a mutex");
        }
        return SharedMutex.attach(this, l.offset(field));
    }

    /** False once {@link #close()} has been called. */
    public boolean isOpen() {
        return !isClosed();
    }

    /**
     * Unmaps the region; idempotent, from any thread. The unmap happens now, or when the last
     * access in flight ends, or when the last {@link SharedMutex} this process holds in it is
     * unlocked. Does not remove the name ({@link #unlink}).
     */
    @Override
    public void close() {
        markClosed();
    }

    @Override
    public String toString() {
        return "SharedMemory[" + name + ", " + size + " bytes" + (isOpen() ? "" : ", closed") + ", " + backend.name() + "]";
    }

    // ---- internals ----------------------------------------------------------------------------

    long address() {
        return address;
    }

    /** The canonical handle for the mutex at {@code offset}: one per region and offset. */
    SharedMutex mutexAt(int offset, IntFunction<SharedMutex> factory) {
        return mutexes.computeIfAbsent(offset, factory::apply);
    }

    /** The mapping without the guard, for iomux's own writes. */
    NativeBuffer mapping() {
        return memory;
    }

    /**
     * Makes {@code [offset, offset + length)} unwritable through {@link #memory()}. Ranges that
     * overlap one already guarded are merged into it, so that the ranges stay disjoint.
     */
    synchronized void guard(int offset, int length, String what) {
        Guarded g = guarded;
        int start = offset;
        int end = offset + length;
        String name = what;
        int n = g.names.length;
        int[] bounds = new int[2 * (n + 1)];
        String[] names = new String[n + 1];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int s = g.bounds[2 * i];
            int e = g.bounds[2 * i + 1];
            if (e <= start || s >= end) {
                continue; // disjoint: copied below, in order
            }
            if (s <= start && e >= end) {
                return; // already guarded whole
            }
            start = Math.min(start, s);
            end = Math.max(end, e);
            name = g.names[i];
        }
        boolean placed = false;
        for (int i = 0; i < n; i++) {
            int s = g.bounds[2 * i];
            int e = g.bounds[2 * i + 1];
            if (!(e <= start || s >= end)) {
                continue; // merged into the new range
            }
            if (!placed && s >= end) {
                bounds[2 * k] = start;
                bounds[2 * k + 1] = end;
                names[k++] = name;
                placed = true;
            }
            bounds[2 * k] = s;
            bounds[2 * k + 1] = e;
            names[k++] = g.names[i];
        }
        if (!placed) {
            bounds[2 * k] = start;
            bounds[2 * k + 1] = end;
            names[k++] = name;
        }
        guarded = new Guarded(java.util.Arrays.copyOf(bounds, 2 * k), java.util.Arrays.copyOf(names, k));
    }

    /**
     * Throws if {@code [offset, offset + length)} (in range) touches a guarded range. One binary
     * search, no allocation unless it throws.
     */
    void checkWritable(int offset, int length) {
        if (length <= 0) {
            return;
        }
        Guarded g = guarded;
        int[] b = g.bounds;
        int end = offset + length;
        // the last range that starts before the write ends is the only one that can overlap it
        int lo = 0;
        int hi = b.length / 2 - 1;
        int candidate = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (b[2 * mid] < end) {
                candidate = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (candidate >= 0 && b[2 * candidate + 1] > offset) {
            throw new IllegalArgumentException("write of [" + offset + ", " + end + ") in " + name + " touches "
                    + g.names[candidate] + " [" + b[2 * candidate] + ", " + b[2 * candidate + 1]
                    + "), which only iomux writes (see SharedMemory.memory())");
        }
    }

    private SharedLayout requireLayout() {
        if (layout == null) {
            throw new IllegalStateException(name + " was opened without a SharedLayout");
        }
        return layout;
    }

    @Override
    void closeNow() {
        // munmap(2) fails only for arguments that were never a mapping: ours is one, exactly once
        backend.calls.munmap(address, size);
    }

    @Override
    IllegalStateException closedException() {
        return new IllegalStateException("shared memory " + name + " is closed");
    }

    /** {@code shm_open}'s name rule (glibc): one leading slash, then a file name of /dev/shm. */
    private static String shmPath(String name) {
        Objects.requireNonNull(name, "name");
        if (name.length() < 2 || name.charAt(0) != '/' || name.indexOf('/', 1) >= 0
                || name.equals("/.") || name.equals("/..")) {
            throw new IllegalArgumentException("shared memory name '" + name
                    + "' is not of the form \"/name\" (one leading slash, no other)");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length - 1 > NAME_MAX) {
            throw new IllegalArgumentException("shared memory name '" + name + "' is longer than " + NAME_MAX + " bytes");
        }
        return "/dev/shm" + name;
    }

    private static byte[] cPath(String path) {
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path contains a NUL character: " + path);
        }
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        byte[] c = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, c, 0, bytes.length);
        return c;
    }

    private static void checkSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("shared memory size " + size + " < 1");
        }
    }

    private static SharedMemory create(Backend backend, String path, String name, int size) throws ErrnoException {
        checkSize(size);
        byte[] c = cPath(path);
        int fd = backend.calls.open(c, Abi.O_RDWR | Abi.O_CREAT | Abi.O_EXCL | Abi.O_CLOEXEC, MODE);
        if (fd < 0) {
            throw Errors.exception("open(" + path + ", O_RDWR|O_CREAT|O_EXCL)", fd);
        }
        return sizeAndMap(backend, c, path, name, fd, size, null);
    }

    /** The creator's half: fallocate, ftruncate, mmap, close the descriptor; on failure remove the new file. */
    private static SharedMemory sizeAndMap(Backend backend, byte[] c, String path, String name, int fd, int size,
            SharedLayout layout) throws ErrnoException {
        boolean mapped = false;
        try {
            // Reserve the pages first. A page of a MAP_SHARED mapping that the file system has no
            // room for raises SIGBUS when first touched (mmap(2)): inside pthread_mutex_init, or at
            // the caller's first write, killing the JVM. fallocate(2) fails with ENOSPC instead.
            // KEEP_SIZE: the size still goes from 0 to full in the one ftruncate below, which
            // openers wait for. A file system that cannot reserve (EOPNOTSUPP) is mapped without.
            int r;
            do {
                r = backend.calls.fallocate(fd, Abi.FALLOC_FL_KEEP_SIZE, 0, size);
            } while (r == -Errors.EINTR);
            if (r < 0 && r != -Abi.EOPNOTSUPP) {
                throw Errors.exception("fallocate(" + path + ", FALLOC_FL_KEEP_SIZE, 0, " + size + ")", r);
            }
            do {
                r = backend.calls.ftruncate(fd, size);
            } while (r == -Errors.EINTR);
            if (r < 0) {
                throw Errors.exception("ftruncate(" + path + ", " + size + ")", r);
            }
            SharedMemory region = map(backend, fd, path, name, size, layout, true);
            mapped = true;
            return region;
        } finally {
            backend.calls.close(fd);
            if (!mapped) {
                backend.calls.unlink(c);
            }
        }
    }

    private static SharedMemory open(Backend backend, String path, String name) throws ErrnoException {
        int fd = openExisting(backend, path);
        try {
            long length = backend.calls.lseek(fd, 0, Abi.SEEK_END);
            if (length < 0) {
                throw Errors.exception("lseek(" + path + ", 0, SEEK_END)", length);
            }
            if (length == 0) {
                throw Errors.synthetic("mmap(" + path + ", length=0: the object is empty)", Abi.EINVAL);
            }
            if (length > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(path + " is " + length + " bytes; iomux maps at most 2^31-1");
            }
            return map(backend, fd, path, name, (int) length, null, false);
        } finally {
            backend.calls.close(fd);
        }
    }

    private static int openExisting(Backend backend, String path) throws ErrnoException {
        int fd = backend.calls.open(cPath(path), Abi.O_RDWR | Abi.O_CLOEXEC, 0);
        if (fd < 0) {
            throw Errors.exception("open(" + path + ", O_RDWR)", fd);
        }
        return fd;
    }

    private static SharedMemory map(Backend backend, int fd, String path, String name, int size, SharedLayout layout,
            boolean creator) throws ErrnoException {
        long address = backend.calls.mmap(0, size, Abi.PROT_READ | Abi.PROT_WRITE, Abi.MAP_SHARED, fd, 0);
        if (address < 0) {
            throw Errors.exception("mmap(" + path + ", length=" + size + ", PROT_READ|PROT_WRITE, MAP_SHARED)", address);
        }
        return new SharedMemory(backend, name, address, size, layout, creator);
    }

    private static SharedMemory openOrCreate(Backend backend, String path, String name, SharedLayout layout,
            Duration timeout, Consumer<SharedMemory> initializer) throws ErrnoException {
        Objects.requireNonNull(layout, "layout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        byte[] c = cPath(path);
        long start = System.nanoTime();
        long timeoutNanos = saturatedNanos(timeout);
        for (int pause = 1; ; pause = Math.min(pause * 2, 10)) {
            int fd = backend.calls.open(c, Abi.O_RDWR | Abi.O_CREAT | Abi.O_EXCL | Abi.O_CLOEXEC, MODE);
            if (fd >= 0) {
                SharedMemory region = sizeAndMap(backend, c, path, name, fd, layout.size(), layout);
                publish(region, c, initializer);
                return region;
            }
            if (fd != -Abi.EEXIST) {
                throw Errors.exception("open(" + path + ", O_RDWR|O_CREAT|O_EXCL)", fd);
            }
            fd = backend.calls.open(c, Abi.O_RDWR | Abi.O_CLOEXEC, 0);
            if (fd >= 0) {
                return awaitPublished(backend, fd, path, name, layout, start, timeoutNanos);
            }
            // ENOENT: removed between our two opens (a creator that failed and cleaned up): again
            if (fd != -Abi.ENOENT) {
                throw Errors.exception("open(" + path + ", O_RDWR)", fd);
            }
            if (System.nanoTime() - start > timeoutNanos) {
                throw Errors.synthetic("open(" + path + "): created and removed again repeatedly", Abi.ETIMEDOUT);
            }
            pause(path, pause);
        }
    }

    /** The creator: initialise the header and every mutex, run the initialiser, publish. */
    private static void publish(SharedMemory region, byte[] c, Consumer<SharedMemory> initializer) throws ErrnoException {
        boolean published = false;
        try {
            SharedLayout layout = region.layout;
            for (String mutex : layout.mutexes()) {
                SharedMutex.initialize(region, layout.offset(mutex));
            }
            if (initializer != null) {
                initializer.accept(region);
            }
            NativeBuffer m = region.memory;
            m.putInt(SharedLayout.SIZE_OFFSET, layout.size());
            m.putInt(SharedLayout.FINGERPRINT_OFFSET, layout.fingerprint());
            // last, with release semantics: an opener that reads the magic with acquire semantics
            // sees everything above, including what pthread_mutex_init wrote
            m.putLongRelease(SharedLayout.MAGIC_OFFSET, SharedLayout.MAGIC);
            published = true;
        } finally {
            if (!published) {
                region.close();
                region.backend.calls.unlink(c);
            }
        }
    }

    /** An opener: wait for the size, map, wait for the magic word, check the layout. */
    private static SharedMemory awaitPublished(Backend backend, int fd, String path, String name, SharedLayout layout,
            long start, long timeoutNanos) throws ErrnoException {
        SharedMemory region;
        try {
            // Mapping past the end of the file would make accesses there raise SIGBUS (mmap(2)):
            // wait until the creator's ftruncate has happened. That one call takes the size from
            // 0 to the whole layout, so any size in between is not a creator at work but a region
            // of another layout (or not iomux's): no use waiting for it.
            for (int pause = 1; ; pause = Math.min(pause * 2, 10)) {
                long length = backend.calls.lseek(fd, 0, Abi.SEEK_END);
                if (length < 0) {
                    throw Errors.exception("lseek(" + path + ", 0, SEEK_END)", length);
                }
                if (length >= layout.size()) {
                    break;
                }
                if (length > 0) {
                    throw new IllegalStateException(path + " is " + length + " bytes, the layout needs " + layout.size()
                            + ": it was created with another layout, or not by iomux");
                }
                if (System.nanoTime() - start > timeoutNanos) {
                    throw notReady(path, "it is " + length + " bytes, the layout needs " + layout.size(), start);
                }
                pause(path, pause);
            }
            region = map(backend, fd, path, name, layout.size(), layout, false);
        } finally {
            backend.calls.close(fd);
        }
        boolean ok = false;
        try {
            NativeBuffer m = region.memory;
            for (int pause = 1; ; pause = Math.min(pause * 2, 10)) {
                long magic = m.getLongAcquire(SharedLayout.MAGIC_OFFSET);
                if (magic == SharedLayout.MAGIC) {
                    break;
                }
                if (magic != 0) {
                    throw new IllegalStateException(path + " is not an iomux shared region (magic word 0x"
                            + Long.toHexString(magic) + ", expected 0x" + Long.toHexString(SharedLayout.MAGIC) + ")");
                }
                if (System.nanoTime() - start > timeoutNanos) {
                    throw notReady(path, "its magic word is still 0", start);
                }
                pause(path, pause);
            }
            int size = m.getInt(SharedLayout.SIZE_OFFSET);
            int fingerprint = m.getInt(SharedLayout.FINGERPRINT_OFFSET);
            if (size != layout.size() || fingerprint != layout.fingerprint()) {
                throw new IllegalStateException(path + " was created with a different layout (size " + size
                        + ", fingerprint " + Integer.toHexString(fingerprint) + ") than " + layout + " (fingerprint "
                        + Integer.toHexString(layout.fingerprint()) + ")");
            }
            ok = true;
            return region;
        } finally {
            if (!ok) {
                region.close();
            }
        }
    }

    private static ErrnoException notReady(String path, String why, long start) {
        long waited = (System.nanoTime() - start) / 1_000_000;
        return Errors.synthetic("open(" + path + "): not initialised after " + waited + " ms (" + why
                + "); if its creator died half-way, remove it with SharedMemory.unlink", Abi.ETIMEDOUT);
    }

    private static void pause(String path, int millis) throws ErrnoException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.synthetic("open(" + path + "): interrupted while waiting for its creator", Abi.EINTR);
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static boolean unlinkPath(Backend backend, String path) throws ErrnoException {
        int r = backend.calls.unlink(cPath(path));
        if (r == -Abi.ENOENT) {
            return false;
        }
        if (r < 0) {
            throw Errors.exception("unlink(" + path + ")", r);
        }
        return true;
    }
}
