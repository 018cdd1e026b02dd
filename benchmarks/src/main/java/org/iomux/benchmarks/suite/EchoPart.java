package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Echo servers under one load: every example server, the C epoll server ({@code c/epoll_echo.c}),
 * a JDK Selector server and a Netty native-epoll server ({@code org.iomux.benchmarks.servers}), each
 * driven by {@code echo-load} (fixed-size messages, depth 1) at 1, 100 and 1,000 connections with
 * 64 B and 4 KiB messages; throughput, p99 latency, server CPU seconds and CPU per message, as a
 * ratio to the C server's. Then the seeds' comparison of server models: server CPU time for a fixed
 * workload (M messages over 10 connections).
 *
 * <p>How: each server runs pinned to CPU 0 and echo-load to CPU 1 (taskset), so that the server's
 * CPU time is its own and the two never share a core. A server is started, waited for (its
 * {@code listening on} line), warmed up (a JVM server gets one load run first, for the JIT), then
 * measured: its CPU time (user + system, over it and its worker processes, to the nanosecond) is read
 * before and after each echo-load run, and divided by the messages echoed in that run. The window is
 * echo-load's whole life, so it includes connecting and closing (for 1,000 connections, a thousand
 * accepts and closes) besides the messages; the server is otherwise idle.
 *
 * <p>The C server runs for the whole part, and every timed run of another server is paired with a run
 * of the C server under the same load just before it: each row carries that C figure
 * ({@code c_cpu_per_msg_us}), and its efficiency (C's CPU per message over the server's) compares two
 * runs a few seconds apart, whatever other work the machine (2 shared cores) was doing meanwhile. The
 * C server, iomux's epoll-echo (jni, level-triggered), the JDK and Netty are the reference
 * group: they run side by side (each load run on each in turn, C first), and the target load (100 x
 * 64 B) is run several rounds, of which the round with the median efficiency is reported (every round
 * is in results.csv, with {@code round=N} in its params).
 *
 * <p>An echo-load run that exits non-zero (a mismatch, an error, a timeout) is recorded with its
 * figures and its exit status and reported as invalid; a server that does not start is reported as
 * failed. Logs of every server are in {@code logs/} in the results folder.
 */
public final class EchoPart implements Part {
    static final String C = "c-epoll";
    static final String EPOLL = "epoll-echo";
    static final String JDK = "jdk-selector";
    static final String NETTY = "netty-epoll";
    static final Load TARGET = new Load(100, 64, 0);
    /** The seeds' model comparison ran 10 clients at a time against pools of 15. */
    static final int MODEL_CONNECTIONS = 10;
    static final int MODEL_POOL = 15;

    /** echo-load's {@code exit} metric when there was no run: the server failed to start or died. */
    static final int SERVER_FAILED = -1;
    /** ... when echo-load exited 0 but printed no summary line. */
    static final int NO_SUMMARY = -2;

    static final String[] METRICS = {"msgs_per_s", "mib_per_s", "p99_us", "cpu_s", "cpu_per_msg_us",
        "c_cpu_per_msg_us", "messages", "errors", "mismatches", "exit"};
    static final String[] UNITS = {"msgs/s", "MiB/s", "us", "s", "us", "us", "msgs", "count", "count", "status"};

    /**
     * The seeds' table (UNP's measurements, quoted in the seeds' lecture notes): process control CPU
     * seconds per model, the iterative server's CPU time subtracted. Another workload (a client
     * opening connections that each ask for 4,000 bytes), so only the order is comparable.
     */
    static final Map<String, String> SEEDS = Map.of(
            "iterative-echo", "0 (base case)",
            "thread-per-connection-echo", "0.99",
            "prethread-echo-each", "1.93",
            "prethread-echo-main", "2.05",
            "prefork-echo-nolock", "1.80",
            "prefork-echo-lock", "1.75",
            "prefork-echo-pass", "2.58");

