package org.iomux;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;

/**
 * A process resource limit ({@code getrlimit(2)} / {@code setrlimit(2)}): the soft limit the
 * kernel enforces and the hard ceiling an unprivileged process may raise it to. The ones that
 * matter to iomux are {@link #NOFILE} (how many descriptors, so how many connections and how large
 * a {@link Select} set) and {@link #SIGPENDING} (how many queued real-time signals, for
 * signal-driven I/O). {@link #INFINITY} is {@code RLIM_INFINITY}.
 *
 * <p>Instances are immutable values. Limits are per process: setting one from any thread changes
 * it for all of them.
 */
public final class ResourceLimit {
    public static final int NOFILE = Abi.RLIMIT_NOFILE;
    public static final int SIGPENDING = Abi.RLIMIT_SIGPENDING;
    public static final long INFINITY = Abi.RLIM_INFINITY;

    private final long soft;
    private final long hard;

    public ResourceLimit(long soft, long hard) {
        this.soft = soft;
        this.hard = hard;
    }

    /** The limit in force ({@link #INFINITY} for none); unsigned in C, and never above 2^63 in practice. */
    public long soft() {
        return soft;
    }

    public long hard() {
        return hard;
    }

    /** {@code getrlimit(resource)}. */
    public static ResourceLimit get(Backend backend, int resource) throws ErrnoException {
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        int r = backend.calls.getrlimit(resource, scratch.address(Scratch.SMALL, l.rlimitSize));
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("getrlimit(" + name(resource) + ")", r);
        }
        return new ResourceLimit(scratch.getLong(Scratch.SMALL + l.rlimitCur), scratch.getLong(Scratch.SMALL + l.rlimitMax));
    }

    /** {@link #get(Backend, int)} with the default backend. */
    public static ResourceLimit get(int resource) throws ErrnoException {
        return get(Backends.defaultBackend(), resource);
    }

    /** {@code setrlimit(resource)}: raising the hard limit needs {@code CAP_SYS_RESOURCE}. */
    public static void set(Backend backend, int resource, ResourceLimit limit) throws ErrnoException {
        StructLayout l = backend.layout();
        NativeBuffer scratch = Scratch.get(backend);
        ByteBuffer pinned = scratch.pin();
        scratch.putLong(Scratch.SMALL + l.rlimitCur, limit.soft);
        scratch.putLong(Scratch.SMALL + l.rlimitMax, limit.hard);
        int r = backend.calls.setrlimit(resource, scratch.address(Scratch.SMALL, l.rlimitSize));
        Reference.reachabilityFence(pinned);
        if (r < 0) {
            throw Errors.exception("setrlimit(" + name(resource) + ", " + limit + ")", r);
        }
    }

    /** {@link #set(Backend, int, ResourceLimit)} with the default backend. */
    public static void set(int resource, ResourceLimit limit) throws ErrnoException {
        set(Backends.defaultBackend(), resource, limit);
    }

    /**
     * Raises the soft limit to at least {@code wanted} (never above the hard limit, never lowers it).
     *
     * @return the soft limit now in force
     */
    public static long raiseSoft(Backend backend, int resource, long wanted) throws ErrnoException {
        ResourceLimit now = get(backend, resource);
        if (Long.compareUnsigned(now.soft, wanted) >= 0) {
            return now.soft;
        }
        long target = Long.compareUnsigned(wanted, now.hard) <= 0 ? wanted : now.hard;
        set(backend, resource, new ResourceLimit(target, now.hard));
        return target;
    }

    /** {@link #raiseSoft(Backend, int, long)} with the default backend. */
    public static long raiseSoft(int resource, long wanted) throws ErrnoException {
        return raiseSoft(Backends.defaultBackend(), resource, wanted);
    }

    static String name(int resource) {
        return resource == NOFILE ? "RLIMIT_NOFILE" : resource == SIGPENDING ? "RLIMIT_SIGPENDING" : "resource " + resource;
    }

    private static String value(long v) {
        return v == INFINITY ? "unlimited" : Long.toUnsignedString(v);
    }

    @Override
    public String toString() {
        return "soft " + value(soft) + ", hard " + value(hard);
    }
}
