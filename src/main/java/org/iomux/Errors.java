package org.iomux;

import org.iomux.spi.Abi;

/**
 * Where backend results ({@code >= 0}, or {@code -errno}) become exceptions: the one place that
 * decides what is an error, what is a result ({@code EAGAIN}) and what is retried ({@code EINTR}).
 */
final class Errors {
    private Errors() {}

    static final int EINTR = Abi.EINTR;
    static final int EAGAIN = Abi.EAGAIN;

    /** The exception for a failed call; {@code negativeErrno} is the backend's {@code -errno}. */
    static ErrnoException exception(String call, long negativeErrno) {
        return new ErrnoException(call, (int) -negativeErrno);
    }

    /** An errno produced by iomux's own validation, phrased exactly as the kernel's would be. */
    static ErrnoException synthetic(String call, int errno) {
        return new ErrnoException(call, errno);
    }

    static IndexOutOfBoundsException range(String what, long offset, long length, long size) {
        return new IndexOutOfBoundsException(what + ": range [" + offset + ", " + offset + " + " + length
                + ") is outside [0, " + size + ")");
    }

    static void checkRange(String what, int offset, int length, int size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw range(what, offset, length, size);
        }
    }

    /** Rejects bits outside {@code known}: a typo in a flag word must not reach the kernel silently. */
    static void checkFlags(String what, long flags, long known) {
        if ((flags & ~known) != 0) {
            throw new IllegalArgumentException(what + ": unknown flag bits 0x" + Long.toHexString(flags & ~known));
        }
    }
}