    /**
     * A load: {@code connections} x fixed {@code size}-byte messages, depth 1; for the mode's duration,
     * or until {@code messages} messages in all when that is positive (a fixed workload).
     */
    record Load(int connections, int size, long messages) {
        String params() {
            return (messages > 0 ? "msgs=" + messages + " " : "") + "conns=" + connections + " size=" + size;
        }

        boolean fixed() {
            return messages > 0;
        }
    }

    /** A server to measure: its row subject and backend, whether it is a JVM (warm it up), its command for a port. */
    record Spec(String subject, String backend, boolean jvm, IntFunction<List<String>> command) {
        String label() {
            return label(subject, backend);
        }

        static String label(String subject, String backend) {
            return backend.equals(Row.NO_BACKEND) ? subject : subject + " (" + backend + ")";
        }
    }

    /** Servers started together (the C server, if there, first), and the loads each of them runs in turn. */
    record Group(List<Spec> servers, List<Load> loads) {}

    /**
     * One echo-load run against one server; {@code cReference}: the C server's CPU per message in the
     * run paired with this one (same load, same round), NaN if none.
     */
    record Measurement(int exit, long messages, double msgsPerS, double mibPerS, double p99Us, double cpuS,
            long errors, long mismatches, double cReference) {
        double cpuPerMsgUs() {
            return messages > 0 ? cpuS / messages * 1e6 : Double.NaN;
        }

        /** C's CPU per message over this server's: above 1, cheaper than C. */
        double efficiency() {
            return cReference / cpuPerMsgUs();
        }

        Measurement beside(double cCpuPerMsgUs) {
            return new Measurement(exit, messages, msgsPerS, mibPerS, p99Us, cpuS, errors, mismatches, cCpuPerMsgUs);
        }

        double[] values() {
            return new double[] {msgsPerS, mibPerS, p99Us, cpuS, cpuPerMsgUs(), cReference, messages, errors, mismatches,
                exit};
        }

        static Measurement failed(int exit) {
            return new Measurement(exit, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, Double.NaN);
        }
    }

    /** A server started for the part, on its port. */
    private record Running(Spec spec, Server server, int port) {}

    private static final Pattern SUMMARY = Pattern.compile("echo-load: .*: (\\d+) msgs in \\S+ s = (\\d+) msgs/s, "
            + "([0-9.]+) MiB/s, latency (?:p50 \\S+ \\S+ p99 (\\S+) (us|ms|s) max \\S+ \\S+|-), "
            + "mismatches (\\d+), errors (\\d+)");

    private int nextPort = 7400;

    @Override
    public String name() {
        return "echo";
    }

    // ---- measuring ------------------------------------------------------------------------------

    @Override
    public void run(Settings s, Results results) throws Exception {
        // the reference, up for the whole part: every other server's runs are paired with runs of it
        Running c = start(s, cServer(s));
        try {
            for (Group g : plan(s)) {
                runGroup(s, g, c, results);
            }
        } finally {
            if (c != null) {
                c.server().close();
            }
        }
    }

