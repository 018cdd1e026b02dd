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
        add("echo-load", EchoLoad::main, "load checker: C connections x depth K, verifies every echoed byte (--help)");
        add("epoll-echo", EpollEcho::main, "echo server on epoll: --edge, --threads N, --balance reuseport|exclusive");
        add("poll-echo", PollEcho::main, "echo server on poll(2), one thread");
        add("select-echo", SelectEcho::main, "echo server on select(2), one thread, sets beyond FD_SETSIZE");
        add("minimal-sigio-echo", MinimalSignalEcho::main,
                "README's signal-driven I/O example: an echo server [port, default 7008]");
        add("sigio-echo", SigioEcho::main, "echo server on signal-driven I/O: a real-time signal for the listener,"
                + " one for connections");
        add("iterative-echo", IterativeEcho::main, "echo server, one client at a time, blocking I/O (the baseline)");
        add("thread-per-connection-echo", ThreadPerConnectionEcho::main, "echo server, a new thread per connection,"
                + " blocking I/O");
        add("prethread-echo", PrethreadEcho::main, "echo server, a pool of --threads N, --accept each|main,"
                + " blocking I/O");
        add("prefork-echo", PreforkEcho::main, "echo server, --workers N JVMs, --accept lock|nolock|pass (SCM_RIGHTS,"
                + " a robust shared mutex)");
        add("prefork-worker", PreforkWorker::main, "(internal) a prefork-echo worker process");
        add("shared-counter", SharedCounter::main, "README's cross-process counter: N increments under a robust"
                + " shared mutex [N, NAME default /iomux-demo]; run several, with -Diomux.backend=...");
    }

    private Main() {}

    /** Whether a program called {@code name} exists. */
    static boolean has(String name) {
        return PROGRAMS.containsKey(name);
    }

    private static void add(String name, Program program, String help) {
        PROGRAMS.put(name, program);
        HELP.put(name, help);
    }

    public static void main(String[] args) throws Exception {
        Program program = args.length == 0 ? null : PROGRAMS.get(args[0]);
        if (program == null) {
            System.err.println("usage: java -jar iomux-examples.jar <name> [args]");
            HELP.forEach((name, help) -> System.err.printf("  %-28s %s%n", name, help));
            System.exit(args.length == 0 || args[0].equals("--help") ? 0 : 2);
            return;
        }
        program.run(Arrays.copyOfRange(args, 1, args.length));
    }
}
