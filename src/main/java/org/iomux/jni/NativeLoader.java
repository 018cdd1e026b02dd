package org.iomux.jni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Loads {@code libiomux.so} once per class loader.
 *
 * <p>Where from, in order:
 * <ol>
 *   <li>{@code -Diomux.jni.library=/path/to/libiomux.so}: exactly that file, nothing else is tried;</li>
 *   <li>the jar's {@code org/iomux/jni/linux-<os.arch>/libiomux.so}, copied to a new file with an
 *       unpredictable name and owner-only permissions ({@code rwx------}) in
 *       {@code -Diomux.jni.tmpdir} (default {@code java.io.tmpdir}), loaded, then deleted: once
 *       {@code dlopen} has mapped it, the name is no longer needed, so nothing is left behind even
 *       if the JVM is killed.</li>
 * </ol>
 * A failure throws {@link UnsatisfiedLinkError} whose message says why, including the common case
 * of a temp directory mounted {@code noexec} (the dynamic loader then cannot map the file).
 */
final class NativeLoader {
    static final String LIBRARY_PROPERTY = "iomux.jni.library";
    static final String TMPDIR_PROPERTY = "iomux.jni.tmpdir";

    private NativeLoader() {}

    static synchronized void load() {
        String explicit = System.getProperty(LIBRARY_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            Path path = Paths.get(explicit).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new UnsatisfiedLinkError(LIBRARY_PROPERTY + "=" + explicit + ": no such file");
            }
            loadFile(path, null);
            return;
        }
        String resource = "/org/iomux/jni/" + platform() + "/libiomux.so";
        Path dir = Paths.get(System.getProperty(TMPDIR_PROPERTY, System.getProperty("java.io.tmpdir")));
        Path copy = null;
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("this jar has no native library for " + platform()
                        + " (looked for " + resource + ")");
            }
            copy = Files.createTempFile(dir, "libiomux-", ".so",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // Into the file just created, never a new one: Files.copy(REPLACE_EXISTING) would
            // delete it and create another with mode 0666 & ~umask (rw-r--r-- as a rule), and
            // in between another user of a shared /tmp could take the name.
            try (OutputStream out = Files.newOutputStream(copy, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                in.transferTo(out);
            }
            loadFile(copy, dir);
        } catch (FileSystemException e) {
            throw linkError("cannot extract the native library into " + dir + " (" + e.getMessage()
                    + "); set -D" + TMPDIR_PROPERTY + " to a writable directory", e);
        } catch (IOException e) {
            throw linkError("cannot extract the native library into " + dir + ": " + e, e);
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // the library is loaded or not either way; a leftover 0700 file is harmless
                }
            }
        }
    }

    /** Loads {@code file}: a copy extracted into {@code extractedInto}, or (null) the explicit library. */
    private static void loadFile(Path file, Path extractedInto) {
        try {
            System.load(file.toString());
        } catch (UnsatisfiedLinkError e) {
            throw linkError(explain(file, extractedInto, String.valueOf(e.getMessage())), e);
        }
    }

    /**
     * Why {@code file} did not load, from {@code System.load}'s message {@code why}, in one sentence
     * that names the path once and says what to do.
     */
    static String explain(Path file, Path extractedInto, String why) {
        // System.load's message is dlerror()'s, prefixed with the path, which dlerror() itself
        // prefixes too: "<file>: <file>: failed to map segment from shared object". Once will do,
        // and an extracted copy's random name (deleted already) helps nobody.
        String reason = why.replace(file + ": ", "").trim();
        String what = extractedInto != null ? "cannot load the native library extracted into " + extractedInto
                : "cannot load " + LIBRARY_PROPERTY + "=" + file;
        // mmap(PROT_EXEC) of a file on a noexec mount fails with EPERM (mmap(2)); glibc's loader
        // reports it as "failed to map segment", or with strerror(EPERM) on some versions
        if (!reason.contains("failed to map segment") && !reason.contains("Operation not permitted")) {
            return what + ": " + reason;
        }
        return extractedInto != null
                ? what + ": " + reason + " (the directory is probably mounted noexec); set -D" + TMPDIR_PROPERTY
                        + " to a directory that allows execution, or -D" + LIBRARY_PROPERTY + " to an installed libiomux.so"
                : what + ": " + reason + " (its file system is probably mounted noexec); install it where execution"
                        + " is allowed, or leave -D" + LIBRARY_PROPERTY + " unset to load the jar's copy";
    }

    /** {@code linux-amd64}, {@code linux-aarch64}: the folder the build puts the library in. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return (os.startsWith("linux") ? "linux" : os.replace(' ', '_')) + "-" + System.getProperty("os.arch");
    }

    private static UnsatisfiedLinkError linkError(String message, Throwable cause) {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(message);
        error.initCause(cause);
        return error;
    }
}
