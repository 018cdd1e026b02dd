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
 * <p>Lock-free and safe from any thread: one state word changed by compare-and-set.
 */
abstract class Lifetime {
    private static final VarHandle STATE;
    private static final int CLOSED = 1;
    private static final int USER = 2;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Lifetime.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** bit 0: closed; bits 1..31: the number of uses in flight. */
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    /**
     * Marks the start of a use.
     *
     * @throws IllegalStateException ({@link #closedException()}) if closed
     */
    final void retain() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                throw closedException();
            }
            if (STATE.compareAndSet(this, s, s + USER)) {
                return;
            }
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
                    closeNow();
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
