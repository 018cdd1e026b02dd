package org.iomux;

/**
 * {@link Socket#receiveDescriptors} received a message whose descriptors did not all fit
 * ({@code MSG_CTRUNC}, recvmsg(2)): more were sent than the call had room for. The kernel closed
 * those that did not fit, iomux closed those that did (a partial set is of no use to a protocol
 * that sent them together), and the errno is {@code EMSGSIZE}.
 *
 * <p>The data bytes that came with them are not lost: a stream socket has consumed them, so they
 * are copied into the caller's array as on success, and {@link #bytes()} says how many. The
 * stream goes on after them.
 *
 * <p>Immutable, so safe to share between threads.
 */
public final class ControlTruncatedException extends ErrnoException {
    private static final long serialVersionUID = 1L;

    private final int bytes;
    private final int closedDescriptors;

    ControlTruncatedException(String call, int errno, int bytes, int closedDescriptors) {
        super(call, errno);
        this.bytes = bytes;
        this.closedDescriptors = closedDescriptors;
    }

    /**
     * The data bytes received with the truncated message, copied into the caller's array at the
     * offset it gave (at least 1: descriptors travel with data).
     */
    public int bytes() {
        return bytes;
    }

    /** How many descriptors arrived (and were closed here); those the kernel dropped are not counted. */
    public int closedDescriptors() {
        return closedDescriptors;
    }
}