    /** What to run, by mode: smoke proves the harness; quick runs the comparison; full, everything. */
    List<Group> plan(Settings s) {
        long fixedMessages = s.pick(2_000L, 50_000L, 500_000L);
        Load fixed = new Load(MODEL_CONNECTIONS, 64, fixedMessages);
        if (s.smoke()) {
            return List.of(new Group(List.of(cServer(s), example(s, EPOLL, "epoll-echo", "jni")),
                    List.of(new Load(10, 64, 0), fixed)));
        }
        List<Load> matrix = new ArrayList<>();
        for (int connections : new int[] {1, 100, 1000}) {
            for (int size : new int[] {64, 4096}) {
                matrix.add(new Load(connections, size, 0));
            }
        }
        // the others run every load in full, the target load only in quick (the figure)
        List<Load> others = s.full() ? matrix : List.of(TARGET);
        int pool = others.stream().mapToInt(Load::connections).max().orElseThrow();
        // the blocking servers serve one connection per thread (or process): a pool as large as the load
        int workers = 4;
        String perWorker = Integer.toString((pool + workers - 1) / workers);

        List<Load> referenceLoads = new ArrayList<>(matrix);
        referenceLoads.add(fixed);
        List<Group> plan = new ArrayList<>();
        plan.add(new Group(List.of(cServer(s), example(s, EPOLL, "epoll-echo", "jni"),
                jvmServer(JDK, "SelectorEcho"), jvmServer(NETTY, "NettyEcho")), referenceLoads));
        for (Spec spec : List.of(
                example(s, "epoll-echo-edge", "epoll-echo", "jni", "--edge"),
                example(s, EPOLL, "epoll-echo", "jnr"),
                example(s, EPOLL, "epoll-echo", "jna"),
                example(s, "poll-echo", "poll-echo", "jni"),
                example(s, "select-echo", "select-echo", "jni"),
                example(s, "sigio-echo", "sigio-echo", "jni"),
                example(s, "prethread-echo-each", "prethread-echo", "jni", "--accept", "each", "--threads", "" + pool),
                example(s, "prethread-echo-main", "prethread-echo", "jni", "--accept", "main", "--threads", "" + pool),
                example(s, "prefork-echo-lock", "prefork-echo", "jni", "--accept", "lock", "--workers", "" + workers,
                        "--threads", perWorker),
                example(s, "prefork-echo-nolock", "prefork-echo", "jni", "--accept", "nolock", "--workers", "" + workers,
                        "--threads", perWorker),
                example(s, "prefork-echo-pass", "prefork-echo", "jni", "--accept", "pass", "--workers", "" + workers,
                        "--threads", perWorker))) {
            plan.add(new Group(List.of(spec), others));
        }
        List<Load> withFixed = new ArrayList<>(others);
        withFixed.add(fixed);
        plan.add(new Group(List.of(example(s, "thread-per-connection-echo", "thread-per-connection-echo", "jni")),
                withFixed));
        // an iterative server serves one client at a time: a load of one connection only (and the fixed
        // workload, whose 10 clients it serves in turn: echo-load closes each once it is done)
        List<Load> iterative = new ArrayList<>(others.stream().filter(l -> l.connections() == 1).toList());
        if (iterative.isEmpty()) {
            iterative.add(new Load(1, 64, 0));
        }
        iterative.add(fixed);
        plan.add(new Group(List.of(example(s, "iterative-echo", "iterative-echo", "jni")), iterative));
        // the fixed workload on the seeds' pools: 15 threads, 15 processes of one thread each
        String p = Integer.toString(MODEL_POOL);
        for (String accept : new String[] {"each", "main"}) {
            plan.add(new Group(List.of(example(s, "prethread-echo-" + accept, "prethread-echo", "jni", "--accept", accept,
                    "--threads", p)), List.of(fixed)));
        }
        for (String accept : new String[] {"lock", "nolock", "pass"}) {
            plan.add(new Group(List.of(example(s, "prefork-echo-" + accept, "prefork-echo", "jni", "--accept", accept,
                    "--workers", p, "--threads", "1")), List.of(fixed)));
        }
        return plan;
    }

    private static Spec cServer(Settings s) {
        String program = s.cProgram("epoll_echo").toString();
        return new Spec(C, Row.NO_BACKEND, false, port -> List.of(program, Integer.toString(port)));
    }

    private static Spec example(Settings s, String subject, String program, String backend, String... args) {
        return new Spec(subject, backend, true, port -> {
            List<String> c = new ArrayList<>(List.of(Settings.java(), "-jar", s.examplesJar().toString(), program,
                    "--port", Integer.toString(port), "--backend", backend));
            c.addAll(List.of(args));
            return c;
        });
    }

    private static Spec jvmServer(String subject, String mainClass) {
        return new Spec(subject, Row.NO_BACKEND, true, port -> List.of(Settings.java(), "-cp",
                System.getProperty("java.class.path"), "org.iomux.benchmarks.servers." + mainClass,
                Integer.toString(port)));
    }

