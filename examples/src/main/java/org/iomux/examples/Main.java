package org.iomux.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code java -jar iomux-examples.jar <name> [args]}: runs the example called {@code name}. */
public final class Main {
    private interface Program {
        void run(String[] args) throws Exception;
    }

    private static final Map<String, Program> PROGRAMS = new LinkedHashMap<>();
    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        add("self-check", org.iomux.SelfCheck::main, "what loads on this machine (backends, kernel features, limits)");
        add("minimal-echo", MinimalEcho::main, "README's 20-line epoll loop: an echo server [port, default 7007]");
        add("minimal-sigio-echo", MinimalSignalEcho::main,
                "README's signal-driven I/O example: an echo server [port, default 7008]");
    }

    private Main() {}

    private static void add(String name, Program program, String help) {
        PROGRAMS.put(name, program);
        HELP.put(name, help);
    }

    public static void main(String[] args) throws Exception {
        Program program = args.length == 0 ? null : PROGRAMS.get(args[0]);
        if (program == null) {
            System.err.println("usage: java -jar iomux-examples.jar <name> [args]");
            HELP.forEach((name, help) -> System.err.printf("  %-14s %s%n", name, help));
            System.exit(args.length == 0 || args[0].equals("--help") ? 0 : 2);
            return;
        }
        program.run(Arrays.copyOfRange(args, 1, args.length));
    }
}
