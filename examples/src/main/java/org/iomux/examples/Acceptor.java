package org.iomux.examples;

import java.io.IOException;
import java.util.Set;
import org.iomux.ErrnoException;
import org.iomux.Errno;
import org.iomux.Socket;

/**
 * {@code accept(2)} with the error policy every example server shares. An accept error is one of
 * three kinds:
 * <ul>
 *   <li><b>The pending connection's own</b>: {@code ECONNABORTED}, {@code EPERM} (a firewall rule),
 *       and the network errors that accept(2) says to treat like {@code EAGAIN} ({@code EPROTO},
 *       {@code ENETDOWN}, {@code ENOPROTOOPT}, {@code EHOSTDOWN}, {@code ENONET},
 *       {@code EHOSTUNREACH}, {@code EOPNOTSUPP}, {@code ENETUNREACH}). Counted; accept again at once.</li>
 *   <li><b>A shortage</b>: out of descriptors ({@code EMFILE}, {@code ENFILE}) or kernel memory
 *       ({@code ENOBUFS}, {@code ENOMEM}). Accepting again at once fails again at once: a loop that
 *       retries spins, and a level-triggered multiplexer reports the listener ready forever. So
 *       accepting pauses for {@link #PAUSE_MILLIS}: the listener leaves the interest set and the
 *       connections wait in the backlog, while the connections already open are served (and may
 *       free descriptors by closing). Then it is tried again.</li>
 *   <li><b>Anything else</b> ({@code EBADF}, {@code EINVAL}, ...): the listener itself is unusable.
 *       Thrown.</li>
 * </ul>
 * An instance serves one event loop with a non-blocking listener; {@link #acceptBlocking} is the
 * same policy for a thread blocked in {@code accept}.
 */
final class Acceptor {
    /** How long accepting pauses after a shortage. */
    static final int PAUSE_MILLIS = 100;

    /** Where accept's errors are counted. */
    interface Counts {
        /** A pending connection failed (it is gone; accept goes on). */
        void connectionError();

        /** Accepting pauses for {@link #PAUSE_MILLIS} after {@code why}. */
        void acceptPaused(ErrnoException why);
    }

    /** How an event loop stops and starts watching its listener. */
    interface Interest {
        void listen(boolean on) throws ErrnoException;
    }

    /** One accept call, for {@link #acceptBlocking(Socket, Call, Counts)}. */
    interface Call {
        Socket accept() throws IOException;
    }

    private final EchoServer server;
    private final Socket listener;
    private final Interest interest;
    private final boolean nonBlocking;
    /** System.nanoTime() at which a pause ends; 0 while accepting. */
    private volatile long resumeAt;

    /** For an event loop whose non-blocking {@code listener} is watched as {@code interest} says. */
    Acceptor(EchoServer server, Socket listener, Interest interest) {
        this(server, listener, true, interest);
    }

    /** ... and whose connections are non-blocking or not. */
    Acceptor(EchoServer server, Socket listener, boolean nonBlocking, Interest interest) {
        this.server = server;
        this.listener = listener;
        this.nonBlocking = nonBlocking;
        this.interest = interest;
    }

    /**
     * The next pending connection, admitted by the server (those beyond {@code --max-connections}
     * are refused on the way); null when none is pending (EAGAIN) or accepting is paused.
     */
    Socket next() throws ErrnoException {
        while (resumeAt == 0) {
            Socket s;
            try {
                s = listener.accept(nonBlocking);
            } catch (ErrnoException e) {
                if (isConnectionError(e)) {
                    server.connectionError();
                    continue;
                }
                if (!isShortage(e)) {
                    throw e;
                }
                server.acceptPaused(e);
                resumeAt = System.nanoTime() + PAUSE_MILLIS * 1_000_000L | 1; // never 0
                interest.listen(false);
                return null;
            }
            if (s == null) {
                return null;
            }
            if (server.admit(s)) {
                return s;
            }
        }
        return null;
    }

    /** The timeout for the loop's next wait: -1 (none), or what is left of a pause. */
    int timeoutMillis() {
        long at = resumeAt;
        return at == 0 ? -1 : (int) Math.max(0, (at - System.nanoTime() + 999_999) / 1_000_000);
    }

    /** Ends a pause that is over: the listener is watched again (and reported ready if anything waits). */
    void resumeIfDue() throws ErrnoException {
        long at = resumeAt;
        if (at != 0 && System.nanoTime() - at >= 0) {
            resume();
        }
    }

    /** Ends a pause now (a model without a loop, from the timer it set when it was told to stop listening). */
    void resume() throws ErrnoException {
        resumeAt = 0;
        interest.listen(true);
    }

    /**
     * Blocking accept on {@code listener} with the same policy (a shortage makes this thread sleep);
     * null once the listener is closed or shut down (the server is stopping).
     */
    static Socket acceptBlocking(Socket listener, Counts counts) throws IOException {
        return acceptBlocking(listener, () -> listener.accept(false), counts);
    }

    /**
     * {@link #acceptBlocking(Socket, Counts)} where {@code call} does the accept (e.g. under a
     * lock: the pause is taken outside it).
     */
    static Socket acceptBlocking(Socket listener, Call call, Counts counts) throws IOException {
        for (;;) {
            try {
                return call.accept();
            } catch (IllegalStateException closed) {
                return null;
            } catch (ErrnoException e) {
                if (!listener.isOpen() || e.errno() == EINVAL) {
                    return null; // closed under us, or shut down: not listening any more
                }
                if (isConnectionError(e)) {
                    counts.connectionError();
                } else if (isShortage(e)) {
                    counts.acceptPaused(e);
                    try {
                        Thread.sleep(PAUSE_MILLIS);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                } else {
                    throw e;
                }
            }
        }
    }

    private static final Set<String> CONNECTION_ERRORS = Set.of("ECONNABORTED", "EPERM", "EPROTO", "ENETDOWN",
            "ENOPROTOOPT", "EHOSTDOWN", "ENONET", "EHOSTUNREACH", "EOPNOTSUPP", "ENETUNREACH");
    private static final Set<String> SHORTAGES = Set.of("EMFILE", "ENFILE", "ENOBUFS", "ENOMEM");
    private static final int EINVAL = Errno.number("EINVAL");

    static boolean isConnectionError(ErrnoException e) {
        return CONNECTION_ERRORS.contains(e.errnoName());
    }

    static boolean isShortage(ErrnoException e) {
        return SHORTAGES.contains(e.errnoName());
    }

    /** {@code EMFILE (Too many open files)}. */
    static String describe(ErrnoException e) {
        return Errno.name(e.errno()) + " (" + Errno.message(e.errno()) + ")";
    }
}
