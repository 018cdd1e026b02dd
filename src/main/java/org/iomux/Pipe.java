package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;

/**
 * A {@code pipe2(2)}: {@link #source()} is the read end, {@link #sink()} the write end. Both are
 * created with {@code O_CLOEXEC}, and with {@code O_NONBLOCK} if asked. {@link #close()} closes
 * both ends (each end may also be closed alone, e.g. to make the reader see end of stream).
 *
 * <p>Thread-safe as each {@link Descriptor} is; {@link #close()} is idempotent from any thread.
 */
public final class Pipe implements AutoCloseable {
    private final Descriptor source;
    private final Descriptor sink;

    private Pipe(Descriptor source, Descriptor sink) {
        this.source = source;
        this.sink = sink;
    }

    public static Pipe open(Backend backend, boolean nonBlocking) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int r = backend.calls.pipe2(scratch.address(Scratch.SMALL, 8), Abi.O_CLOEXEC | (nonBlocking ? Abi.O_NONBLOCK : 0));
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("pipe2(" + (nonBlocking ? "O_CLOEXEC|O_NONBLOCK)" : "O_CLOEXEC)"), r);
        }
        return new Pipe(new Descriptor(backend, scratch.getInt(Scratch.SMALL), true),
                new Descriptor(backend, scratch.getInt(Scratch.SMALL + 4), true));
    }

    /** {@link #open(Backend, boolean)} with the default backend. */
    public static Pipe open(boolean nonBlocking) throws ErrnoException {
        return open(Backends.defaultBackend(), nonBlocking);
    }

    /** The read end. */
    public Descriptor source() {
        return source;
    }

    /** The write end. */
    public Descriptor sink() {
        return sink;
    }

    /** Closes both ends; idempotent. */
    @Override
    public void close() {
        source.close();
        sink.close();
    }
}
