package org.iomux.jna;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * The native address of a direct buffer's byte 0, without allocating.
 *
 * <p>JNA's public {@link Native#getDirectBufferPointer(Buffer)} wraps the address in a new
 * {@link Pointer} on every call. A direct-mapped {@code Buffer} parameter does not allocate, but JNA
 * adds the buffer's <em>current</em> {@code position()} to the address it passes (measured with JNA
 * 5.17), whereas the SPI passes an explicit position and must not touch the buffer's own, which other
 * threads may be using. So the base address is read here and the caller adds the position.
 *
 * <p>Three ways, the first that works is chosen once at class initialisation, each validated against
 * the public JNA method on a probe buffer and on a slice of it:
 * <ol>
 *   <li>{@code sun.misc.Unsafe.getLong(buffer, offsetof(Buffer.address))}: the field
 *       {@code GetDirectBufferAddress} itself returns, a few ns (the way netty does it). Unsafe comes
 *       from the {@code jdk.unsupported} module, reachable without command-line flags; it is looked up
 *       reflectively so that compiling needs no internal API. Skipped from JDK 24 on, which prints a
 *       warning on the first Unsafe memory access (JEP 498).</li>
 *   <li>JNA's private {@code Native._getDirectBufferPointer(Buffer)}, which returns a {@code long}:
 *       one plain JNI call. Reachable with {@link MethodHandles#privateLookupIn} because JNA sits in
 *       the unnamed module or is an automatic module, both of which open every package.</li>
 *   <li>{@code Pointer.nativeValue(Native.getDirectBufferPointer(buffer))}: allocates a
 *       {@code Pointer} per call unless the JIT's escape analysis removes it (C2 does once the caller
 *       is hot, nothing guarantees it), the last resort.</li>
 * </ol>
 */
final class DirectAddress {
    private DirectAddress() {}

    /** {@code (ByteBuffer) long}: a constant, so that the JIT inlines {@code invokeExact} through it. */
    private static final MethodHandle ADDRESS;

    /** Which of the three ways {@link #ADDRESS} is (for diagnostics): "unsafe", "jna-private" or "jna". */
    static final String METHOD;

    static {
        MethodHandle chosen = null;
        String method = null;
        if (Runtime.version().feature() < 24) {
            chosen = validated(viaUnsafe());
            method = "unsafe";
        }
        if (chosen == null) {
            chosen = validated(viaJnaPrivate());
            method = "jna-private";
        }
        if (chosen == null) {
            chosen = publicJna();
            method = "jna";
        }
        ADDRESS = chosen;
        METHOD = method;
    }

    /** The address of {@code direct}'s byte 0, whatever its position. */
    static long of(ByteBuffer direct) {
        try {
            return (long) ADDRESS.invokeExact(direct);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            // none of the three handles throws a checked exception
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle viaUnsafe() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            Object unsafe = theUnsafe.get(null);
            long offset = (long) unsafeClass.getMethod("objectFieldOffset", Field.class)
                    .invoke(unsafe, Buffer.class.getDeclaredField("address"));
            MethodHandle getLong = MethodHandles.lookup()
                    .findVirtual(unsafeClass, "getLong", MethodType.methodType(long.class, Object.class, long.class))
                    .bindTo(unsafe);
            return MethodHandles.insertArguments(getLong, 1, offset)
                    .asType(MethodType.methodType(long.class, ByteBuffer.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // no jdk.unsupported module, no Buffer.address field, or a security manager said no
            return null;
        }
    }

    private static MethodHandle viaJnaPrivate() {
        try {
            return MethodHandles.privateLookupIn(Native.class, MethodHandles.lookup())
                    .findStatic(Native.class, "_getDirectBufferPointer",
                            MethodType.methodType(long.class, Buffer.class))
                    .asType(MethodType.methodType(long.class, ByteBuffer.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a JNA version without the method, or JNA in a named module that does not open com.sun.jna
            return null;
        }
    }

    private static MethodHandle publicJna() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle pointer = lookup.findStatic(Native.class, "getDirectBufferPointer",
                    MethodType.methodType(Pointer.class, Buffer.class));
            MethodHandle value = lookup.findStatic(Pointer.class, "nativeValue",
                    MethodType.methodType(long.class, Pointer.class));
            return MethodHandles.filterReturnValue(pointer, value)
                    .asType(MethodType.methodType(long.class, ByteBuffer.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("JNA lacks Native.getDirectBufferPointer", e);
        }
    }

    /** {@code candidate} if it agrees with JNA's public answer on a buffer and on a slice, else null. */
    private static MethodHandle validated(MethodHandle candidate) {
        if (candidate == null) {
            return null;
        }
        try {
            ByteBuffer probe = ByteBuffer.allocateDirect(64);
            probe.position(8);
            ByteBuffer slice = probe.slice();
            for (ByteBuffer b : new ByteBuffer[] {probe, slice}) {
                long expected = Pointer.nativeValue(Native.getDirectBufferPointer(b));
                if (expected == 0 || (long) candidate.invokeExact(b) != expected) {
                    return null;
                }
            }
            return candidate;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            return null;
        }
    }
}
