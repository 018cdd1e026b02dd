package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;

/**
 * A {@code signalfd(2)}: reads the signals of a mask that are pending for the reading thread (or
 * the process), as {@code struct signalfd_siginfo} records, many per {@code read}. The signals must
 * be blocked in the reading thread ({@link Signals#block}), or they are delivered normally instead.
 * Created with {@code SFD_CLOEXEC}, and {@code SFD_NONBLOCK} if asked; it can be watched with
 * {@link Epoll} or {@link Poll} like any descriptor.
 *
 * <p>Reads are allocation-free (a reusable off-heap batch). Meant for one reading thread: a
 * signalfd dequeues the signals pending for <em>the thread that reads</em>.
 */
public final class SignalFd extends Descriptor {
    private final NativeBuffer batch;
    private final int recordSize;
    private final int capacity;

    private SignalFd(Backend backend, int fd, int capacity) {
        super(backend, fd, true);
        this.recordSize = backend.layout().signalfdSiginfoSize;
        this.capacity = capacity;
        this.batch = NativeBuffer.allocate(backend, capacity * recordSize);
    }

    @Override
    String kind() {
        return "signalfd";
    }

    /**
     * {@code signalfd(-1, mask, SFD_CLOEXEC [| SFD_NONBLOCK])}.
     *
     * @param batch how many records one {@link #read(SigInfo[])} can take (1 to 1024)
     */
    public static SignalFd open(Backend backend, SignalSet mask, boolean nonBlocking, int batch) throws ErrnoException {
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("signalfd batch " + batch + " is outside [1, 1024]");
        }
        ByteBuffer pinned = mask.memory.pin();
        int fd = backend.calls.signalfd(-1, mask.memory.address(), Abi.SFD_CLOEXEC | (nonBlocking ? Abi.SFD_NONBLOCK : 0));
        Reference.reachabilityFence(pinned);
        if (fd < 0) {
            throw Errors.exception("signalfd(" + mask + ")", fd);
        }
        return new SignalFd(backend, fd, batch);
    }

    /**
     * Reads up to {@code min(out.length, batch)} pending signals into {@code out[0..n)}.
     *
     * @return how many were read; 0 if none is pending and the signalfd is non-blocking
     */
    public int read(SigInfo[] out) throws ErrnoException {
        int max = Math.min(out.length, capacity);
        if (max == 0) {
            return 0;
        }
        ByteBuffer pinned = batch.pin();
        long r = readNative(batch.address(), (long) max * recordSize);
        Reference.reachabilityFence(pinned);
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        if (r < 0) {
            throw Errors.exception("read(signalfd=" + fd + ")", r);
        }
        int n = (int) (r / recordSize);
        StructLayout l = backend.layout();
        for (int i = 0; i < n; i++) {
            out[i].fromSignalfd(batch, i * recordSize, l);
        }
        return n;
    }

    @Override
    void closeNow() {
        super.closeNow();
        batch.close();
    }
}
