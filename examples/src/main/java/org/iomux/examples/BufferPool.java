package org.iomux.examples;

import org.iomux.Backend;
import org.iomux.NativeBuffer;

/**
 * The buffers of one event loop's connections ({@link NativeBuffer}s of {@code --buffer} bytes: direct
 * memory), lent only while a connection has bytes in flight: an {@link EchoConnection} takes one when
 * it is about to read and gives it back as soon as everything it read has been written. An idle
 * connection holds none, so it costs its socket and a few objects instead of {@code --buffer} bytes
 * of resident memory.
 *
 * <p>The free buffers are a stack (the most recently used, still in cache, goes out first) of at most
 * {@link #maxFree} buffers: taking and giving back are an array access, no allocation, no lock. An
 * echo with nothing left unsent gives its buffer back within the same event, so a loop needs one buffer
 * in steady state, plus one for each connection whose client is slower than it sends (bytes left
 * unsent). The free list absorbs such connections coming and going, up to {@value #MAX_FREE} at once
 * (or {@value #MAX_FREE_BYTES} bytes, for large buffers) without an allocation; beyond that a buffer
 * is allocated when needed and one given back to a full list is closed (its direct memory goes back
 * when the garbage collector finds it unreachable, as a direct buffer's does), so an
 * idle server holds at most 1 MiB of free buffers per loop whatever its past peak. Allocating
 * (a direct buffer: zeroing, plus a cleaner) costs a few microseconds per 64 KiB, little next
 * to filling such a buffer from a socket.
 *
 * <p>Confined to the thread of its event loop: not thread-safe.
 */
final class BufferPool {
    /** At most this many free buffers are kept... */
    static final int MAX_FREE = 16;
    /** ... and at most this many bytes of them (but always one). */
    static final int MAX_FREE_BYTES = 1 << 20;

    private final Backend backend;
    private final int bufferSize;
    private final NativeBuffer[] free;
    private int count;

    BufferPool(Backend backend, int bufferSize) {
        this.backend = backend;
        this.bufferSize = bufferSize;
        this.free = new NativeBuffer[maxFree(bufferSize)];
    }

    /** How many free buffers of {@code bufferSize} bytes a pool keeps. */
    static int maxFree(int bufferSize) {
        return Math.max(1, Math.min(MAX_FREE, MAX_FREE_BYTES / bufferSize));
    }

    /**
     * A buffer of {@code --buffer} bytes: a free one, else a new one. Its content is whatever it held.
     *
     * @throws OutOfMemoryError if a new one does not fit in the JVM's direct memory
     *         ({@code -XX:MaxDirectMemorySize})
     */
    NativeBuffer take() {
        if (count == 0) {
            return NativeBuffer.allocate(backend, bufferSize);
        }
        NativeBuffer b = free[--count];
        free[count] = null;
        return b;
    }

    /** Gives back a buffer from {@link #take}: kept if the free list has room, else closed. */
    void give(NativeBuffer b) {
        if (count < free.length) {
            free[count++] = b;
        } else {
            b.close();
        }
    }
}
