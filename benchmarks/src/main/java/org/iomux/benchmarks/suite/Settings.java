package org.iomux.benchmarks.suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * How long and how much one suite run measures, and where things are.
 *
 * <ul>
 *   <li>{@link Mode#SMOKE}: every benchmark once, as briefly as it can run (the build's smoke test:
 *       it proves the benchmarks work, not what they measure);</li>
 *   <li>{@link Mode#QUICK}: the default, a few minutes on 2 cores, 1 JMH fork, short iterations;</li>
 *   <li>{@link Mode#FULL}: {@code --full}, longer iterations, 2 forks, every load.</li>
 * </ul>
 *
 * @param out         the results folder (created)
 * @param cPrograms   the C reference programs ({@code benchmarks/target/c})
 * @param examplesJar {@code examples/target/iomux-examples.jar}: the example servers and echo-load
 * @param parts       the parts to run (empty: all)
 */
public record Settings(Mode mode, Path out, Path cPrograms, Path examplesJar, Set<String> parts) {

    public enum Mode { SMOKE, QUICK, FULL }

    public boolean smoke() {
        return mode == Mode.SMOKE;
    }

    public boolean full() {
        return mode == Mode.FULL;
    }

    /** {@code quick} or {@code smoke} or {@code full}, for a value by mode. */
    public <T> T pick(T smoke, T quick, T full) {
        return switch (mode) {
            case SMOKE -> smoke;
            case QUICK -> quick;
            case FULL -> full;
        };
    }

    public boolean runs(String part) {
        return parts.isEmpty() || parts.contains(part);
    }

    /** A C reference program, checked to exist (built by this module's CMake step). */
    public Path cProgram(String name) {
        Path p = cPrograms.resolve(name);
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException(p + " is missing: build with `mvn -B verify` (CMake builds benchmarks/c)");
        }
        return p;
    }

    /** The java launcher of this JVM, for servers and clients started as processes. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
