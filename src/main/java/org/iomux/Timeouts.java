package org.iomux;

/**
 * Timeout arithmetic for the waits ({@link Select}, {@link Epoll}, {@link Signals#waitFor}), done
 * so that it cannot overflow: a caller's "wait a very long time" must never become a wait of zero
 * or a negative one. Pure functions of their arguments and {@link System#nanoTime()}.
 */
final class Timeouts {
    private Timeouts() {}

    /** Milliseconds as nanoseconds, saturating at {@link Long#MAX_VALUE} (292 years). */
    static long millisToNanos(long millis) {
        return millis >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : millis * 1_000_000;
    }

    /**
     * Nanoseconds as milliseconds, rounded up (a wait never ends early), saturating at
     * {@link Integer#MAX_VALUE}: the {@code int} timeout of epoll_wait(2) and poll(2).
     */
    static int nanosToMillisCeil(long nanos) {
        long millis = nanos / 1_000_000 + (nanos % 1_000_000 != 0 ? 1 : 0);
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    /**
     * What is left of {@code timeoutNanos} (non-negative) that started at {@code start}
     * ({@code System.nanoTime()}), never negative. Computed from the time elapsed, never from a
     * deadline {@code start + timeoutNanos}, which overflows for long timeouts.
     */
    static long remaining(long timeoutNanos, long start) {
        return Math.max(0, timeoutNanos - (System.nanoTime() - start));
    }
}
