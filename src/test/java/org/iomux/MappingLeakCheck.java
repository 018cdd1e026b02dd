package org.iomux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shared-memory counterpart of {@link FdLeakCheck}: before and after a test class, lists this
 * process's mappings ({@code /proc/self/maps}) and descriptors ({@code /proc/self/fd}) of the
 * tests' shared-memory files, and the files this JVM left in {@code /dev/shm}; fails the class if
 * any are left over. Test regions are named with {@link #name} so that they can be told apart.
 */
public final class MappingLeakCheck implements BeforeAllCallback, AfterAllCallback {
    /** Every shared-memory file a test makes has this in its name. */
    static final String MARK = "iomux-test-";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MappingLeakCheck.class);

    /** A fresh shared-memory name, {@code /iomux-test-PID-N}. */
    static String name() {
        return "/" + MARK + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("before", snapshot());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertEquals(context.getStore(NS).get("before"), snapshot(),
                "mappings, descriptors or /dev/shm files left by " + context.getDisplayName());
    }

    static List<String> snapshot() {
        List<String> found = new ArrayList<>(mappings());
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.contains(MARK)) {
                        found.add("fd " + fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // the directory stream's own descriptor, gone already
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        String mine = MARK + ProcessHandle.current().pid() + "-";
        try (DirectoryStream<Path> shm = Files.newDirectoryStream(Paths.get("/dev/shm"))) {
            for (Path file : shm) {
                if (file.getFileName().toString().startsWith(mine)) {
                    found.add("file " + file);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    /** The lines of /proc/self/maps that map a test's shared-memory file. */
    static List<String> mappings() {
        List<String> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/maps"))) {
                String[] fields = line.trim().split("\\s+", 6); // address perms offset dev inode path
                if (fields.length == 6 && fields[5].contains(MARK)) {
                    found.add(fields[5]);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    /** The file of shared-memory object {@code name} ({@code "/x"} is {@code /dev/shm/x}). */
    static String shmFile(String name) {
        return "/dev/shm" + name;
    }

    /** Whether the file at {@code path} is mapped in this process now (even if unlinked meanwhile). */
    static boolean isMapped(String path) {
        for (String mapped : mappings()) {
            if (mapped.equals(path) || mapped.equals(path + " (deleted)")) {
                return true;
            }
        }
        return false;
    }
}
