package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;

/**
 * An epoll instance ({@code epoll(7)}): {@code epoll_create1(EPOLL_CLOEXEC)}, {@code epoll_ctl(2)}
 * and {@code epoll_wait(2)} / {@code epoll_pwait2(2)}.
 *
 * <h2>Flags</h2>
 * The event bits are the kernel's own ({@link #IN}, {@link #OUT}, ... {@link #ET}); bits epoll does
 * not define are rejected before any call. Level-triggered is the default: a ready descriptor is
 * reported by every wait until it is drained. {@link #ET} reports each new edge once, so the
 * handler must read (or write) until {@code EAGAIN}. {@link #ONESHOT} disables the entry after one
 * report until {@link #modify} re-arms it. {@link #EXCLUSIVE} (Linux 4.5, {@code ADD} only) wakes one
 * of the epoll instances that wait on a shared descriptor rather than all of them.
 *
 * <h2>Event loop</h2>
 * <pre>{@code
 * try (Epoll epoll = Epoll.open(); EpollEvents events = EpollEvents.allocate(256)) {
 *     epoll.add(listener, Epoll.IN, listener.fd());
 *     for (;;) {
 *         int n = epoll.wait(events, -1);
 *         for (int i = 0; i < n; i++) { handle(events.data(i), events.events(i)); }
 *     }
 * }
 * }</pre>
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread, and {@code add}/{@code modify}/{@code delete} may run
 * while another thread waits (as the kernel allows). Each {@link EpollEvents} array belongs to
 * one waiting thread. {@link #close()} while a thread waits does not wake it (register an
 * {@link EventFd} for that); the epoll descriptor is closed when that wait returns.
 */
public final class Epoll extends FdHandle {
    public static final int IN = Abi.EPOLLIN;
    public static final int PRI = Abi.EPOLLPRI;
    public static final int OUT = Abi.EPOLLOUT;
    /** Always reported; need not be asked for. */
    public static final int ERR = Abi.EPOLLERR;
    /** Always reported; need not be asked for. */
    public static final int HUP = Abi.EPOLLHUP;
    public static final int RDNORM = Abi.EPOLLRDNORM;
    public static final int RDBAND = Abi.EPOLLRDBAND;
    public static final int WRNORM = Abi.EPOLLWRNORM;
    public static final int WRBAND = Abi.EPOLLWRBAND;
    public static final int MSG = Abi.EPOLLMSG;
    /** The peer shut down its writing side (or closed): Linux 2.6.17. */
    public static final int RDHUP = Abi.EPOLLRDHUP;
    /** Wake only one of several epoll instances waiting on the same descriptor ({@code ADD} only). */
    public static final int EXCLUSIVE = Abi.EPOLLEXCLUSIVE;
    /** Hold a wakeup source while the event is pending (silently ignored without CAP_BLOCK_SUSPEND). */
    public static final int WAKEUP = Abi.EPOLLWAKEUP;
    /** Report once, then disable the entry until {@link #modify} re-arms it. */
    public static final int ONESHOT = Abi.EPOLLONESHOT;
    /** Edge-triggered. */
    public static final int ET = Abi.EPOLLET;

    /** Every bit epoll defines: the only bits {@code add} and {@code modify} accept. */
    public static final int ALL_FLAGS = IN | PRI | OUT | ERR | HUP | RDNORM | RDBAND | WRNORM | WRBAND | MSG
            | RDHUP | EXCLUSIVE | WAKEUP | ONESHOT | ET;

    private static final int ADD = Abi.EPOLL_CTL_ADD;
    private static final int MOD = Abi.EPOLL_CTL_MOD;
    private static final int DEL = Abi.EPOLL_CTL_DEL;

    private final int eventSize;
    private final int eventsOffset;
    private final int dataOffset;
    private final boolean pwait2;

    private Epoll(Backend backend, int fd) {
        super(backend, fd, true);
        this.pwait2 = Features.epollPwait2(backend);
        this.eventSize = backend.layout().epollEventSize;
        this.eventsOffset = backend.layout().epollEventEvents;
        this.dataOffset = backend.layout().epollEventData;
    }

    @Override
    String kind() {
        return "epoll";
    }

    /** {@code epoll_create1(EPOLL_CLOEXEC)} with the default backend. */
    public static Epoll open() throws ErrnoException {
        return open(Backends.defaultBackend());
    }

    /** {@code epoll_create1(EPOLL_CLOEXEC)}. */
    public static Epoll open(Backend backend) throws ErrnoException {
        int fd = backend.calls.epollCreate1(Abi.EPOLL_CLOEXEC);
        if (fd < 0) {
            throw Errors.exception("epoll_create1(EPOLL_CLOEXEC)", fd);
        }
        return new Epoll(backend, fd);
    }

    /** {@code epoll_ctl(ADD)}: watch {@code target} for {@code events}; {@code data} comes back whole with each event. */
    public void add(FdHandle target, int events, long data) throws ErrnoException {
        ctl(ADD, target, events, data);
    }

    /** {@code epoll_ctl(ADD)} of a raw descriptor number. */
    public void add(int fd, int events, long data) throws ErrnoException {
        ctl(ADD, fd, events, data);
    }

    /** {@code epoll_ctl(MOD)}: replace the events and data of a watched descriptor (re-arms {@link #ONESHOT}). */
    public void modify(FdHandle target, int events, long data) throws ErrnoException {
        ctl(MOD, target, events, data);
    }

    /** {@code epoll_ctl(MOD)} of a raw descriptor number. */
    public void modify(int fd, int events, long data) throws ErrnoException {
        ctl(MOD, fd, events, data);
    }

