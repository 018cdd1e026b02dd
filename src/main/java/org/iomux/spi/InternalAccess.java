package org.iomux.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.iomux.Backend;

/**
 * The one deliberate way from an application-level {@link Backend} handle to its raw
 * {@link NativeCalls}: <strong>unchecked, for benchmarks and backend implementers only</strong>.
 * Every method of what it returns takes raw native addresses and validates nothing (see
 * {@link NativeCalls}); a wrong argument corrupts or crashes the JVM. Application code has no use
 * for it: the typed API ({@code org.iomux}) does everything through checked calls.
 *
 * <p>It exists so that a benchmark can measure the binding itself (a bare {@code epoll_wait},
 * a no-op C library call) beside the same call through the typed API, which is how iomux's own
 * {@code BindingOverhead} benchmark uses it. Stateless and thread-safe.
 */
public final class InternalAccess {
    /**
     * {@code Backend.calls}, a package-private field: the handle offers no public way to it, so it
     * is read through a private lookup (iomux's packages are all in one module, so this needs no
     * {@code --add-opens}).
     */
    private static final VarHandle CALLS;

    static {
        try {
            CALLS = MethodHandles.privateLookupIn(Backend.class, MethodHandles.lookup())
                    .findVarHandle(Backend.class, "calls", NativeCalls.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private InternalAccess() {}

    /**
     * The raw, unchecked calls behind {@code backend}. For benchmarks of the binding and for
     * backend implementers; see the class documentation before using it.
     */
    public static NativeCalls calls(Backend backend) {
        return (NativeCalls) CALLS.get(Objects.requireNonNull(backend, "backend"));
    }
}
