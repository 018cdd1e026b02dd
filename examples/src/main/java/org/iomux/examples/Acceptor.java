package org.iomux.examples;

import java.io.IOException;
import org.iomux.ErrnoException;
import org.iomux.Socket;

/**
 * {@code accept(2)} as every example server does it: an error is taken to belong to the pending
 * connection (ECONNABORTED and kin), counted, and accept is called again. An instance serves one
 * event loop with a non-blocking listener; {@link #acceptBlocking} is for a thread blocked in
 * {@code accept}.
 */
final class Acceptor {
    /** Where accept's errors are counted. */
    interface Counts {
        /** A pending connection failed (it is gone; accept goes on). */
        void connectionError();
    }

    /** One accept call, for {@link #acceptBlocking(Socket, Call, Counts)}. */
    interface Call {
        Socket accept() throws IOException;
    }

    private final EchoServer server;
    private final Socket listener;
    private final boolean nonBlocking;

    /** For an event loop with a non-blocking {@code listener}. */
    Acceptor(EchoServer server, Socket listener) {
        this(server, listener, true);
    }

    /** ... and whose connections are non-blocking or not. */
    Acceptor(EchoServer server, Socket listener, boolean nonBlocking) {
        this.server = server;
        this.listener = listener;
        this.nonBlocking = nonBlocking;
    }

    /**
     * The next pending connection, admitted by the server (those beyond {@code --max-connections}
     * are refused on the way); null when none is pending (EAGAIN).
     */
    Socket next() {
        for (;;) {
            Socket s;
            try {
                s = listener.accept(nonBlocking);
            } catch (ErrnoException e) {
                server.connectionError();
                continue;
            }
            if (s == null) {
                return null;
            }
            if (server.admit(s)) {
                return s;
            }
        }
    }

    /** Blocking accept on {@code listener}; null once the listener is closed or shut down (the server is stopping). */
    static Socket acceptBlocking(Socket listener, Counts counts) {
        for (;;) {
            try {
                return listener.accept(false);
            } catch (IllegalStateException closed) {
                return null;
            } catch (ErrnoException e) {
                if (!listener.isOpen() || "EINVAL".equals(e.errnoName())) {
                    return null; // closed under us, or shut down: not listening any more
                }
                counts.connectionError();
            }
        }
    }

    /** {@link #acceptBlocking(Socket, Counts)} where {@code call} does the accept (e.g. under a lock). */
    static Socket acceptBlocking(Socket listener, Call call, Counts counts) throws IOException {
        for (;;) {
            try {
                return call.accept();
            } catch (IllegalStateException closed) {
                return null;
            } catch (ErrnoException e) {
                if (!listener.isOpen() || "EINVAL".equals(e.errnoName())) {
                    return null; // closed under us, or shut down: not listening any more
                }
                counts.connectionError();
            }
        }
    }
}
