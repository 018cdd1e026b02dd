package org.iomux;


/**
 * What one {@link Socket#receiveDescriptors} call received: the number of data bytes and the
 * descriptors that came with them ({@code SCM_RIGHTS}, unix(7)). The descriptors are new numbers
 * in this process, created with {@code FD_CLOEXEC} ({@code MSG_CMSG_CLOEXEC}), and owned by this
 * object until {@linkplain #take taken} as a {@link Descriptor} or {@linkplain #takeSocket a
 * Socket}, whose owner then closes them.
 *
 * <p>{@link #close()} closes every descriptor not taken (idempotent), so that
 * {@code try (ReceivedDescriptors r = socket.receiveDescriptors(...))} leaks nothing whatever the
 * code in between takes. Not thread-safe: confine it to the receiving thread.
 */
public final class ReceivedDescriptors implements AutoCloseable {
    private final Backend backend;
    private final int bytes;
    /** The received numbers; -1 once taken or closed. */
    private final int[] fds;

    ReceivedDescriptors(Backend backend, int bytes, int[] fds) {
        this.backend = backend;
        this.bytes = bytes;
        this.fds = fds;
    }

    /**
     * The data bytes received (copied to the caller's array), {@link Descriptor#EOF} at end of
     * stream, or 0 if the socket is non-blocking and nothing was pending.
     */
    public int bytes() {
        return bytes;
    }

    /** How many descriptors arrived. */
    public int count() {
        return fds.length;
    }

    /** How many descriptors are still owned here (neither taken nor closed). */
    public int remaining() {
        int n = 0;
        for (int fd : fds) {
            if (fd >= 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Descriptor {@code index} as an owned {@link Descriptor}; ownership moves to it.
     *
     * @throws IllegalStateException if it was taken already or closed
     */
    public Descriptor take(int index) {
        return Descriptor.adopt(backend, detach(index));
    }

    /**
     * Descriptor {@code index} as an owned {@link Socket} (a stream socket: TCP or Unix-domain,
     * listening or connected); ownership moves to it.
     *
     * @throws ErrnoException {@code ENOTSOCK} if it is not a socket; it then stays owned here
     * @throws IllegalArgumentException if it is a socket of another type or family; it stays owned here
     */
    public Socket takeSocket(int index) throws ErrnoException {
        int fd = peek(index);
        Socket socket = Socket.adoptReceived(backend, fd);
        fds[index] = -1;
        return socket;
    }

    /** Every descriptor not yet taken, in order, as owned {@link Descriptor}s; ownership moves to them. */
    public Descriptor[] takeAll() {
        Descriptor[] all = new Descriptor[remaining()];
        int n = 0;
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] >= 0) {
                all[n++] = take(i);
            }
        }
        return all;
    }

    /** Closes every descriptor not taken; idempotent. */
    @Override
    public void close() {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] >= 0) {
                backend.calls.close(fds[i]); // never retried: see FdHandle
                fds[i] = -1;
            }
        }
    }

    private int peek(int index) {
        if (index < 0 || index >= fds.length) {
            throw new IndexOutOfBoundsException("descriptor " + index + " of " + fds.length + " received");
        }
        if (fds[index] < 0) {
            throw new IllegalStateException("received descriptor " + index + " was taken or closed already");
        }
        return fds[index];
    }

    private int detach(int index) {
        int fd = peek(index);
        fds[index] = -1;
        return fd;
    }

    @Override
    public String toString() {
        return "ReceivedDescriptors[" + bytes + " bytes, " + fds.length + " descriptors, " + remaining() + " not taken]";
    }
}
