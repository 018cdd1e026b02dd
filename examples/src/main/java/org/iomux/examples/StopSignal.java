package org.iomux.examples;

import org.iomux.ErrnoException;
import org.iomux.EventFd;

/**
 * How {@code stop()} ends event loops blocked in their wait: a flag, and an eventfd that each loop
 * watches for input. {@link #stop()} makes it readable and nobody drains it, so every loop that
 * watches it wakes, and wakes again at once until it has seen the flag and left.
 */
final class StopSignal implements AutoCloseable {
    final EventFd fd;
    private volatile boolean stopped;

    StopSignal() throws ErrnoException {
        fd = EventFd.open(true);
    }

    boolean stopped() {
        return stopped;
    }

    /** From any thread. */
    void stop() {
        stopped = true;
        wake();
    }

    /** Wakes the loops without stopping them (prefork-echo's parent: a worker exited); from any thread. */
    void wake() {
        try {
            fd.signal();
        } catch (ErrnoException | IllegalStateException e) {
            // closed: the loops have ended
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
