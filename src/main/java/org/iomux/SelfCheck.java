package org.iomux;

import java.util.Map;
import org.iomux.spi.StructLayout;

/**
 * {@code java -jar iomux.jar}: what works on this machine. Prints which backends load (and why one
 * does not), the default one, the kernel features iomux probes, the limits that matter and the
 * struct layouts in use, then checks that every loaded backend agrees on those layouts.
 *
 * <p>Single-threaded, run once, from {@code main}. Exits 0 when the default backend loads and the loaded backends agree, 1 otherwise.
 */
public final class SelfCheck {
    private SelfCheck() {}

    public static void main(String[] args) {
        System.exit(run() ? 0 : 1);
    }

    static boolean run() {
        boolean ok = true;
        System.out.println("iomux self-check: " + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println();
        System.out.println("backends (choose with -D" + Backends.PROPERTY + "=jni|jnr|jna):");
        Map<String, String> status = Backends.status();
        for (Map.Entry<String, String> e : status.entrySet()) {
            System.out.printf("  %-4s %s%n", e.getKey(), e.getValue() == null ? "loads" : "UNAVAILABLE: " + e.getValue());
        }
        Backend backend;
        try {
            backend = Backends.defaultBackend();
            System.out.println("  default: " + backend.name());
        } catch (RuntimeException e) {
            System.out.println("  default: NONE: " + e.getMessage());
            return false;
        }

        System.out.println();
        System.out.println("kernel features:");
        System.out.printf("  %-16s %s%n", "epoll_pwait2", Features.epollPwait2(backend)
                ? "yes (Epoll.waitNanos waits sub-millisecond)" : "no (Linux < 5.11: waitNanos rounds up to ms)");
        System.out.printf("  %-16s %s%n", "EPOLLEXCLUSIVE", Features.epollExclusive(backend) ? "yes" : "no (Linux < 4.5)");

        System.out.println();
        System.out.println("limits:");
        for (int resource : new int[] {ResourceLimit.NOFILE, ResourceLimit.SIGPENDING}) {
            try {
                System.out.printf("  %-18s %s%n", ResourceLimit.name(resource), ResourceLimit.get(backend, resource));
            } catch (ErrnoException e) {
                System.out.printf("  %-18s %s%n", ResourceLimit.name(resource), e.getMessage());
                ok = false;
            }
        }

        System.out.println();
        StructLayout layout = backend.layout();
        System.out.println("struct layouts (" + backend.name() + "): epoll_event " + layout.epollEventSize
                + " bytes (data at " + layout.epollEventData + "), pollfd " + layout.pollfdSize
                + ", fd_set word " + layout.fdSetWord + ", timespec " + layout.timespecSize
                + ", sockaddr_in6 " + layout.sockaddrIn6Size + ", sockaddr_un " + layout.sockaddrUnSize);
        for (Map.Entry<String, String> e : status.entrySet()) {
            if (e.getValue() == null && !e.getKey().equals(backend.name())) {
                StructLayout other = Backends.get(e.getKey()).layout();
                if (!other.equals(layout)) {
                    System.out.println("  MISMATCH: " + e.getKey() + " sees " + other);
                    ok = false;
                }
            }
        }
        if (ok) {
            System.out.println("  every loaded backend agrees");
        }
        System.out.println();
        System.out.println(ok ? "OK" : "PROBLEMS FOUND (see above)");
        return ok;
    }
}
