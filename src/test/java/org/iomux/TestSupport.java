package org.iomux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;
import org.iomux.spi.NativeCalls;

/** Shared by the conformance suite: the backend under test, and helpers to set up descriptors. */
final class TestSupport {
    private TestSupport() {}

    /** The backend under test: the one named by -Diomux.backend (one surefire run per backend). */
    static Backend backend() {
        return Backends.defaultBackend();
    }

    /** The raw calls of the backend under test, for tests that check the binding itself. */
    static NativeCalls calls() {
        return backend().calls;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void writeFully(Descriptor d, byte[] data) throws ErrnoException {
        int off = 0;
        while (off < data.length) {
            int n = d.write(data, off, data.length - off);
            if (n == 0) {
                throw new AssertionError("write would block");
            }
            off += n;
        }
    }

    static byte[] readExactly(Descriptor d, int length) throws ErrnoException {
        byte[] out = new byte[length];
        int off = 0;
        while (off < length) {
            int n = d.read(out, off, length - off);
            if (n <= 0) {
                throw new AssertionError("read returned " + n + " after " + off + " of " + length + " bytes");
            }
            off += n;
        }
        return out;
    }

    /**
     * Waits (up to 10 s) until the kernel task {@code tid} of this process is gone. {@code
     * Thread.join} returns once the Java thread has terminated, a moment before the native thread
     * exits and its /proc/self/task entry disappears.
     */
    static boolean awaitTaskGone(int tid) throws InterruptedException {
        Path task = Paths.get("/proc/self/task/" + tid);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(task) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return !Files.exists(task);
    }

    /**
     * The descriptors on which some thread of this process is blocked in epoll_wait/epoll_pwait,
     * read from /proc/self/task/TID/syscall (syscall number, then the arguments in hex).
     */
    static Set<Integer> epollWaitersBlocked() throws IOException {
        Set<Integer> epfds = new HashSet<>();
        Set<String> waitCalls = "aarch64".equals(System.getProperty("os.arch"))
                ? Set.of("22", "441") // epoll_pwait, epoll_pwait2
                : Set.of("232", "281", "441"); // epoll_wait, epoll_pwait, epoll_pwait2
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path task : tasks) {
                String line;
                try {
                    line = Files.readString(task.resolve("syscall")).trim();
                } catch (IOException e) {
                    continue; // thread ended
                }
                String[] f = line.split(" ");
                if (f.length > 1 && waitCalls.contains(f[0])) {
                    epfds.add((int) Long.parseLong(f[1].substring(2), 16));
                }
            }
        }
        return epfds;
    }
}
