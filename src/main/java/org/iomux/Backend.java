package org.iomux;

import org.iomux.spi.NativeCalls;
import org.iomux.spi.StructLayout;

/**
 * A backend, as applications see it: which binding ({@code jni}, {@code jnr} or {@code jna}) a
 * handle makes its system calls through. Get one from {@link Backends#get} or
 * {@link Backends#defaultBackend()} and pass it to the factories ({@code Epoll.open(backend)},
 * {@code Socket.pair(backend, ...)}, {@code SharedMemory.openOrCreate(backend, ...)}, ...);
 * {@link FdHandle#backend()} and {@link SharedMemory#backend()} say which one a handle uses.
 *
 * <p>An opaque handle: it has a name and nothing else. The raw calls behind it
 * ({@link org.iomux.spi.NativeCalls}) take native addresses and check nothing, so they are not
 * reachable from here; everything an application does goes through the typed API, which
 * validates each argument before any native call.
 *
 * <p>Immutable and thread-safe. {@link Backends} makes one per name, so {@code ==} and
 * {@link #equals} agree.
 */
public final class Backend {
    /** The raw calls; for this package and, through {@link org.iomux.spi.InternalAccess}, benchmarks. */
    final NativeCalls calls;
    private final String name;

    Backend(NativeCalls calls) {
        this.calls = calls;
        this.name = calls.name();
    }

    /** {@code "jni"}, {@code "jnr"} or {@code "jna"}: what {@link Backends#get} takes. */
    public String name() {
        return name;
    }

    /** Struct sizes and offsets as this backend sees them (the same for all three on one machine). */
    StructLayout layout() {
        return calls.layout();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Backend && ((Backend) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    /** The name, e.g. {@code "jni"}. */
    @Override
    public String toString() {
        return name;
    }
}
