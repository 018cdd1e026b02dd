package org.iomux;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lifetime protocol of every resource whose release would make a concurrent use unsafe: an
 * open descriptor ({@link FdHandle}: a reused number) and a mapping ({@link SharedMemory}: a
 * {@code munmap} under a running access is a segfault).
 *
 * <p>Each use is bracketed by {@link #retain()} and {@link #release()}. {@link #markClosed()} marks
 * the resource closed at once (later {@code retain()}s throw {@link IllegalStateException}) and
 * the resource itself is released ({@link #closeNow()}) by whoever leaves last: the closer if
 * nothing is in flight, else the last {@code release()}. So it is released exactly once, and
 * never while a use is in progress.
 *
 * <p>Lock-free and safe from any thread: one state word. A use costs two atomic additions (one
 * each way, about 8 ns each on x86_64: {@code benchmarks/HandleLifetime}), the least a reference
 * count can: {@code retain()} counts itself in first and looks at the closed bit in the value it
 * replaced, so it needs no compare-and-set loop. A retain that finds the resource closed leaves at
 * once through {@code release()}, so for a moment it is counted, and the last one out may be it
 * rather than the closer or a real use: who releases the resource is settled by one
 * compare-and-set from "closed, no use" to "released", which only one can win.
 */
abstract class Lifetime {
    private static final VarHandle STATE;
    private static final int CLOSED = 1;
    private static final int RELEASED = 2;
    private static final int USER = 4;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Lifetime.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** bit 0: closed; bit 1: released ({@link #closeNow()} called); bits 2..31: uses in flight. */
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    /**
     * Marks the start of a use.
     *
     * @throws IllegalStateException ({@link #closedException()}) if closed
     */
    final void retain() {
        int s = (int) STATE.getAndAdd(this, USER);
        if ((s & CLOSED) != 0) {
            release(); // counted for a moment: leave as any use does (and release, if that was the last)
            throw closedException();
        }
    }

    /**
     * Marks the start of another use by a caller that holds one already ({@link #retain()}),
     * for a use that may outlive it (a {@link SharedMutex} hold). Cannot fail, not even once
     * {@link #markClosed()} has run: the resource is not released while the caller's use lasts.
     */
    final void share() {
        int s = (int) STATE.getAndAdd(this, USER);
        assert s >= USER : "share() without a use in flight";
    }

    /** Marks the end of a use; the last one out after {@link #markClosed()} releases the resource. */
    final void release() {
        int s = (int) STATE.getAndAdd(this, -USER) - USER;
        if (s == CLOSED) {
            releaseOnce();
        }
    }

    /** Closed and no use in flight: whoever gets here first releases the resource. */
    private void releaseOnce() {
        if (STATE.compareAndSet(this, CLOSED, CLOSED | RELEASED)) {
            closeNow();
        }
    }

    /** Whether {@link #markClosed()} has been called. */
    final boolean isClosed() {
        return ((int) STATE.getVolatile(this) & CLOSED) != 0;
    }

    /**
     * Marks the resource closed; idempotent. Releases it now if nothing is in flight, else calls
     * {@link #closingWhileInUse()} and leaves the release to the last {@link #release()}.
     */
    final void markClosed() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    releaseOnce();
                } else {
                    // uses are in flight: the resource is still live, so this is safe
                    closingWhileInUse();
                }
                return;
            }
        }
    }

    /** Called once, by {@link #markClosed()}, when uses are in flight (e.g. to wake a blocked call). */
    void closingWhileInUse() {
    }

    /** Called exactly once, by the last user out: releases the resource. Must not throw. */
    abstract void closeNow();

    /** The exception for a use after close, naming the resource. */
    abstract IllegalStateException closedException();
}