    /** {@code epoll_ctl(DEL)}. */
    public void delete(FdHandle target) throws ErrnoException {
        ctl(DEL, target, 0, 0);
    }

    /** {@code epoll_ctl(DEL)} of a raw descriptor number. */
    public void delete(int fd) throws ErrnoException {
        ctl(DEL, fd, 0, 0);
    }

    private void ctl(int op, FdHandle target, int events, long data) throws ErrnoException {
        int targetFd = target.acquire();
        try {
            ctl(op, targetFd, events, data);
        } finally {
            target.release();
        }
    }

    private void ctl(int op, int targetFd, int events, long data) throws ErrnoException {
        if ((events & ~ALL_FLAGS) != 0) {
            // the message is built here only: add/modify are on the hot path and allocate nothing
            Errors.checkFlags("epoll_ctl(" + opName(op) + ")", events & 0xffffffffL, ALL_FLAGS & 0xffffffffL);
        }
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        long event = 0;
        if (op != DEL) {
            scratch.putInt(Scratch.SMALL + eventsOffset, events);
            scratch.putLong(Scratch.SMALL + dataOffset, data);
            event = scratch.address(Scratch.SMALL, eventSize);
        }
        int epfd = acquire();
        int r;
        try {
            r = calls.epollCtl(epfd, op, targetFd, event);
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (r < 0) {
            throw Errors.exception("epoll_ctl(" + opName(op) + ", fd=" + targetFd + ")", r);
        }
    }

    /**
     * {@code epoll_wait(2)}: waits until a watched descriptor is ready or the timeout expires, and
     * fills {@code events}. Allocation-free.
     *
     * @param timeoutMillis -1 to wait without limit, 0 to return at once, else milliseconds
     * @return the number of ready entries in {@code events} (0 when the timeout expired)
     */
    public int wait(EpollEvents events, int timeoutMillis) throws ErrnoException {
        if (timeoutMillis < -1) {
            throw new IllegalArgumentException("timeout " + timeoutMillis + " ms < -1");
        }
        checkStride(events);
        ByteBuffer pinned = events.pin();
        long start = timeoutMillis > 0 ? System.nanoTime() : 0;
        int epfd = acquire();
        int n;
        try {
            long address = events.memory().address();
            n = calls.epollWait(epfd, address, events.capacity(), timeoutMillis);
            while (n == -Errors.EINTR) {
                // retried with what is left of the timeout, so the caller sees a plain timeout
                int left = timeoutMillis <= 0 ? timeoutMillis
                        : (int) Math.max(0, timeoutMillis - (System.nanoTime() - start) / 1_000_000);
                n = calls.epollWait(epfd, address, events.capacity(), left);
            }
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (n < 0) {
            throw Errors.exception("epoll_wait(epfd=" + fd + ", maxevents=" + events.capacity() + ")", n);
        }
        events.ready(n);
        return n;
    }

    /**
     * Like {@link #wait(EpollEvents, int)} with a nanosecond timeout: {@code epoll_pwait2(2)} where
     * the kernel has it (Linux 5.11, see {@link Features#epollPwait2}), else {@code epoll_wait} with
     * the timeout rounded up to whole milliseconds (never down: a wait never ends early).
     *
     * @param timeoutNanos negative to wait without limit, 0 to return at once
     */
    public int waitNanos(EpollEvents events, long timeoutNanos) throws ErrnoException {
        if (timeoutNanos < 0) {
            return wait(events, -1);
        }
        if (!pwait2) {
            return wait(events, Timeouts.nanosToMillisCeil(timeoutNanos));
        }
        checkStride(events);
        ByteBuffer pinned = events.pin();
        NativeBuffer memory = events.memory();
        long start = System.nanoTime();
        int epfd = acquire();
        int n;
        try {
            long left = timeoutNanos;
            for (;;) {
                memory.putLong(events.timespecSec, left / 1_000_000_000L);
                memory.putLong(events.timespecNsec, left % 1_000_000_000L);
                n = calls.epollPwait2(epfd, memory.address(), events.capacity(),
                        memory.address() + events.timespecOffset);
                if (n != -Errors.EINTR) {
                    break;
                }
                left = Timeouts.remaining(timeoutNanos, start);
            }
        } finally {
            release();
            Reference.reachabilityFence(pinned);
        }
        if (n < 0) {
            throw Errors.exception("epoll_pwait2(epfd=" + fd + ", maxevents=" + events.capacity() + ")", n);
        }
        events.ready(n);
        return n;
    }

    private void checkStride(EpollEvents events) {
        if (events.stride != eventSize) {
            throw new IllegalArgumentException("event array laid out for " + events.stride
                    + "-byte epoll_events, this epoll uses " + eventSize);
        }
    }

    private static String opName(int op) {
        return op == ADD ? "ADD" : op == MOD ? "MOD" : op == DEL ? "DEL" : Integer.toString(op);
    }

    /** {@code "IN|OUT|ET"}: the names of the bits in {@code events}, for logs and messages. */
    public static String toString(int events) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"IN", "PRI", "OUT", "ERR", "HUP", null, "RDNORM", "RDBAND", "WRNORM", "WRBAND", "MSG",
            null, null, "RDHUP"};
        for (int bit = 0; bit < 32; bit++) {
            int mask = 1 << bit;
            if ((events & mask) == 0) {
                continue;
            }
            String name = bit < names.length ? names[bit] : null;
            if (mask == EXCLUSIVE) {
                name = "EXCLUSIVE";
            } else if (mask == WAKEUP) {
                name = "WAKEUP";
            } else if (mask == ONESHOT) {
                name = "ONESHOT";
            } else if (mask == ET) {
                name = "ET";
            }
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append(name != null ? name : "0x" + Integer.toHexString(mask));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