    /** Starts a server on CPU 0 on the next free port; null (and a message) if it does not start. */
    private Running start(Settings s, Spec spec) throws IOException, InterruptedException {
        int port = Server.freePort(nextPort);
        nextPort = port + 1;
        Path log = s.out().resolve("logs").resolve("echo-" + fileName(spec.subject(), spec.backend(), port));
        try {
            Server server = Server.start(spec.label(), Processes.onCpu(0, spec.command().apply(port)), log,
                    Duration.ofSeconds(120));
            System.out.println("echo: " + spec.label() + " on port " + port);
            return new Running(spec, server, port);
        } catch (IOException e) {
            System.err.println("echo: " + e.getMessage());
            return null;
        }
    }

    private void runGroup(Settings s, Group g, Running c, Results results) throws Exception {
        Map<Spec, Running> running = new LinkedHashMap<>();
        try {
            for (Spec spec : g.servers()) {
                // the C server of a group is the part's own, already running
                running.put(spec, spec.subject().equals(C) ? c : start(s, spec));
            }
            // warm-up: the JIT compiles a JVM server's paths under the heaviest load it will run
            int warmConnections = g.loads().stream().filter(l -> !l.fixed()).mapToInt(Load::connections).max().orElse(1);
            for (Running r : running.values()) {
                if (r != null && r.spec().jvm()) {
                    Measurement m = measure(s, r, new Load(warmConnections, 64, 0), s.pick(0.2, 1.0, 3.0));
                    if (m.exit() != 0) {
                        System.err.println("echo: warm-up of " + r.spec().label() + " exited " + m.exit());
                    }
                }
            }
            boolean hasC = g.servers().get(0).subject().equals(C);
            double seconds = s.pick(0.5, 1.0, 5.0);
            for (Load load : g.loads()) {
                // rounds for the side-by-side group only: elsewhere each run has its paired C run already
                int rounds = g.servers().size() == 1 ? 1 : load.equals(TARGET) ? s.pick(1, 3, 5) : s.pick(1, 1, 2);
                Map<Spec, List<Measurement>> all = new LinkedHashMap<>();
                for (int round = 1; round <= rounds; round++) {
                    // C first: its run in this round is the reference of the others'; a group without C gets a
                    // C run of its own before each timed load (a fixed workload is compared with the C row's)
                    double reference = Double.NaN;
                    if (!hasC && !load.fixed()) {
                        Measurement cm = measure(s, c, load, seconds);
                        reference = cm.cpuPerMsgUs();
                        System.out.printf(Locale.ROOT, "echo: %-34s %-26s %s%n", "(paired) " + C, load.params(),
                                describe(cm.beside(reference)));
                    }
                    for (Spec spec : g.servers()) {
                        Measurement m = measure(s, running.get(spec), load, seconds);
                        if (spec.subject().equals(C)) {
                            reference = m.cpuPerMsgUs();
                        }
                        m = m.beside(reference);
                        all.computeIfAbsent(spec, k -> new ArrayList<>()).add(m);
                        if (rounds > 1) {
                            record(results, spec, load.params() + " round=" + round, m);
                        }
                        System.out.printf(Locale.ROOT, "echo: %-34s %-26s %s%n", spec.label(),
                                load.params() + (rounds > 1 ? " round " + round : ""), describe(m));
                    }
                }
                for (Map.Entry<Spec, List<Measurement>> e : all.entrySet()) {
                    record(results, e.getKey(), load.params(), median(e.getValue()));
                }
            }
        } finally {
            for (Running r : running.values()) {
                if (r != null && r != c) {
                    r.server().close();
                }
            }
        }
    }

    /** {@code subject[-backend]-port.log}: a server's log file, in {@code logs/}. */
    static String fileName(String subject, String backend, int port) {
        return subject + (backend.equals(Row.NO_BACKEND) ? "" : "-" + backend) + "-" + port + ".log";
    }

