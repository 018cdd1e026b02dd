package org.iomux.benchmarks.suite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/**
 * Binding overhead: ns per call of {@code epoll_wait} (timeout 0, empty set) and of a no-op native
 * call, for each backend (JMH, {@code BindingOverhead}), against the same calls from C in a loop,
 * in a single-threaded process and in one with an extra idle thread ({@code binding_floor}). A JVM
 * is multi-threaded, and the kernel's system calls are cheaper for a single-threaded process, so
 * the ratios are taken against C with 2 threads. The JNI layer makes epoll_wait, read and write
 * through syscall(2), skipping glibc's cancellation-point bookkeeping (which a multi-threaded
 * process pays for): C's figures through syscall(2) are there too ({@code binding_floor *_raw}),
 * so that jni can be compared like for like as well as with what a C program calls.
 *
 * <p>Then the cost of a read and a write by way of passing the memory ({@code DescriptorIo}: a direct
 * {@code ByteBuffer}, whose address a backend must look up on every call, or a {@code NativeBuffer}
 * range, through the typed API; and the backend alone with an address), against the same pair from
 * C ({@code binding_floor rw}); and the reference count that every call on a handle holds
 * ({@code HandleLifetime}).
 */
public final class BindingPart implements Part {
    static final String[] BACKENDS = {"jni", "jnr", "jna"};
    /** JMH method, C program argument, label. */
    private static final String[][] CALLS = {
        {"epollWait", "epoll_wait", "epoll_wait(0), typed API"},
        {"epollWaitBackend", null, "epoll_wait(0), backend only"},
        {"noop", "noop", "no-op call (SIGRTMIN)"},
    };
    /** DescriptorIo's methods: one write and one read of 64 bytes, both EAGAIN at once. */
    private static final String[][] IO = {
        {"byteBuffer", "typed API, direct ByteBuffer"},
        {"nativeBuffer", "typed API, NativeBuffer range"},
        {"backendBuffer", "backend only, direct ByteBuffer"},
        {"backendAddress", "backend only, address"},
    };

    @Override
    public String name() {
        return "binding";
    }

    @Override
    public void run(Settings s, Results results) throws Exception {
        for (String[] call : CALLS) {
            if (call[1] != null) {
                floor(s, results, call[0], call[1], call[1].equals("noop") ? 50_000_000L : 2_000_000L,
                        call[1].equals("noop") ? 200_000_000L : 10_000_000L);
            }
        }
        floor(s, results, "epollWait-raw", "epoll_wait_raw", 2_000_000L, 10_000_000L);
        floor(s, results, "rw", "rw", 1_000_000L, 4_000_000L);
        floor(s, results, "rw-raw", "rw_raw", 1_000_000L, 4_000_000L);
        for (RunResult r : Jmh.run(s, "binding", "\\.BindingOverhead\\.", Map.of("backend", BACKENDS), null)) {
            results.add(Jmh.row(name(), Jmh.method(r), Jmh.param(r, "backend"), "java", "time", r));
        }
        for (RunResult r : Jmh.run(s, "binding-io", "\\.DescriptorIo\\.", Map.of("backend", BACKENDS), null)) {
            results.add(Jmh.row(name(), "rw-" + Jmh.method(r), Jmh.param(r, "backend"), "java", "time", r));
        }
        for (RunResult r : Jmh.run(s, "binding-lifetime", "\\.HandleLifetime\\.", Map.of(), null)) {
            results.add(Jmh.row(name(), "lifetime-" + Jmh.method(r), Row.NO_BACKEND, "java", "time", r));
        }
    }

