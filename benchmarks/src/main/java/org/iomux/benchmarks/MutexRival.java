package org.iomux.benchmarks;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.iomux.Backends;
import org.iomux.NativeBuffer;
import org.iomux.SharedLayout;
import org.iomux.SharedMemory;
import org.iomux.SharedMutex;

/**
 * The second process of the contended lock benchmarks: it takes the same lock as the benchmark, in
 * a loop, until told to stop.
 *
 * <pre>
 * MutexRival mutex NAME BACKEND    SharedMutex "lock" of region NAME; stops when "stop" is set
 * MutexRival file PATH -           FileChannel.lock on PATH; stops when PATH.stop exists
 * </pre>
 *
 * Prints "ready" once it holds its handle, and "done N" (its lock count) at the end.
 */
public final class MutexRival {
    static final SharedLayout LAYOUT = SharedLayout.builder().mutex("lock").int64("counter").int64("stop").build();

    private MutexRival() {}

    public static void main(String[] args) throws Exception {
        long count = 0;
        if (args[0].equals("mutex")) {
            try (SharedMemory region = SharedMemory.openOrCreate(Backends.get(args[2]), args[1], LAYOUT,
                    SharedMemory.DEFAULT_TIMEOUT, null)) {
                SharedMutex mutex = region.mutex("lock");
                NativeBuffer m = region.memory();
                int counter = region.offset("counter");
                int stop = region.offset("stop");
                System.out.println("ready");
                System.out.flush();
                while (m.getLongAcquire(stop) == 0) {
                    try (SharedMutex.Guard g = mutex.lock(SharedMutexBench.REPAIR)) {
                        m.putLong(counter, m.getLong(counter) + 1);
                    }
                    count++;
                }
            }
        } else {
            Path file = Path.of(args[1]);
            Path stop = Path.of(args[1] + ".stop");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                System.out.println("ready");
                System.out.flush();
                while ((count & 1023) != 0 || !Files.exists(stop)) { // a stat every 1,024 locks
                    try (FileLock lock = channel.lock()) {
                        count++;
                    }
                }
            }
        }
        System.out.println("done " + count);
    }

    /** Starts a rival in a new JVM on this class path and waits until it is ready. */
    static Process start(String kind, String target, String backend) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MutexRival.class.getName(), kind, target, backend)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        if (!"ready".equals(line)) {
            p.destroyForcibly();
            throw new IOException("the rival process did not start: " + line);
        }
        return p;
    }

    static void stop(Process rival, NativeBuffer memory, int stopOffset) throws Exception {
        memory.putLongRelease(stopOffset, 1);
        await(rival);
    }

    static void stopFile(Process rival, Path file) throws Exception {
        Path stop = Path.of(file + ".stop");
        Files.writeString(stop, "stop");
        try {
            await(rival);
        } finally {
            Files.deleteIfExists(stop);
        }
    }

    private static void await(Process rival) throws Exception {
        if (!rival.waitFor(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
            rival.destroyForcibly();
            throw new IOException("the rival process did not stop");
        }
    }
}
