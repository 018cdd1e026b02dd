package org.iomux;

import java.nio.ByteBuffer;
import org.iomux.spi.StructLayout;

/**
 * The reusable, off-heap {@code struct epoll_event} array that {@link Epoll#wait} fills: allocate one
 * per event loop, wait into it again and again, read the ready entries with {@link #events(int)} and
 * {@link #data(int)}. Nothing here allocates.
 *
 * <pre>
 * struct epoll_event {        // packed on x86_64 (12 bytes), natural on aarch64 (16 bytes)
 *     uint32_t     events;    // EPOLLIN, EPOLLOUT, ... as ready
 *     epoll_data_t data;      // the 64 bits given to epoll_ctl, returned whole
 * };
 * </pre>
 *
 * <p>Owns its native memory ({@link #close()} releases it; it does not close any {@link Epoll}).
 * Not thread-safe: confine it to the loop thread that waits into it.
 */
public final class EpollEvents implements AutoCloseable {
    private final NativeBuffer memory;
    private final int capacity;
    final int stride;
    private final int eventsOffset;
    private final int dataOffset;
    /** Where the timespec for epoll_pwait2 lives, after the array. */
    final int timespecOffset;
    final int timespecSec;
    final int timespecNsec;
    private int ready;

    private EpollEvents(Backend backend, int capacity) {
        StructLayout l = backend.layout();
        this.stride = l.epollEventSize;
        if (capacity < 1 || capacity > (Integer.MAX_VALUE - 64) / stride) {
            throw new IllegalArgumentException("epoll event capacity " + capacity + " is outside [1, "
                    + (Integer.MAX_VALUE - 64) / stride + "]");
        }
        this.capacity = capacity;
        this.eventsOffset = l.epollEventEvents;
        this.dataOffset = l.epollEventData;
        this.timespecOffset = (capacity * stride + 7) & ~7;
        this.timespecSec = timespecOffset + l.timespecSec;
        this.timespecNsec = timespecOffset + l.timespecNsec;
        this.memory = NativeBuffer.allocate(backend, timespecOffset + l.timespecSize);
    }

    /** An array of {@code capacity} events (the {@code maxevents} of {@code epoll_wait}), default backend. */
    public static EpollEvents allocate(int capacity) {
        return allocate(Backends.defaultBackend(), capacity);
    }

    /** An array of {@code capacity} events (the {@code maxevents} of {@code epoll_wait}). */
    public static EpollEvents allocate(Backend backend, int capacity) {
        return new EpollEvents(backend, capacity);
    }

    public int capacity() {
        return capacity;
    }

    /** How many entries the last {@link Epoll#wait} filled. */
    public int ready() {
        return ready;
    }

    /** The ready bits of entry {@code index} ({@code Epoll.IN}, {@code OUT}, {@code HUP}, ...). */
    public int events(int index) {
        return memory.getInt(offset(index) + eventsOffset);
    }

    /** The 64-bit {@code data} of entry {@code index}, as given to {@link Epoll#add}. */
    public long data(int index) {
        return memory.getLong(offset(index) + dataOffset);
    }

    /** {@link #data(int)} as an {@code int}: the descriptor, when {@code data} was set to it. */
    public int fd(int index) {
        return (int) data(index);
    }

    private int offset(int index) {
        if (index < 0 || index >= ready) {
            throw new IndexOutOfBoundsException("event " + index + " of " + ready + " ready");
        }
        return index * stride;
    }

    NativeBuffer memory() {
        return memory;
    }

    ByteBuffer pin() {
        return memory.pin();
    }

    void ready(int count) {
        ready = count;
    }

    /** Releases the native memory; idempotent. */
    @Override
    public void close() {
        ready = 0;
        memory.close();
    }
}
