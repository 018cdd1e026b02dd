package org.iomux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.iomux.spi.Backend;

/**
 * Off-heap memory that the kernel reads or writes: the one buffer type through which iomux touches
 * native memory (event arrays, {@code pollfd} arrays, descriptor sets, socket addresses). Every
 * access is bounds-checked; values are in the platform's byte order.
 *
 * <h2>Ownership</h2>
 * The memory is a direct {@link ByteBuffer} that this object owns and never hands out, so no other
 * code can keep a view of it. {@link #close()} is idempotent: it detaches the memory (later
 * accesses throw {@link IllegalStateException}) and leaves the freeing to the JVM's cleaner once
 * the memory is unreachable. That is deliberate: a thread racing with {@code close()} — or a kernel
 * call still in flight on the owning handle — can then never touch freed memory, and no access
 * can crash the JVM.
 *
 * <h2>Thread safety</h2>
 * Not synchronised: the owner ({@link Epoll}'s event array, {@link Poll}, {@link Select}) documents
 * its own thread-safety. The address is fixed for the buffer's lifetime.
 */
public final class NativeBuffer implements AutoCloseable {
    /** Alignment of {@link #address()}: enough for every struct iomux passes (largest member 8 bytes). */
    public static final int ALIGNMENT = 16;

    private static final ByteBuffer CLOSED = ByteBuffer.allocateDirect(0);

    private ByteBuffer memory;
    private final long address;
    private final int capacity;

    private NativeBuffer(Backend backend, int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity " + capacity + " < 0");
        }
        // allocateDirect is malloc-aligned (16 on 64-bit glibc); alignedSlice makes it a guarantee
        ByteBuffer raw = ByteBuffer.allocateDirect(capacity + ALIGNMENT);
        this.memory = raw.alignedSlice(ALIGNMENT).limit(capacity).slice().order(ByteOrder.nativeOrder());
        this.address = backend.address(memory);
        this.capacity = capacity;
        if (address == 0 || (address & (ALIGNMENT - 1)) != 0) {
            throw new IllegalStateException(backend.name() + ": direct buffer address 0x" + Long.toHexString(address)
                    + " is not " + ALIGNMENT + "-byte aligned");
        }
        // allocateDirect zeroes the memory
    }

    /** Allocates {@code capacity} zeroed bytes, {@value #ALIGNMENT}-byte aligned. */
    public static NativeBuffer allocate(Backend backend, int capacity) {
        return new NativeBuffer(backend, capacity);
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
     * so that the memory outlives the call even if {@link #close()} runs meanwhile.
     *
     * @throws IllegalStateException if this buffer is closed
     */
    ByteBuffer pin() {
        return buffer();
    }

    public int capacity() {
        return capacity;
    }

    public boolean isOpen() {
        return memory != CLOSED;
    }

    public byte getByte(int offset) { return buffer().get(offset); }
    public short getShort(int offset) { return buffer().getShort(offset); }
    public int getInt(int offset) { return buffer().getInt(offset); }
    public long getLong(int offset) { return buffer().getLong(offset); }
    public void putByte(int offset, byte value) { buffer().put(offset, value); }
    public void putShort(int offset, short value) { buffer().putShort(offset, value); }
    public void putInt(int offset, int value) { buffer().putInt(offset, value); }
    public void putLong(int offset, long value) { buffer().putLong(offset, value); }

    /** Copies {@code length} bytes out to {@code dst[dstOffset...]}. */
    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        buffer().get(offset, dst, dstOffset, length);
    }

    /** Copies {@code length} bytes in from {@code src[srcOffset...]}. */
    public void putBytes(int offset, byte[] src, int srcOffset, int length) {
        buffer().put(offset, src, srcOffset, length);
    }

    /** Sets every byte to {@code value}. */
    public void fill(byte value) {
        ByteBuffer b = buffer();
        for (int i = 0; i < capacity; i++) {
            b.put(i, value);
        }
    }

    /** Sets {@code [offset, offset + length)} to zero. */
    public void clear(int offset, int length) {
        check(offset, length);
        ByteBuffer b = buffer();
        int i = offset;
        int end = offset + length;
        for (; i + 8 <= end; i += 8) {
            b.putLong(i, 0L);
        }
        for (; i < end; i++) {
            b.put(i, (byte) 0);
        }
    }

    private void check(int offset, int length) {
        if (offset < 0 || length < 0 || offset > capacity - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length
                    + ") is outside a buffer of " + capacity + " bytes");
        }
        buffer();
    }

    private ByteBuffer buffer() {
        ByteBuffer b = memory;
        if (b == CLOSED) {
            throw new IllegalStateException("native buffer is closed");
        }
        return b;
    }

    /** Detaches the memory; idempotent. See the class documentation for when it is freed. */
    @Override
    public void close() {
        memory = CLOSED;
    }
}
