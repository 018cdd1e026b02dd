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
     * Waits (up to 10 s) until kernel task {@code tid} is blocked in one of the system calls
     * numbered {@code syscalls} (read from /proc/self/task/TID/syscall). Fails at once if
     * {@code call} completes first: a blocking call that returned early is what the tests look for.
     */
    static void awaitBlockedIn(java.util.concurrent.atomic.AtomicInteger tid, Set<String> syscalls,
            java.util.concurrent.Future<?> call) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            if (call.isDone()) {
                throw new AssertionError("the call returned instead of blocking: " + call.get());
            }
            if (tid.get() != 0) {
                try {
                    String[] f = Files.readString(Paths.get("/proc/self/task/" + tid.get() + "/syscall")).trim().split(" ");
                    if (syscalls.contains(f[0])) {
                        return;
                    }
                } catch (IOException e) {
                    // the thread ended: the next round sees the call done
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("thread " + tid.get() + " did not block in " + syscalls);
            }
            Thread.sleep(1);
        }
    }

    /** The numbers of select(2) and pselect6(2), as glibc's select() may make either (aarch64 has only pselect6). */
    static Set<String> selectCalls() {
        return "aarch64".equals(System.getProperty("os.arch")) ? Set.of("72") : Set.of("23", "270");
    }

    /** The numbers of epoll_wait(2), epoll_pwait(2) and epoll_pwait2(2). */
    static Set<String> epollWaitCalls() {
        return "aarch64".equals(System.getProperty("os.arch")) ? Set.of("22", "441") : Set.of("232", "281", "441");
    }

    /**
     * The descriptors on which some thread of this process is blocked in epoll_wait/epoll_pwait,
     * read from /proc/self/task/TID/syscall (syscall number, then the arguments in hex).
     */
    static Set<Integer> epollWaitersBlocked() throws IOException {
        Set<Integer> epfds = new HashSet<>();
        Set<String> waitCalls = epollWaitCalls();
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
