package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;

/**
 * The signal calls that signal-driven I/O needs, typed: the real-time range as glibc reports it at
 * run time, thread ids, {@code pthread_sigmask}, {@code sigtimedwait}, dispositions
 * ({@code sigaction}), {@code kill} and {@code tgkill}.
 *
 * <p>iomux never installs a signal handler: a JVM cannot run Java code in one, and need not. Signals
 * are consumed synchronously by a thread that blocks them ({@link #waitFor}, {@link SignalFd}, or
 * the {@link SignalIo} dispatcher). The mask calls act on the <em>calling</em> thread. Stateless and
 * thread-safe.
 */
public final class Signals {
    private Signals() {}

    /** How a signal is currently handled, from {@code sigaction(sig, NULL, &old)}. */
    public enum Disposition {
        /** {@code SIG_DFL}: for real-time signals and {@code SIGIO}, terminate the process. */
        DEFAULT,
        /** {@code SIG_IGN}. */
        IGNORE,
        /** A handler is installed: the JVM or another library uses the signal. */
        HANDLER
    }

    /**
     * {@code SIGRTMIN} as glibc reports it at run time: not a constant, since glibc keeps the first
     * real-time signals for its own use (NPTL's cancellation and set*id signals: 32 and 33).
     */
    public static int realtimeMin(Backend backend) {
        return backend.calls.sigrtmin();
    }

    /** {@code SIGRTMAX} (64 on Linux). */
    public static int realtimeMax(Backend backend) {
        return backend.calls.sigrtmax();
    }

    /** {@code gettid()}: the calling thread's kernel id (what {@code F_OWNER_TID} takes). */
    public static int threadId(Backend backend) {
        return backend.calls.gettid();
    }

    /** {@code getpid()}. */
    public static int processId(Backend backend) {
        return backend.calls.getpid();
    }

    /** {@code kill(pid, sig)}: a process-directed signal. */
    public static void kill(Backend backend, int pid, int sig) throws ErrnoException {
        int r = backend.calls.kill(pid, sig);
        if (r < 0) {
            throw Errors.exception("kill(pid=" + pid + ", sig=" + sig + ")", r);
        }
    }

    /** {@code tgkill(getpid(), tid, sig)}: a signal to one thread of this process. */
    public static void killThread(Backend backend, int tid, int sig) throws ErrnoException {
        int r = backend.calls.tgkill(backend.calls.getpid(), tid, sig);
        if (r < 0) {
            throw Errors.exception("tgkill(tid=" + tid + ", sig=" + sig + ")", r);
        }
    }

    /** Adds {@code set} to the calling thread's mask ({@code SIG_BLOCK}). */
    public static void block(SignalSet set) throws ErrnoException {
        mask(Abi.SIG_BLOCK, set, null);
    }

    /** Removes {@code set} from the calling thread's mask ({@code SIG_UNBLOCK}). */
    public static void unblock(SignalSet set) throws ErrnoException {
        mask(Abi.SIG_UNBLOCK, set, null);
    }

    /**
     * {@code pthread_sigmask(how, set, old)} for the calling thread.
     *
     * @param how  {@code Abi.SIG_BLOCK}, {@code SIG_UNBLOCK} or {@code SIG_SETMASK}
     * @param set  the signals, or null to only read the mask
     * @param old  receives the previous mask, or null
     */
    public static void mask(int how, SignalSet set, SignalSet old) throws ErrnoException {
        if (how != Abi.SIG_BLOCK && how != Abi.SIG_UNBLOCK && how != Abi.SIG_SETMASK) {
            throw new IllegalArgumentException("pthread_sigmask: how=" + how);
        }
        if (set == null && old == null) {
            return;
        }
        Backend backend = set != null ? set.backend : old.backend;
        ByteBuffer a = set != null ? set.memory.pin() : null;
        ByteBuffer b = old != null ? old.memory.pin() : null;
        int r = backend.calls.pthreadSigmask(how, set != null ? set.memory.address() : 0, old != null ? old.memory.address() : 0);
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(b);
        if (r < 0) {
            throw Errors.exception("pthread_sigmask(how=" + how + ", " + set + ")", r);
        }
    }

