package org.iomux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Counts this process's sockets, pipes and anonymous-inode descriptors (epoll, eventfd) in
 * {@code /proc/self/fd} before and after a test class, and fails the class if any are left over.
 * Jar files and other descriptors the JVM opens lazily are not counted: only the kinds iomux makes.
 */
public final class FdLeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FdLeakCheck.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Backends.defaultBackend(); // loading the backend is not a leak
        try {
            // The JDK opens a socketpair end once, on first FileChannel use, and keeps it for good
            // (sun.nio.ch.FileDispatcherImpl's pre-close descriptor); the tests' /proc reads would
            // otherwise make that look like a leak.
            Files.readString(Paths.get("/proc/self/stat"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        context.getStore(NS).put("before", snapshot());
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        TreeMap<String, Integer> before = (TreeMap<String, Integer>) context.getStore(NS).get("before");
        // A moment's grace: the JDK closes some pipes of a finished child process (ProcessBuilder)
        // on its own threads, a little after waitFor returns. A leak does not go away.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        TreeMap<String, Integer> after = snapshot();
        while (!before.equals(after) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            after = snapshot();
        }
        assertEquals(before, after, "descriptors left open by " + context.getDisplayName());
    }

    /** Kind of descriptor ("socket", "pipe", "anon_inode:[eventpoll]", ...) to how many are open. */
    static TreeMap<String, Integer> snapshot() {
        TreeMap<String, Integer> kinds = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // the directory stream's own descriptor, gone already
                }
                String kind = target.startsWith("socket:") ? "socket"
                        : target.startsWith("pipe:") ? "pipe"
                        : target.startsWith("anon_inode:") ? target
                        : null;
                if (kind != null) {
                    kinds.merge(kind, 1, Integer::sum);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/fd", e);
        }
        return kinds;
    }

    /** Whether descriptor number {@code fd} is open in this process. */
    static boolean isOpen(int fd) {
        return Files.exists(Paths.get("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }
}
