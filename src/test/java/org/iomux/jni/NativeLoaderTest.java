package org.iomux.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The loader's messages, from the texts {@code System.load} gives (dlerror()'s, prefixed with the
 * path, which dlerror() prefixes too). The failures themselves are staged in child JVMs by
 * {@code CrossBackendTest}, where the machine allows it.
 */
class NativeLoaderTest {
    private static final Path COPY = Path.of("/tmp/x/libiomux-123.so");
    private static final Path DIR = Path.of("/tmp/x");

    @Test
    void aNoexecTempDirectoryIsNamedOnceWithWhatToDo() {
        String why = COPY + ": " + COPY + ": failed to map segment from shared object";
        assertEquals("cannot load the native library extracted into /tmp/x: failed to map segment from shared object"
                + " (the directory is probably mounted noexec); set -Diomux.jni.tmpdir to a directory that allows"
                + " execution, or -Diomux.jni.library to an installed libiomux.so", NativeLoader.explain(COPY, DIR, why));
    }

    @Test
    void aNoexecExplicitLibrarySaysSo() {
        Path lib = Path.of("/opt/lib/libiomux.so");
        String why = lib + ": " + lib + ": failed to map segment from shared object";
        assertEquals("cannot load iomux.jni.library=/opt/lib/libiomux.so: failed to map segment from shared object"
                + " (its file system is probably mounted noexec); install it where execution is allowed, or leave"
                + " -Diomux.jni.library unset to load the jar's copy", NativeLoader.explain(lib, null, why));
    }

    @Test
    void otherFailuresKeepTheLoadersReason() {
        String why = COPY + ": " + COPY + ": wrong ELF class: ELFCLASS32";
        assertEquals("cannot load the native library extracted into /tmp/x: wrong ELF class: ELFCLASS32",
                NativeLoader.explain(COPY, DIR, why));
    }
}
