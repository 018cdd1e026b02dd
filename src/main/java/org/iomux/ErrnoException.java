package org.iomux;

import java.io.IOException;

/**
 * A system call failed. Carries the errno number, its symbolic name and the call with the
 * arguments that matter; the message reads like {@code epoll_ctl(ADD, fd=17): EEXIST (File exists)}.
 *
 * <p>Thrown for every failing call except {@code EAGAIN}/{@code EWOULDBLOCK} on a non-blocking
 * operation (a normal result, reported by the return value) and {@code EINTR} (retried, see the
 * package documentation).
 *
 * <p>Immutable, so safe to share between threads.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String call;

    /**
     * @param call  the system call and its significant arguments, e.g. {@code "epoll_ctl(ADD, fd=17)"}
     * @param errno the positive errno value
     */
    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.name(errno) + " (" + Errno.message(errno) + ")");
        this.errno = errno;
        this.call = call;
    }

    /** The errno number, e.g. 17. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code "EEXIST"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The call as named in the message, e.g. {@code "epoll_ctl(ADD, fd=17)"}. */
    public String call() {
        return call;
    }

    /** The system call's name alone, e.g. {@code "epoll_ctl"}. */
    public String syscall() {
        int paren = call.indexOf('(');
        return paren < 0 ? call : call.substring(0, paren);
    }
}
