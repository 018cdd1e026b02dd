package org.iomux;


/**
 * A {@code sigset_t} in native memory (glibc's, 128 bytes; the kernel reads the first 64 bits):
 * the argument of {@code pthread_sigmask}, {@code sigtimedwait} and {@code signalfd}.
 *
 * <p>Owns its memory ({@link #close()} releases it). Not thread-safe.
 */
public final class SignalSet implements AutoCloseable {
    /** Signals are 1 to 64 on Linux ({@code _NSIG - 1}). */
    public static final int MAX_SIGNAL = 64;

    final NativeBuffer memory;
    final Backend backend;

    private SignalSet(Backend backend) {
        this.backend = backend;
        this.memory = NativeBuffer.allocate(backend, backend.layout().sigsetSize);
    }

    /** A set holding {@code signals}. */
    public static SignalSet of(Backend backend, int... signals) {
        SignalSet set = new SignalSet(backend);
        for (int sig : signals) {
            set.add(sig);
        }
        return set;
    }

    public SignalSet add(int sig) {
        check(sig);
        int word = (sig - 1) >>> 6;
        memory.putLong(word * 8, memory.getLong(word * 8) | (1L << ((sig - 1) & 63)));
        return this;
    }

    public SignalSet remove(int sig) {
        check(sig);
        int word = (sig - 1) >>> 6;
        memory.putLong(word * 8, memory.getLong(word * 8) & ~(1L << ((sig - 1) & 63)));
        return this;
    }

    public boolean contains(int sig) {
        check(sig);
        int word = (sig - 1) >>> 6;
        return (memory.getLong(word * 8) & (1L << ((sig - 1) & 63))) != 0;
    }

    /** The first 64 signals as a bit mask, bit (sig - 1) for sig: the form {@code /proc/PID/status} prints. */
    public long bits() {
        return memory.getLong(0);
    }

    public SignalSet clear() {
        memory.clear(0, memory.capacity());
        return this;
    }

    private static void check(int sig) {
        if (sig < 1 || sig > MAX_SIGNAL) {
            throw new IllegalArgumentException("signal " + sig + " is outside [1, " + MAX_SIGNAL + "]");
        }
    }

    @Override
    public void close() {
        memory.close();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int sig = 1; sig <= MAX_SIGNAL; sig++) {
            if (contains(sig)) {
                sb.append(sb.length() > 1 ? ", " : "").append(sig);
            }
        }
        return sb.append('}').toString();
    }
}