    private static String describe(Measurement m) {
        return String.format(Locale.ROOT, "%9.0f msgs/s  p99 %8.0f us  CPU %6.2f s  %6.2f us/msg  C %6.2f%s",
                m.msgsPerS(), m.p99Us(), m.cpuS(), m.cpuPerMsgUs(), m.cReference(),
                m.exit() == 0 ? "" : "  INVALID: " + status(m.exit(), m.errors(), m.mismatches()));
    }

    /**
     * The round with the median efficiency (the lower of two; C's own rounds, all 1, by CPU per message);
     * an invalid round wins, so that it is seen.
     */
    static Measurement median(List<Measurement> rounds) {
        for (Measurement m : rounds) {
            if (m.exit() != 0) {
                return m;
            }
        }
        List<Measurement> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble((Measurement m) -> -m.efficiency())
                .thenComparingDouble(Measurement::cpuPerMsgUs));
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static void record(Results results, Spec spec, String params, Measurement m) {
        double[] v = m.values();
        for (int i = 0; i < METRICS.length; i++) {
            results.add(Row.of("echo", spec.subject(), spec.backend(), params, METRICS[i], v[i], UNITS[i]));
        }
    }

    /** Runs echo-load on CPU 1 against the server, reading the server's CPU time around it. */
    private static Measurement measure(Settings s, Running r, Load load, double seconds)
            throws IOException, InterruptedException {
        if (r == null || !r.server().isAlive()) {
            return Measurement.failed(SERVER_FAILED);
        }
        Server server = r.server();
        int port = r.port();
        List<String> command = new ArrayList<>(List.of(Settings.java(), "-jar", s.examplesJar().toString(), "echo-load",
                "--port", Integer.toString(port), "--backend", "jni", "--connections",
                Integer.toString(load.connections()), "--size", Integer.toString(load.size()), "--sizes", "fixed",
                "--depth", "1"));
        Duration timeout;
        if (load.fixed()) {
            Duration limit = Duration.ofSeconds(s.pick(60, 300, 900));
            command.addAll(List.of("--messages", Long.toString(load.messages()), "--duration",
                    Long.toString(limit.toSeconds())));
            timeout = limit.plusSeconds(60);
        } else {
            command.addAll(List.of("--duration", Double.toString(seconds)));
            timeout = Duration.ofSeconds((long) seconds + 60); // + connecting, draining (10 s each), the JVM
        }
        double before = server.cpuSeconds();
        Processes.Outcome o = Processes.run(Processes.onCpu(1, command), timeout);
        double cpu = server.cpuSeconds() - before;
        if (!server.isAlive()) {
            System.err.println("echo: " + server.name() + " died; see " + server.logFile());
        }
        Matcher m = SUMMARY.matcher(o.stdout());
        if (!m.find()) {
            System.err.println("echo: echo-load printed no summary (exit " + o.exit() + "): " + o.stdout().trim());
            return Measurement.failed(o.exit() == 0 ? NO_SUMMARY : o.exit());
        }
        long messages = Long.parseLong(m.group(1));
        double p99 = m.group(4) == null ? Double.NaN : Double.parseDouble(m.group(4)) * switch (m.group(5)) {
            case "us" -> 1;
            case "ms" -> 1e3;
            default -> 1e6;
        };
        return new Measurement(o.exit(), messages, Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                p99, cpu, Long.parseLong(m.group(7)), Long.parseLong(m.group(6)), Double.NaN);
    }

    // ---- reporting ------------------------------------------------------------------------------

    /** One measured row, read back: subject, backend, params and every metric (NaN if absent). */
    private record Cell(String subject, String backend, String params, Map<String, Double> v) {
        double get(String metric) {
            return v.getOrDefault(metric, Double.NaN);
        }

        String label() {
            return Spec.label(subject, backend);
        }

        boolean valid() {
            return get("exit") == 0;
        }

        String status() {
            return valid() ? "ok" : EchoPart.status((int) get("exit"), (long) get("errors"), (long) get("mismatches"));
        }
    }

