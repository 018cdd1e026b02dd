package org.iomux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.iomux.jni.JniBackend;
import org.iomux.spi.Abi;
import org.iomux.spi.StructLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What must hold across backends, checked against what the C compiler says (the jni backend's
 * {@code describe()}): struct layouts, ABI constants, errno names; and backend selection and
 * native loading, in child JVMs. Runs once (in the jni surefire run), loading all three backends.
 */
@org.junit.jupiter.api.extension.ExtendWith(FdLeakCheck.class)
class CrossBackendTest {

    private static Map<String, Long> fromC() {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : JniBackend.describeNative().split("\n")) {
            int eq = line.indexOf('=');
            values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        return values;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jni", "jna", "jnr"})
    void layoutAgreesWithC(String name) {
        Backend backend = Backends.get(name);
        Map<String, Long> c = fromC();
        for (Map.Entry<String, Integer> e : backend.layout().asMap().entrySet()) {
            assertEquals(c.get(e.getKey()), (long) e.getValue(), name + ": " + e.getKey());
        }
        assertEquals(Backends.get("jni").layout(), backend.layout());
    }

    @Test
    void epollEventIsPackedOnX86_64() {
        StructLayout layout = Backends.get("jni").layout();
        if ("amd64".equals(System.getProperty("os.arch"))) {
            assertEquals(12, layout.epollEventSize);
            assertEquals(4, layout.epollEventData);
        } else if ("aarch64".equals(System.getProperty("os.arch"))) {
            assertEquals(16, layout.epollEventSize);
            assertEquals(8, layout.epollEventData);
        }
        assertEquals(8, layout.pollfdSize);
    }

    @Test
    void abiConstantsAgreeWithC() throws IllegalAccessException {
        Map<String, Long> c = fromC();
        int checked = 0;
        for (Field f : Abi.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            assertTrue(c.containsKey(f.getName()), "abi.c does not print " + f.getName());
            long java = f.getType() == long.class ? f.getLong(null) : f.getInt(null);
            assertEquals(c.get(f.getName()), java, f.getName());
            checked++;
        }
        assertTrue(checked > 90, "checked " + checked);
    }

    @Test
    void errnoTableAgreesWithTheCLibrary() {
        Map<String, Long> c = fromC();
        int checked = 0;
        for (Map.Entry<String, Long> e : c.entrySet()) {
            if (e.getKey().startsWith("errno.")) {
                int errno = e.getValue().intValue();
                if (errno <= Errno.max()) {
                    String name = e.getKey().substring("errno.".length());
                    assertEquals(name, Errno.name(errno), "errno " + errno);
                    checked++;
                }
            }
        }
        assertTrue(checked > 120, "checked " + checked);
        assertEquals("E999", Errno.name(999));
        assertEquals(17, Errno.number("EEXIST"));
    }

    @Test
    void backendRegistry() {
        assertEquals(System.getProperty(Backends.PROPERTY), Backends.defaultBackend().name());
        for (String name : Backends.NAMES) {
            assertEquals(name, Backends.get(name).name());
            assertNull(Backends.status().get(name), name + " should load here");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("ffm"));
        assertTrue(e.getMessage().contains("jni"), e.getMessage());
    }

    /**
     * The raw calls take native addresses and check nothing, so no public member of the typed API
     * may hand them out or take them: the handle has a name and nothing else, and the
     * implementations cannot be constructed from outside.
     */
    @Test
    void rawCallsAreNotReachableFromThePublicApi() throws Exception {
        Set<String> handleMethods = new TreeSet<>();
        for (Method m : Backend.class.getMethods()) {
            if (m.getDeclaringClass() == Backend.class) {
                handleMethods.add(m.getName());
            }
        }
        assertEquals(Set.of("equals", "hashCode", "name", "toString"), handleMethods);
        assertEquals(0, Backend.class.getConstructors().length);
        assertEquals(0, Backend.class.getFields().length);
        assertEquals(Backend.class, Backends.class.getMethod("get", String.class).getReturnType());
        assertEquals(Backend.class, Backends.class.getMethod("defaultBackend").getReturnType());

        Path classes = Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/iomux");
        List<String> leaks = new ArrayList<>();
        int checked = 0;
        try (var files = Files.list(classes)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".class")) {
                    continue;
                }
                Class<?> c = Class.forName("org.iomux." + name.substring(0, name.length() - 6), false,
                        CrossBackendTest.class.getClassLoader());
                if (!Modifier.isPublic(c.getModifiers())) {
                    continue;
                }
                for (Method m : c.getMethods()) {
                    List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
                    types.add(m.getReturnType());
                    if (types.stream().anyMatch(t -> t.getPackageName().equals("org.iomux.spi") && !t.isPrimitive()
                            && t != Abi.class && t != StructLayout.class)) {
                        leaks.add(m.toString());
                    }
                    checked++;
                }
                for (Field f : c.getFields()) {
                    if (f.getType().getPackageName().equals("org.iomux.spi")) {
                        leaks.add(f.toString());
                    }
                }
            }
        }
        assertEquals(List.of(), leaks, "public members of org.iomux that expose the raw SPI");
        assertTrue(checked > 300, "checked " + checked + " public methods");
        for (String impl : List.of("org.iomux.jni.JniBackend", "org.iomux.jna.JnaBackend", "org.iomux.jnr.JnrBackend")) {
            assertEquals(0, Class.forName(impl).getConstructors().length, impl + " has a public constructor");
        }
    }

    @Test
    void handlesOfDifferentBackendsInteroperate() throws Exception {
        try (Epoll epoll = Epoll.open(Backends.get("jnr")); EpollEvents events = EpollEvents.allocate(Backends.get("jna"), 2);
             Pipe pipe = Pipe.open(Backends.get("jni"), true)) {
            epoll.add(pipe.source(), Epoll.IN, 11);
            TestSupport.writeFully(pipe.sink(), TestSupport.bytes("x"));
            assertEquals(1, epoll.wait(events, 0));
            assertEquals(11, events.data(0));
        }
    }

    // ---- loading, in child JVMs ---------------------------------------------------------------

    private static String classPath() {
        return System.getProperty("java.class.path");
    }

    private static String withoutJar(String fragment) {
        List<String> kept = new ArrayList<>();
        for (String entry : classPath().split(File.pathSeparator)) {
            if (!entry.contains(fragment)) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }

    private static String run(String classPath, String... properties) throws Exception {
        return runMain(SelfCheck.class, classPath, properties);
    }

    private static String runMain(Class<?> main, String classPath, String... properties) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(classPath);
        for (String p : properties) {
            command.add("-D" + p);
        }
        command.add(main.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        // read to the end, then close: the pipe's descriptor must not outlive the test class
        // (FdLeakCheck), whenever the JDK's process reaper gets round to it
        String out;
        try (var in = process.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), main.getSimpleName() + " hung");
        return out + "\nexit=" + process.exitValue();
    }

    @Test
    void selfCheckReportsEveryBackend() throws Exception {
        String out = run(classPath());
        assertTrue(out.contains("jni  loads") && out.contains("jna  loads") && out.contains("jnr  loads"), out);
        assertTrue(out.contains("default: jni"), out);
        assertTrue(out.contains("RLIMIT_NOFILE") && out.contains("RLIMIT_SIGPENDING"), out);
        assertTrue(out.contains("epoll_pwait2") && out.contains("EPOLLEXCLUSIVE"), out);
        assertTrue(out.endsWith("exit=0"), out);
    }

    @Test
    void missingJniLibraryFallsBackToJnrWithOneClearMessage() throws Exception {
        String out = run(classPath(), "iomux.jni.library=/nonexistent/libiomux.so");
        assertTrue(out.contains("jni  UNAVAILABLE: UnsatisfiedLinkError: iomux.jni.library=/nonexistent/libiomux.so: no such file"), out);
        assertTrue(out.contains("default: jnr"), out);
        assertTrue(out.contains("usable: jnr, jna"), "the warning names what is still usable: " + out);
        assertTrue(out.endsWith("exit=0"), out);
    }

    @Test
    void fallingThroughToJnaSaysWhyJniAndJnrFailed() throws Exception {
        String out = run(withoutJar("/jnr-ffi-"), "iomux.jni.library=/nonexistent/libiomux.so");
        assertTrue(out.contains("default: jna"), out);
        assertTrue(out.contains("the jni backend is unavailable (UnsatisfiedLinkError: iomux.jni.library="
                + "/nonexistent/libiomux.so: no such file); the jnr backend is unavailable ("), "one warning: " + out);
        assertTrue(out.contains("jnr-ffi is not on the class path"), "with both reasons: " + out);
        assertTrue(out.contains("using jna; usable: jna"), out);
        assertTrue(out.endsWith("exit=0"), out);
    }

    /** -Diomux.jni.library: exactly that file is loaded, as it is (not copied, not deleted). */
    @Test
    void anExplicitLibraryPathIsLoadedAsIs(@TempDir Path dir) throws Exception {
        Path library = dir.resolve("installed/libiomux.so");
        Files.createDirectories(library.getParent());
        String resource = "/org/iomux/jni/linux-" + System.getProperty("os.arch") + "/libiomux.so";
        try (var in = CrossBackendTest.class.getResourceAsStream(resource)) {
            assertTrue(in != null, resource);
            Files.copy(in, library);
        }
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String out = runMain(LoadedLibrary.class, classPath(), "iomux.jni.library=" + library, "iomux.jni.tmpdir=" + tmp);
        assertTrue(out.contains("mapped " + library + " "), out);
        assertTrue(!out.contains("(deleted)"), "nothing was extracted: " + out);
        assertTrue(out.endsWith("exit=0"), out);
        try (var left = Files.list(tmp)) {
            assertEquals(0, left.count());
        }
        assertTrue(Files.exists(library), "an installed library is left where it is");
        // a relative path is taken from the working directory
        String relative = run(classPath(), "iomux.jni.library=" + Path.of("").toAbsolutePath().relativize(library));
        assertTrue(relative.contains("jni  loads") && relative.contains("default: jni"), relative);
    }

    /**
     * A temp directory mounted noexec: found among this machine's mounts (Docker mounts /dev/shm
     * so, for one), else skipped. The message is unit-tested in NativeLoaderTest either way.
     */
    @Test
    void aNoexecTempDirectoryIsExplained() throws Exception {
        Path noexec = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" "); // id parent dev root mountpoint options ...
            if (f.length > 5 && List.of(f[5].split(",")).containsAll(List.of("rw", "noexec"))) {
                Path mount = Path.of(f[4].replace("\\040", " "));
                if (Files.isDirectory(mount) && Files.isWritable(mount)) {
                    noexec = mount;
                    break;
                }
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(noexec != null, "no writable noexec mount on this machine");
        Path dir = Files.createTempDirectory(noexec, "iomux-noexec-");
        try {
            String out = run(classPath(), "iomux.jni.tmpdir=" + dir);
            assertTrue(out.contains("jni  UNAVAILABLE: UnsatisfiedLinkError: cannot load the native library extracted into "
                    + dir + ": "), out);
            assertTrue(out.contains("(the directory is probably mounted noexec); set -Diomux.jni.tmpdir"), out);
            assertTrue(out.contains("default: jnr"), out);
            assertTrue(!out.contains(dir + "/libiomux-"), "the extracted copy's name is not worth printing: " + out);
            try (var left = Files.list(dir)) {
                assertEquals(0, left.count(), "the copy is deleted even when it cannot load");
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void explicitlyChosenBackendThatCannotLoadIsAnError() throws Exception {
        String out = run(withoutJar("/jna-"), "iomux.backend=jna");
        assertTrue(out.contains("jna  UNAVAILABLE: ") && out.contains("not on the class path"), out);
        assertTrue(out.contains("default: NONE: iomux backend 'jna' is unavailable"), out);
        assertTrue(out.endsWith("exit=1"), out);
    }

    @Test
    void jnrAndJnaNeedNoCompiledCodeOfOurs() throws Exception {
        String out = run(classPath(), "iomux.jni.library=/nonexistent/libiomux.so", "iomux.backend=jna");
        assertTrue(out.contains("default: jna"), out);
        assertTrue(out.endsWith("exit=0"), out);
    }

    /**
     * The file the child JVM actually loaded: its name is gone from the directory, and its inode,
     * still mapped by the dynamic loader, is owner-only. {@link LoadedLibrary} stats it through
     * {@code /proc/self/map_files} (proc(5)), which reaches a mapped file even after unlink.
     */
    @Test
    void extractedLibraryIsPrivateAndRemoved(@TempDir Path dir) throws Exception {
        String out = runMain(LoadedLibrary.class, classPath(), "iomux.jni.tmpdir=" + dir);
        assertTrue(out.contains("mapped " + dir + "/libiomux-"), out);
        assertTrue(out.contains(".so (deleted) rwx------"), "extracted owner-only: " + out);
        assertTrue(out.endsWith("exit=0"), out);
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "the extracted copy is deleted once loaded");
        }
    }

    /** Child JVM: loads the jni backend, prints each mapped libiomux file and its permissions. */
    static final class LoadedLibrary {
        public static void main(String[] args) throws Exception {
            Backends.get("jni");
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] f = line.trim().split("\\s+", 6); // range perms offset dev inode path
                if (f.length == 6 && f[5].contains("libiomux")) {
                    Path mapped = Path.of("/proc/self/map_files", f[0]);
                    System.out.println("mapped " + f[5] + " "
                            + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(mapped)));
                }
            }
        }
    }

    @Test
    void unusableTempDirectoryIsExplained(@TempDir Path dir) throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        String out = run(classPath(), "iomux.jni.tmpdir=" + notADirectory);
        assertTrue(out.contains("cannot extract the native library into " + notADirectory), out);
        assertTrue(out.contains("default: jnr"), out);
    }
}