    /**
     * {@code sigtimedwait(set, &info, timeout)}: takes one pending signal of {@code set} (which the
     * calling thread must block), waiting at most {@code timeoutNanos} (negative: without limit).
     * Allocation-free.
     *
     * @return the signal number, or 0 if none came in time
     */
    public static int waitFor(SignalSet set, SigInfo info, long timeoutNanos) throws ErrnoException {
        Backend backend = set.backend;
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinnedScratch = scratch.pin();
        ByteBuffer pinnedSet = set.memory.pin();
        int infoAt = Scratch.SMALL;
        int tsAt = Scratch.SMALL + l.siginfoSize;
        long start = timeoutNanos > 0 ? System.nanoTime() : 0;
        int r;
        try {
            for (;;) {
                long ts = 0;
                if (timeoutNanos >= 0) {
                    long left = timeoutNanos == 0 ? 0 : Timeouts.remaining(timeoutNanos, start);
                    scratch.putLong(tsAt + l.timespecSec, left / 1_000_000_000L);
                    scratch.putLong(tsAt + l.timespecNsec, left % 1_000_000_000L);
                    ts = scratch.address(tsAt, l.timespecSize);
                }
                r = backend.calls.sigtimedwait(set.memory.address(), scratch.address(infoAt, l.siginfoSize), ts);
                if (r != -Errors.EINTR) {
                    break;
                }
            }
        } finally {
            Reference.reachabilityFence(pinnedScratch);
            Reference.reachabilityFence(pinnedSet);
        }
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        if (r < 0) {
            throw Errors.exception("sigtimedwait(" + set + ")", r);
        }
        info.fromSiginfo(scratch, infoAt, l);
        return r;
    }

    /** The current disposition of {@code sig} ({@code sigaction(sig, NULL, &old)}). */
    public static Disposition disposition(Backend backend, int sig) throws ErrnoException {
        long handler = handler(backend, sig, null);
        return handler == Abi.SIG_DFL ? Disposition.DEFAULT : handler == Abi.SIG_IGN ? Disposition.IGNORE
                : Disposition.HANDLER;
    }

    /**
     * Sets {@code sig}'s disposition to {@code SIG_IGN} and returns the previous {@code struct sigaction},
     * for {@link #restoreDisposition}.
     */
    static byte[] ignore(Backend backend, int sig) throws ErrnoException {
        StructLayout l = backend.layout();
        byte[] old = new byte[l.sigactionSize];
        handler(backend, sig, old);
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.clear(Scratch.SMALL, l.sigactionSize);
        scratch.putLong(Scratch.SMALL + l.sigactionHandler, Abi.SIG_IGN);
        int r = backend.calls.sigaction(sig, scratch.address(Scratch.SMALL, l.sigactionSize), 0);
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("sigaction(" + sig + ", SIG_IGN)", r);
        }
        return old;
    }

    /** Puts back a {@code struct sigaction} saved by {@link #ignore}. */
    static void restoreDisposition(Backend backend, int sig, byte[] saved) throws ErrnoException {
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.putBytes(Scratch.SMALL, saved, 0, saved.length);
        int r = backend.calls.sigaction(sig, scratch.address(Scratch.SMALL, saved.length), 0);
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("sigaction(" + sig + ", restore)", r);
        }
    }

    private static long handler(Backend backend, int sig, byte[] copy) throws ErrnoException {
        if (sig < 1 || sig > SignalSet.MAX_SIGNAL) {
            throw new IllegalArgumentException("signal " + sig + " is outside [1, " + SignalSet.MAX_SIGNAL + "]");
        }
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int r = backend.calls.sigaction(sig, 0, scratch.address(Scratch.SMALL, l.sigactionSize));
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("sigaction(" + sig + ")", r);
        }
        if (copy != null) {
            scratch.getBytes(Scratch.SMALL, copy, 0, copy.length);
        }
        return scratch.getLong(Scratch.SMALL + l.sigactionHandler);
    }
}