    static String status(int exit, long errors, long mismatches) {
        return switch (exit) {
            case 0 -> "ok";
            case SERVER_FAILED -> "FAILED: the server did not start or died (see logs/)";
            case NO_SUMMARY -> "INVALID: echo-load printed no summary";
            case Processes.Outcome.TIMED_OUT -> "INVALID: echo-load timed out";
            default -> "INVALID: echo-load exit " + exit + " (" + errors + " errors, " + mismatches + " mismatches)";
        };
    }

    private List<Cell> cells(Results results) {
        Map<String, Cell> cells = new LinkedHashMap<>();
        for (Row r : results.select(r -> r.section().equals(name()) && !r.params().contains("round="))) {
            String key = r.subject() + "|" + r.backend() + "|" + r.params();
            cells.computeIfAbsent(key, k -> new Cell(r.subject(), r.backend(), r.params(), new LinkedHashMap<>()))
                    .v().put(r.metric(), r.value());
        }
        return new ArrayList<>(cells.values());
    }

    private static Cell find(List<Cell> cells, String subject, String backend, String params) {
        for (Cell c : cells) {
            if (c.subject().equals(subject) && c.backend().equals(backend) && c.params().equals(params)) {
                return c;
            }
        }
        return null;
    }

    /** C's CPU per message in the run paired with this one, or else the C row's of the same load. */
    private static double reference(List<Cell> cells, Cell cell) {
        double paired = cell.get("c_cpu_per_msg_us");
        if (!Double.isNaN(paired)) {
            return paired;
        }
        Cell c = find(cells, C, Row.NO_BACKEND, cell.params());
        return c == null ? Double.NaN : c.get("cpu_per_msg_us");
    }

    private static double efficiency(List<Cell> cells, Cell cell) {
        return cell == null ? Double.NaN : reference(cells, cell) / cell.get("cpu_per_msg_us");
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        List<Cell> cells = cells(results);
        report.heading("Echo servers");
        report.paragraph("Each server pinned to CPU 0, `echo-load` to CPU 1; fixed-size messages, depth 1 (one message "
                + "in flight per connection). CPU is the server's user + system time (over all its processes) for the "
                + "whole echo-load run, connecting and closing included, divided by the messages echoed. Every run of a "
                + "server is paired with a run of the C server under the same load just before it (\"C µs/msg\"); "
                + "efficiency = C's CPU per message / the server's, from the pair (above 1: cheaper than C). The C "
                + "server, epoll-echo (jni), the JDK and Netty run side by side, each load on each in turn; at "
                + TARGET.connections() + " x " + TARGET.size() + " B the round with the median efficiency of several "
                + "is shown (all rounds are in results.csv). Java servers run with the JVM's defaults (pinned to one "
                + "CPU, a JVM picks the Serial GC, and its JIT compiles on that CPU too); each is warmed up by one load "
                + "run first. On loopback the kernel's work for both ends of a connection is a large part of every "
                + "server's CPU; a server that the client cannot keep busy wakes more often per message.");
        reportTarget(results, cells, report);

        Set<String> timed = new LinkedHashSet<>();
        Set<String> fixed = new LinkedHashSet<>();
        for (Cell c : cells) {
            (c.params().startsWith("msgs=") ? fixed : timed).add(c.params());
        }
        List<List<String>> rows = new ArrayList<>();
        for (String params : timed) {
            for (Cell cell : cells) {
                if (cell.params().equals(params)) {
                    rows.add(List.of(cell.label(), params, Report.fmt(cell.get("msgs_per_s")),
                            Report.fmt(cell.get("mib_per_s")), Report.fmt(cell.get("p99_us")),
                            Report.fmt(cell.get("cpu_s")), Report.fmt(cell.get("cpu_per_msg_us")),
                            Report.fmt(reference(cells, cell)), Report.ratio(efficiency(cells, cell)), cell.status()));
                }
            }
        }
        report.table(List.of("server", "load", "msgs/s", "MiB/s", "p99 µs", "server CPU s", "CPU µs/msg", "C µs/msg",
                "efficiency (C/server)", "status"), rows);

        List<Svg.Bar> bars = new ArrayList<>();
        for (Cell cell : cells) {
            if (cell.params().equals(TARGET.params())) {
                bars.add(new Svg.Bar(cell.label(), cell.get("cpu_per_msg_us"),
                        (cell.valid() ? "" : "INVALID ") + "efficiency " + Report.ratio(efficiency(cells, cell))));
            }
        }
        if (!bars.isEmpty()) {
            report.chart("echo-cpu.svg", "server CPU per message at " + TARGET.params(),
                    Svg.barChart("Server CPU per message, " + TARGET.connections() + " connections x " + TARGET.size()
                            + " B messages (efficiency = C / server)", "µs", bars));
        }
        reportScaling(cells, timed, report);
        reportModels(cells, fixed, report);
    }