    /** {@code binding_floor CALL THREADS} for 1 and 2 threads: rows {@code subject}, "C N thread(s)". */
    private void floor(Settings s, Results results, String subject, String call, long quickCalls, long fullCalls)
            throws Exception {
        for (String threads : new String[] {"1", "2"}) {
            long calls = s.pick(1_000L, quickCalls, fullCalls);
            String out = Processes.output(List.of(s.cProgram("binding_floor").toString(), call, threads,
                    Long.toString(calls)), Duration.ofMinutes(5));
            double mean = Double.parseDouble(out.trim().split("\\s+")[0]);
            results.add(Row.of(name(), subject, Row.NO_BACKEND, "C " + threads + " thread" + (threads.equals("1") ? "" : "s"),
                    "time", mean, "ns/op"));
        }
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        report.heading("Binding overhead");
        report.paragraph("ns per call (lower is better); the ratio is to the same call made from C (through glibc, "
                + "as a C program makes it) in a process with 2 threads, since a JVM always has several. Targets: "
                + "`jni` epoll_wait within 1.10x, `jnr` within 1.30x. In a multi-threaded process glibc's "
                + "epoll_wait, read and write are cancellation points, with bookkeeping around the system call; "
                + "iomux's JNI layer skips it by calling syscall(2) (no JVM thread is ever cancelled), so the last "
                + "column compares jni with C making that same raw call.");
        List<String> header = new ArrayList<>(List.of("call", "C, 1 thread", "C, 2 threads", "C syscall(2), 2 threads"));
        for (String b : BACKENDS) {
            header.add(b);
        }
        for (String b : BACKENDS) {
            header.add(b + " / C");
        }
        header.add("jni / C syscall(2)");
        List<List<String>> rows = new ArrayList<>();
        List<Svg.Bar> bars = new ArrayList<>();
        for (String[] call : CALLS) {
            String cKey = call[1] == null ? "epollWait" : call[0];
            double c1 = results.value(name(), cKey, Row.NO_BACKEND, "C 1 thread", "time").orElse(Double.NaN);
            double c2 = results.value(name(), cKey, Row.NO_BACKEND, "C 2 threads", "time").orElse(Double.NaN);
            boolean syscall = cKey.equals("epollWait"); // the no-op call makes none
            double raw = results.value(name(), cKey + "-raw", Row.NO_BACKEND, "C 2 threads", "time").orElse(Double.NaN);
            List<String> row = new ArrayList<>(List.of(call[2], Report.fmt(c1), Report.fmt(c2),
                    syscall ? Report.fmt(raw) : "–"));
            List<String> ratios = new ArrayList<>();
            if (call[1] != null) {
                bars.add(new Svg.Bar(call[2] + ", C 2 threads", c2, ""));
            }
            for (String b : BACKENDS) {
                double v = results.value(name(), call[0], b, "java", "time").orElse(Double.NaN);
                row.add(Report.fmt(v));
                ratios.add(Report.ratio(v / c2));
                bars.add(new Svg.Bar(call[2] + ", " + b, v, Report.ratio(v / c2)));
            }
            row.addAll(ratios);
            row.add(syscall ? Report.ratio(results.value(name(), call[0], "jni", "java", "time").orElse(Double.NaN) / raw)
                    : "–");
            rows.add(row);
        }
        report.table(header, rows);
        report.chart("binding.svg", "binding overhead", Svg.barChart("Binding overhead: ns per call (ratio to C, 2 threads)", "ns", bars));

        report.paragraph("A write and a read of 64 bytes (a full and an empty non-blocking pipe: both EAGAIN at once, "
                + "so the system calls are as short as they get), ns per pair, by way of passing the memory "
                + "(`DescriptorIo`); C makes the same pair with glibc's read and write, and through syscall(2). A direct `ByteBuffer`'s address "
                + "is looked up on every call; a `NativeBuffer`'s is known. The typed API also holds a reference on "
                + "the descriptor for each call: one retain and one release cost "
                + Report.fmt(results.value(name(), "lifetime-mapped", Row.NO_BACKEND, "java", "time").orElse(Double.NaN)
                        - results.value(name(), "lifetime-owned", Row.NO_BACKEND, "java", "time").orElse(Double.NaN))
                + " ns (`HandleLifetime`: a read from a mapping's view, which holds the mapping's reference, less one "
                + "from an owned buffer).");
        double c1 = results.value(name(), "rw", Row.NO_BACKEND, "C 1 thread", "time").orElse(Double.NaN);
        double c2 = results.value(name(), "rw", Row.NO_BACKEND, "C 2 threads", "time").orElse(Double.NaN);
        double raw = results.value(name(), "rw-raw", Row.NO_BACKEND, "C 2 threads", "time").orElse(Double.NaN);
        List<List<String>> io = new ArrayList<>();
        for (String[] m : IO) {
            List<String> row = new ArrayList<>(List.of(m[1], Report.fmt(c1), Report.fmt(c2), Report.fmt(raw)));
            List<String> ratios = new ArrayList<>();
            for (String b : BACKENDS) {
                double v = results.value(name(), "rw-" + m[0], b, "java", "time").orElse(Double.NaN);
                row.add(Report.fmt(v));
                ratios.add(Report.ratio(v / c2));
            }
            row.addAll(ratios);
            row.add(Report.ratio(results.value(name(), "rw-" + m[0], "jni", "java", "time").orElse(Double.NaN) / raw));
            io.add(row);
        }
        List<String> ioHeader = new ArrayList<>(header);
        ioHeader.set(0, "write + read");
        report.table(ioHeader, io);
    }
}
