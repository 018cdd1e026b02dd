package org.iomux;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.iomux.spi.NativeCalls;

/**
 * Chooses and loads backends.
 *
 * <ul>
 *   <li>{@code jni}: iomux's own C library, shipped in the jar (the default and the fastest);</li>
 *   <li>{@code jnr}: jnr-ffi ({@code com.github.jnr:jnr-ffi} on the class path), no code of ours compiled;</li>
 *   <li>{@code jna}: JNA ({@code net.java.dev.jna:jna} on the class path), no code of ours compiled.</li>
 * </ul>
 *
 * The default backend is the one named by the system property {@value #PROPERTY}, or set with
 * {@link #setDefault}; a backend named that way that cannot load is an error (no silent
 * substitution). With neither, the default is {@code jni}, falling back to {@code jnr}, then
 * {@code jna}, with one warning that says why each backend passed over did not load and which
 * are usable.
 *
 * <p>What {@link #get} returns is a {@link Backend} handle: a name that the typed API's factories
 * take, with no raw calls of its own (see {@link Backend}).
 *
 * <p>Thread-safe. Each backend is loaded at most once, and has one handle; a failure is
 * remembered with its reason.
 */
public final class Backends {
    /** The system property that names the default backend. */
    public static final String PROPERTY = "iomux.backend";
    /** Every backend, in fallback order. */
    public static final List<String> NAMES = List.of("jni", "jnr", "jna");

    private static final Map<String, Object> LOADED = new ConcurrentHashMap<>(); // Backend, or the failure
    private static volatile Backend chosen;

    private Backends() {}

    /**
     * The backend called {@code name}, loading it if needed.
     *
     * @throws IllegalArgumentException if there is no such backend
     * @throws IllegalStateException if it cannot load here; the message says why
     */
    public static Backend get(String name) {
        Object o = LOADED.computeIfAbsent(name, Backends::load);
        if (o instanceof Backend) {
            return (Backend) o;
        }
        throw new IllegalStateException("iomux backend '" + name + "' is unavailable: " + o
                + usableSuffix(name));
    }

    /** Whether {@code name} loads on this machine. */
    public static boolean isAvailable(String name) {
        return LOADED.computeIfAbsent(name, Backends::load) instanceof Backend;
    }

    /** For each backend, {@code null} if it loads, else why not. */
    public static Map<String, String> status() {
        Map<String, String> status = new LinkedHashMap<>();
        for (String name : NAMES) {
            Object o = LOADED.computeIfAbsent(name, Backends::load);
            status.put(name, o instanceof Backend ? null : o.toString());
        }
        return status;
    }

    /** The default backend (see the class documentation). */
    public static Backend defaultBackend() {
        Backend b = chosen;
        if (b == null) {
            synchronized (Backends.class) {
                b = chosen;
                if (b == null) {
                    chosen = b = choose();
                }
            }
        }
        return b;
    }

    /** Makes {@code name} the default for handles opened from now on. */
    public static void setDefault(String name) {
        chosen = get(name);
    }

    private static Backend choose() {
        String named = System.getProperty(PROPERTY);
        if (named != null && !named.isBlank()) {
            return get(named.trim());
        }
        for (int i = 0; i < NAMES.size(); i++) {
            String name = NAMES.get(i);
            if (isAvailable(name)) {
                if (i > 0) {
                    // one warning that says why each backend before this one failed
                    StringBuilder why = new StringBuilder("iomux:");
                    for (String failed : NAMES.subList(0, i)) {
                        why.append(" the ").append(failed).append(" backend is unavailable (").append(LOADED.get(failed))
                                .append(");");
                    }
                    why.append(" using ").append(name).append(usableSuffix(null));
                    System.getLogger("org.iomux").log(System.Logger.Level.WARNING, why.toString());
                }
                return (Backend) LOADED.get(name);
            }
        }
        throw new IllegalStateException("no iomux backend can load here: " + status());
    }

    /** "; usable: jnr, jna (-Diomux.backend=jnr)": the backends that load, other than {@code failed} (if not null). */
    private static String usableSuffix(String failed) {
        StringBuilder usable = new StringBuilder();
        for (String name : NAMES) {
            if (!name.equals(failed) && isAvailable(name)) {
                usable.append(usable.length() == 0 ? "" : ", ").append(name);
            }
        }
        return usable.length() == 0 ? "; no other backend is usable either"
                : "; usable: " + usable + " (-D" + PROPERTY + "=" + usable.toString().split(",")[0] + ")";
    }

    private static Object load(String name) {
        String className;
        String dependency;
        switch (name) {
            case "jni": className = "org.iomux.jni.JniBackend"; dependency = null; break;
            case "jna": className = "org.iomux.jna.JnaBackend"; dependency = "net.java.dev.jna:jna"; break;
            case "jnr": className = "org.iomux.jnr.JnrBackend"; dependency = "com.github.jnr:jnr-ffi"; break;
            default: throw new IllegalArgumentException("no iomux backend '" + name + "'; choose one of " + NAMES);
        }
        try {
            // The implementations' constructors are not public: applications get a Backend handle,
            // never the raw calls (all of iomux is one module, so this needs no --add-opens).
            java.lang.reflect.Constructor<? extends NativeCalls> constructor =
                    Class.forName(className).asSubclass(NativeCalls.class).getDeclaredConstructor();
            constructor.setAccessible(true);
            return new Backend(constructor.newInstance());
        } catch (NoClassDefFoundError e) {
            return dependency != null
                    ? dependency + " is not on the class path (" + e.getMessage() + ")"
                    : "class missing: " + e.getMessage();
        } catch (java.lang.reflect.InvocationTargetException e) {
            return reason(e.getCause());
        } catch (ExceptionInInitializerError e) {
            return reason(e.getCause());
        } catch (Throwable e) {
            return reason(e);
        }
    }

    private static String reason(Throwable t) {
        while ((t instanceof ExceptionInInitializerError || t instanceof java.lang.reflect.InvocationTargetException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t == null ? "unknown" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
