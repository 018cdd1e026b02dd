package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;

/**
 * Kernel features probed at run time, once per JVM: what the running kernel has matters, not what
 * the headers the native code was built against say. Thread-safe: a racing first probe is made
 * twice at worst, with the same answer.
 */
public final class Features {
    private static final int UNKNOWN = 0, YES = 1, NO = 2;
    /** Per backend: a binding that mangles the call must not decide the answer for the others. */
    private static final java.util.Map<String, Boolean> EPOLL_PWAIT2 = new java.util.concurrent.ConcurrentHashMap<>();
    private static volatile int epollExclusive = UNKNOWN;

    private Features() {}

    /**
     * Whether the kernel has {@code epoll_pwait2(2)} (Linux 5.11), used by {@link Epoll#waitNanos} for
     * sub-millisecond timeouts. Probed with an invalid epoll descriptor: {@code EBADF} means the call
     * exists, {@code ENOSYS} that it does not (a seccomp filter's {@code EPERM} counts as absent).
     */
    public static boolean epollPwait2(Backend backend) {
        Boolean known = EPOLL_PWAIT2.get(backend.name());
        if (known == null) {
            NativeBuffer scratch = Scratch.get(backend);
            ByteBuffer pinned = scratch.pin();
            int r = backend.calls.epollPwait2(-1, scratch.address(Scratch.SMALL, 64), 1, 0);
            Reference.reachabilityFence(pinned);
            known = r == -Abi.EBADF;
            EPOLL_PWAIT2.put(backend.name(), known);
        }
        return known;
    }

    /**
     * Whether the kernel accepts {@code EPOLLEXCLUSIVE} (Linux 4.5): probed by adding an eventfd to a
     * scratch epoll instance with it.
     */
    public static boolean epollExclusive(Backend backend) {
        int known = epollExclusive;
        if (known == UNKNOWN) {
            try (Epoll epoll = Epoll.open(backend); EventFd probe = EventFd.open(backend, true)) {
                epoll.add(probe, Epoll.IN | Epoll.EXCLUSIVE, 0);
                known = YES;
            } catch (ErrnoException e) {
                known = NO;
            }
            epollExclusive = known;
        }
        return known == YES;
    }
}