    private void reportTarget(Results results, List<Cell> cells, Report report) {
        String p = TARGET.params();
        Cell c = find(cells, C, Row.NO_BACKEND, p);
        Cell e = find(cells, EPOLL, "jni", p);
        Cell j = find(cells, JDK, Row.NO_BACKEND, p);
        Cell n = find(cells, NETTY, Row.NO_BACKEND, p);
        String goal = "**Target** (issue): epoll-echo (jni, level-triggered, one thread) at " + TARGET.connections()
                + " connections x " + TARGET.size() + " B spends at most 1/0.95 of the C server's CPU per message "
                + "(efficiency ≥ 0.95), and less than Netty's epoll transport (one event loop) and the JDK Selector "
                + "server.";
        if (c == null || e == null || j == null || n == null) {
            report.paragraph(goal + " Not measured in this run.");
            return;
        }
        // "less than" compares efficiencies: each server against the C run of its own round
        double ee = efficiency(cells, e), je = efficiency(cells, j), ne = efficiency(cells, n);
        List<String> missed = new ArrayList<>();
        if (!(c.valid() && e.valid() && j.valid() && n.valid())) {
            missed.add("a run was invalid");
        }
        if (!(ee >= 0.95)) {
            missed.add("efficiency below 0.95");
        }
        if (!(ee > je)) {
            missed.add("not below the JDK");
        }
        if (!(ee > ne)) {
            missed.add("not below Netty");
        }
        StringBuilder rounds = new StringBuilder();
        for (Cell cell : List.of(c, e, j, n)) {
            List<String> per = new ArrayList<>();
            for (Row r : results.select(r -> r.section().equals(name()) && r.subject().equals(cell.subject())
                    && r.backend().equals(cell.backend()) && r.params().startsWith(p + " round=")
                    && r.metric().equals("cpu_per_msg_us"))) {
                per.add(Report.fmt(r.value()));
            }
            if (!per.isEmpty()) {
                rounds.append(rounds.length() == 0 ? "" : "; ").append(cell.label()).append(' ')
                        .append(String.join(", ", per));
            }
        }
        report.paragraph(goal + " This run (CPU µs per message, efficiency): C " + Report.fmt(c.get("cpu_per_msg_us"))
                + "; epoll-echo " + Report.fmt(e.get("cpu_per_msg_us")) + ", " + Report.ratio(ee) + "; JDK "
                + Report.fmt(j.get("cpu_per_msg_us")) + ", " + Report.ratio(je) + "; Netty "
                + Report.fmt(n.get("cpu_per_msg_us")) + ", " + Report.ratio(ne) + ": **"
                + (missed.isEmpty() ? "met" : "not met") + "**"
                + (missed.isEmpty() ? "" : " (" + String.join("; ", missed) + ")") + "."
                + (rounds.length() == 0 ? "" : " Every round, CPU µs/msg: " + rounds + "."));
    }

