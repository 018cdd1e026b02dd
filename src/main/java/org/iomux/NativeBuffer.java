package org.iomux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Off-heap memory that the kernel reads or writes: the one buffer type through which iomux touches
 * native memory (event arrays, {@code pollfd} arrays, descriptor sets, socket addresses, and the
 * {@code mmap}ed regions of {@link SharedMemory}). Every access is bounds-checked; values are in
 * the platform's byte order. The {@code Acquire}/{@code Release}/{@code compareAndSet}/
 * {@code getAndAdd} accessors are atomic (they need naturally aligned offsets) and, on a
 * {@code MAP_SHARED} mapping, atomic across processes too.
 *
 * <h2>Ownership</h2>
 * The memory is a direct {@link ByteBuffer} that this object owns and never hands out, so no other
 * code can keep a view of it. {@link #close()} is idempotent: it detaches the memory (later
 * accesses throw {@link IllegalStateException}) and leaves the freeing to the JVM's cleaner once
 * the memory is unreachable. That is deliberate: a thread racing with {@code close()} — or a kernel
 * call still in flight on the owning handle — can then never touch freed memory, and no access
 * can crash the JVM.
 *
 * <p>A <em>view of a mapping</em> ({@link SharedMemory#memory()}) is different: the mapping is owned
 * by its {@link SharedMemory}, every access here holds a reference on it for its duration (so an
 * unmap waits for accesses in flight and an access after close throws
 * {@link IllegalStateException}, never a segfault), and {@link #close()} on the view closes that
 * owner. It also refuses writes into what the region keeps for itself, its header and its
 * {@link SharedMutex} slots (reads are allowed): a {@code pthread_mutex_t} overwritten with junk
 * makes glibc abort the whole process on the next lock, so every write method throws
 * {@link IllegalArgumentException} for a range that touches one.
 *
 * <h2>Thread safety</h2>
 * Not synchronised: the owner ({@link Epoll}'s event array, {@link Poll}, {@link Select}) documents
 * its own thread-safety. The address is fixed for the buffer's lifetime.
 */
public final class NativeBuffer implements AutoCloseable {
    /** Alignment of {@link #address()}: enough for every struct iomux passes (largest member 8 bytes). */
    public static final int ALIGNMENT = 16;

    private static final ByteBuffer CLOSED = ByteBuffer.allocateDirect(0);
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private ByteBuffer memory;
    private final long address;
    private final int capacity;
    /** The mapping this is a view of, or null for memory this buffer owns. */
    private final Lifetime owner;
    /** For the public view of a region: the region, which says what may not be written. Else null. */
    private final SharedMemory guard;

    private NativeBuffer(Backend backend, int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity " + capacity + " < 0");
        }
        // allocateDirect is malloc-aligned (16 on 64-bit glibc); alignedSlice makes it a guarantee
        ByteBuffer raw = ByteBuffer.allocateDirect(capacity + ALIGNMENT);
        this.memory = raw.alignedSlice(ALIGNMENT).limit(capacity).slice().order(ByteOrder.nativeOrder());
        this.address = backend.calls.address(memory);
        this.capacity = capacity;
        this.owner = null;
        this.guard = null;
        if (address == 0 || (address & (ALIGNMENT - 1)) != 0) {
            throw new IllegalStateException(backend.name() + ": direct buffer address 0x" + Long.toHexString(address)
                    + " is not " + ALIGNMENT + "-byte aligned");
        }
        // allocateDirect zeroes the memory
    }

    private NativeBuffer(Backend backend, long address, int capacity, Lifetime owner, SharedMemory guard) {
        this.memory = backend.calls.wrap(address, capacity).order(ByteOrder.nativeOrder());
        this.address = address;
        this.capacity = capacity;
        this.owner = owner;
        this.guard = guard;
    }

    /** Allocates {@code capacity} zeroed bytes, {@value #ALIGNMENT}-byte aligned. */
    public static NativeBuffer allocate(Backend backend, int capacity) {
        return new NativeBuffer(backend, capacity);
    }

    /**
     * A view of {@code capacity} bytes of a mapping at {@code address} (page-aligned), owned by
     * {@code owner}: every access holds a reference on {@code owner}, whose last release unmaps.
     * With a {@code guard}, writes that {@link SharedMemory#checkWritable} refuses throw.
     */
    static NativeBuffer mapped(Backend backend, long address, int capacity, Lifetime owner, SharedMemory guard) {
        if (address == 0 || (address & (ALIGNMENT - 1)) != 0 || capacity < 0) {
            throw new IllegalArgumentException("mapping at 0x" + Long.toHexString(address) + ", " + capacity + " bytes");
        }
        return new NativeBuffer(backend, address, capacity, owner, guard);
    }

    /** The native address of byte 0, for the backend. */
    long address() {
        return address;
    }

    /** The native address of {@code offset}, after checking that {@code [offset, offset + length)} is inside. */
    long address(int offset, int length) {
        check(offset, length);
        return address + offset;
    }

    /**
     * The live memory, for a caller about to pass {@link #address()} to the kernel: it keeps the
     * returned object reachable ({@code Reference.reachabilityFence}) until the call has returned,
     * so that the memory outlives the call even if {@link #close()} runs meanwhile. (A view of a
     * mapping is not kept alive by reachability: its caller holds a reference on the owner instead.)
     *
     * @throws IllegalStateException if this buffer is closed
     */
    ByteBuffer pin() {
        if (owner != null && owner.isClosed()) {
            throw owner.closedException();
        }
        return buffer();
    }

    public int capacity() {
        return capacity;
    }

    /** False once closed (for a view of a mapping: once the mapping is closed). */
    public boolean isOpen() {
        return owner != null ? !owner.isClosed() : memory != CLOSED;
    }

    public byte getByte(int offset) {
        ByteBuffer b = enter();
        try {
            return b.get(offset);
        } finally {
            exit();
        }
    }

    public short getShort(int offset) {
        ByteBuffer b = enter();
        try {
            return b.getShort(offset);
        } finally {
            exit();
        }
    }

    public int getInt(int offset) {
        ByteBuffer b = enter();
        try {
            return b.getInt(offset);
        } finally {
            exit();
        }
    }

    public long getLong(int offset) {
        ByteBuffer b = enter();
        try {
            return b.getLong(offset);
        } finally {
            exit();
        }
    }

    public void putByte(int offset, byte value) {
        ByteBuffer b = enterWrite(offset, 1);
        try {
            b.put(offset, value);
        } finally {
            exit();
        }
    }

    public void putShort(int offset, short value) {
        ByteBuffer b = enterWrite(offset, 2);
        try {
            b.putShort(offset, value);
        } finally {
            exit();
        }
    }

    public void putInt(int offset, int value) {
        ByteBuffer b = enterWrite(offset, 4);
        try {
            b.putInt(offset, value);
        } finally {
            exit();
        }
    }

    public void putLong(int offset, long value) {
        ByteBuffer b = enterWrite(offset, 8);
        try {
            b.putLong(offset, value);
        } finally {
            exit();
        }
    }

    /** Copies {@code length} bytes out to {@code dst[dstOffset...]}. */
    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        ByteBuffer b = enter();
        try {
            b.get(offset, dst, dstOffset, length);
        } finally {
            exit();
        }
    }

    /** Copies {@code length} bytes in from {@code src[srcOffset...]}. */
    public void putBytes(int offset, byte[] src, int srcOffset, int length) {
        ByteBuffer b = enterWrite(offset, length);
        try {
            b.put(offset, src, srcOffset, length);
        } finally {
            exit();
        }
    }

    // ---- atomic accessors ---------------------------------------------------------------------
    // byteBufferViewVarHandle gives atomic access on direct buffers at aligned addresses; the
    // offset is checked first, so a misaligned one is an IllegalArgumentException naming it.

    /** Reads the 4-byte int at {@code offset} (4-byte aligned) with acquire semantics. */
    public int getIntAcquire(int offset) {
        ByteBuffer b = enterAligned(offset, 4);
        try {
            return (int) INTS.getAcquire(b, offset);
        } finally {
            exit();
        }
    }

    /** Writes the 4-byte int at {@code offset} (4-byte aligned) with release semantics. */
    public void putIntRelease(int offset, int value) {
        checkWritable(offset, 4);
        ByteBuffer b = enterAligned(offset, 4);
        try {
            INTS.setRelease(b, offset, value);
        } finally {
            exit();
        }
    }

    /** Reads the 8-byte long at {@code offset} (8-byte aligned) with acquire semantics. */
    public long getLongAcquire(int offset) {
        ByteBuffer b = enterAligned(offset, 8);
        try {
            return (long) LONGS.getAcquire(b, offset);
        } finally {
            exit();
        }
    }

    /** Writes the 8-byte long at {@code offset} (8-byte aligned) with release semantics. */
    public void putLongRelease(int offset, long value) {
        checkWritable(offset, 8);
        ByteBuffer b = enterAligned(offset, 8);
        try {
            LONGS.setRelease(b, offset, value);
        } finally {
            exit();
        }
    }

    /** Atomically sets the long at {@code offset} (8-byte aligned) to {@code value} if it is {@code expected}. */
    public boolean compareAndSetLong(int offset, long expected, long value) {
        checkWritable(offset, 8);
        ByteBuffer b = enterAligned(offset, 8);
        try {
            return LONGS.compareAndSet(b, offset, expected, value);
        } finally {
            exit();
        }
    }

    /** Atomically adds {@code delta} to the long at {@code offset} (8-byte aligned); returns the old value. */
    public long getAndAddLong(int offset, long delta) {
        checkWritable(offset, 8);
        ByteBuffer b = enterAligned(offset, 8);
        try {
            return (long) LONGS.getAndAdd(b, offset, delta);
        } finally {
            exit();
        }
    }

    /** Sets every byte to {@code value}. */
    public void fill(byte value) {
        ByteBuffer b = enterWrite(0, capacity);
        try {
            for (int i = 0; i < capacity; i++) {
                b.put(i, value);
            }
        } finally {
            exit();
        }
    }

    /** Sets {@code [offset, offset + length)} to zero. */
    public void clear(int offset, int length) {
        checkRange(offset, length);
        ByteBuffer b = enterWrite(offset, length);
        try {
            int i = offset;
            int end = offset + length;
            for (; i + 8 <= end; i += 8) {
                b.putLong(i, 0L);
            }
            for (; i < end; i++) {
                b.put(i, (byte) 0);
            }
        } finally {
            exit();
        }
    }

    private void check(int offset, int length) {
        checkRange(offset, length);
        pin();
    }

    private void checkRange(int offset, int length) {
        if (offset < 0 || length < 0 || offset > capacity - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length
                    + ") is outside a buffer of " + capacity + " bytes");
        }
    }

    private ByteBuffer buffer() {
        ByteBuffer b = memory;
        if (b == CLOSED) {
            throw new IllegalStateException("native buffer is closed");
        }
        return b;
    }

    /**
     * Starts a system call on {@code [offset, offset + length)}, after checking that the range is
     * inside: returns the live memory, which the caller keeps reachable until the call has returned
     * (as {@link #pin()}), and, on a view of a mapping, holds a reference on its owner until
     * {@link #exit()}, so that the mapping outlives the call.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the buffer
     * @throws IllegalStateException if this buffer is closed
     */
    ByteBuffer enterCall(int offset, int length) {
        checkRange(offset, length);
        return enter();
    }

    /**
     * {@link #enterCall} for a call that stores into the range (read(2)): the kernel's writes are
     * refused where the guard refuses this buffer's own.
     *
     * @throws IllegalArgumentException if the range touches a guarded one
     */
    ByteBuffer enterCallStoring(int offset, int length) {
        checkWritable(offset, length);
        return enterCall(offset, length);
    }

    /** Starts an access: holds a reference on the owning mapping, if any, until {@link #exit()}. */
    private ByteBuffer enter() {
        if (owner != null) {
            owner.retain();
            return memory;
        }
        return buffer();
    }

    /** {@link #enter()} for a write of {@code [offset, offset + length)}, refused where the guard says so. */
    private ByteBuffer enterWrite(int offset, int length) {
        checkWritable(offset, length);
        return enter();
    }

    private void checkWritable(int offset, int length) {
        if (guard != null) {
            checkRange(offset, length); // out of range is IndexOutOfBoundsException, as everywhere
            guard.checkWritable(offset, length);
        }
    }

    /**
     * The long at {@code offset} (8-byte aligned, in range) with acquire semantics, for a caller
     * that already holds a reference on the owning mapping: no reference of its own.
     */
    long getLongAcquireRetained(int offset) {
        checkRange(offset, 8);
        return (long) LONGS.getAcquire(memory, offset);
    }

    private ByteBuffer enterAligned(int offset, int size) {
        checkRange(offset, size);
        if (((address + offset) & (size - 1)) != 0) {
            throw new IllegalArgumentException("offset " + offset + " is not " + size
                    + "-byte aligned: atomic access needs natural alignment");
        }
        return enter();
    }

    /** Ends an access or a call begun by {@link #enterCall}. */
    void exit() {
        if (owner != null) {
            owner.release();
        }
    }

    /**
     * Detaches the memory; idempotent. See the class documentation for when it is freed. On a view
     * of a mapping, closes the owning {@link SharedMemory} (which unmaps once accesses in flight end).
     */
    @Override
    public void close() {
        if (owner != null) {
            owner.markClosed();
        } else {
            memory = CLOSED;
        }
    }
}
