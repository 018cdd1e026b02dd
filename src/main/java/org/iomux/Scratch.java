package org.iomux;


/**
 * A per-thread native buffer for the small structs a call needs for its duration only (socket
 * addresses, option values, an {@code epoll_event} for {@code epoll_ctl}, iovecs): allocated once per
 * thread, so those calls allocate nothing. Never used across a call that can re-enter iomux.
 */
final class Scratch {
    /** {@code IOV_MAX} iovecs of 16 bytes, plus room for addresses and lengths. */
    static final int SIZE = 1024 * 16 + 512;
    /** Where the small-struct area starts; iovecs use [0, IOVEC_AREA). */
    static final int SMALL = 1024 * 16;

    private static final ThreadLocal<NativeBuffer> BUFFERS = new ThreadLocal<>();

    private Scratch() {}

    static NativeBuffer get(Backend backend) {
        NativeBuffer buffer = BUFFERS.get();
        if (buffer == null) {
            // a direct buffer's address is the same whichever backend reads it
            buffer = NativeBuffer.allocate(backend, SIZE);
            BUFFERS.set(buffer);
        }
        return buffer;
    }
}