    /** CPU per message against connections, for the servers that ran more than one connection count. */
    private static void reportScaling(List<Cell> cells, Set<String> timed, Report report) throws IOException {
        Pattern p = Pattern.compile("conns=(\\d+) size=(\\d+)");
        Map<String, Map<Integer, Double>> series = new LinkedHashMap<>();
        for (Cell cell : cells) {
            Matcher m = p.matcher(cell.params());
            if (timed.contains(cell.params()) && m.matches()) {
                series.computeIfAbsent(cell.label() + ", " + m.group(2) + " B", k -> new LinkedHashMap<>())
                        .put(Integer.parseInt(m.group(1)), cell.get("cpu_per_msg_us"));
            }
        }
        List<Svg.Series> lines = new ArrayList<>();
        for (Map.Entry<String, Map<Integer, Double>> e : series.entrySet()) {
            if (e.getValue().size() > 1) {
                List<Integer> xs = e.getValue().keySet().stream().sorted().toList();
                lines.add(new Svg.Series(e.getKey(), xs.stream().mapToDouble(Integer::doubleValue).toArray(),
                        xs.stream().mapToDouble(x -> e.getValue().get(x)).toArray()));
            }
        }
        if (!lines.isEmpty()) {
            report.chart("echo-scaling.svg", "server CPU per message against connections", Svg.lineChart(
                    "Server CPU per message against connections", "connections", "CPU µs per message", true, true,
                    lines));
        }
    }

    /** The seeds' comparison of server models: server CPU for a fixed workload. */
    private void reportModels(List<Cell> cells, Set<String> fixed, Report report) {
        for (String params : fixed) {
            Matcher m = Pattern.compile("msgs=(\\d+) conns=(\\d+) size=(\\d+)").matcher(params);
            String workload = m.matches() ? m.group(1) + " messages of " + m.group(3) + " bytes over " + m.group(2)
                    + " connections held open, depth 1" : params;
            report.heading("Server models: CPU time for a fixed workload");
            report.paragraph("The seeds compare server designs by the server's CPU time for a fixed workload, UNP's "
                    + "table (10 clients at a time, pools of 15), `Model | Process control CPU time (secs)` with the "
                    + "iterative server's time subtracted: iterative 0 (base case), one fork per client 20.90, prefork "
                    + "with child calling accept 1.80, with a mutex around accept 1.75, parent passing the socket 2.58, "
                    + "thread per client 0.99, prethreaded with child calling accept 1.93, with main thread calling "
                    + "accept 2.05. Here: " + workload + "; prethread-echo runs " + MODEL_POOL + " threads, prefork-echo "
                    + MODEL_POOL + " worker JVMs of one thread each; server CPU seconds, and as a multiple of the C "
                    + "server's for the same workload. The connections stay open, so what differs is each model's cost "
                    + "per message (waking a thread or a process blocked on one connection, against one event loop that "
                    + "finds several ready at once), not the cost of creating a process or thread per connection, which "
                    + "UNP's short connections measured: the seeds' column is there for the order, not the figures. "
                    + "Nor is the iterative server a floor to subtract here: it serves the 10 clients one after another "
                    + "(echo-load closes each once it is done), so it sleeps and wakes for every message.");
            Cell c = find(cells, C, Row.NO_BACKEND, params);
            double cCpu = c == null ? Double.NaN : c.get("cpu_s");
            List<List<String>> rows = new ArrayList<>();
            for (Cell cell : cells) {
                if (cell.params().equals(params)) {
                    double cpu = cell.get("cpu_s");
                    rows.add(List.of(cell.label(), Report.fmt(cpu), Report.ratio(cpu / cCpu),
                            Report.fmt(cell.get("cpu_per_msg_us")), Report.fmt(cell.get("msgs_per_s")),
                            SEEDS.getOrDefault(cell.subject(), "–"), cell.status()));
                }
            }
            report.table(List.of("model", "server CPU s", "× C", "CPU µs/msg", "msgs/s", "seeds (UNP): control CPU s",
                    "status"), rows);
        }
    }
}
