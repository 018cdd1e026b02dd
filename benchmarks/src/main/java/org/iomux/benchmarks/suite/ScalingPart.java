package org.iomux.benchmarks.suite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.iomux.Backends;
import org.iomux.benchmarks.MultiplexerScaling;
import org.openjdk.jmh.results.RunResult;

/**
 * Multiplexer scaling, the method of TLPI's Table 63-9: ns and CPU time per operation of
 * {@code select}, {@code poll}, {@code epoll} and signal-driven I/O at N = 10 to 10,000 monitored
 * descriptors (Unix stream socket pairs, both ends monitored), through each backend ({@code MultiplexerScaling}, JMH) and in C ({@code mux_scaling}),
 * in one run; the growth from N = 10 to the largest N, and TLPI's own figures beside.
 *
 * <p>The C program runs twice per point: with an idle second thread (the floor for a JVM, which
 * always has threads: once a second thread shares the descriptor table, the kernel takes a file
 * reference for every descriptor a call looks up, and poll and select look up all of them), and
 * single-threaded, as TLPI's program was.
 */
public final class ScalingPart implements Part {
    /** TLPI's column order (poll, select, epoll), then signal-driven I/O. */
    static final String[] MECHANISMS = {"poll", "select", "epoll", "sigio"};
    /** C first ({@link Row#NO_BACKEND}), then the backends. */
    private static final String[] IMPLEMENTATIONS = {Row.NO_BACKEND, "jni", "jnr", "jna"};
    private static final int LARGEST_N = 10_000;
    /** The subject of the row saying N was capped below {@link #LARGEST_N} by RLIMIT_NOFILE. */
    private static final String CAPPED = "rlimit-capped";
    /** TLPI Table 63-9: CPU seconds per 100,000 operations at N = 10, 100, 1000, 10000; poll, select, epoll. */
    private static final int[] TLPI_N = {10, 100, 1_000, 10_000};
    private static final double[][] TLPI = {{0.61, 0.73, 0.41}, {2.9, 3.0, 0.42}, {35, 35, 0.53}, {990, 930, 0.66}};
    private static final String ONE_THREAD = " 1 thread";
    /** ns per operation to seconds per 100,000 operations, the table's unit. */
    private static final double PER_100K = 1e5 / 1e9;

    @Override
    public String name() {
        return "scaling";
    }

    @Override
    public void run(Settings s, Results results) throws Exception {
        int[] ns = s.smoke() ? new int[] {10, 100} : new int[] {10, 100, 1_000, largestN()};
        if (ns[ns.length - 1] > 1_000 && ns[ns.length - 1] < LARGEST_N) {
            results.add(Row.of(name(), CAPPED, Row.NO_BACKEND, "N", "largest_n", ns[ns.length - 1], "descriptors"));
        }
        long targetNanos = s.pick(0L, 300_000_000L, 2_000_000_000L);
        for (String mechanism : MECHANISMS) {
            for (int n : ns) {
                for (String threads : new String[] {"2", "1"}) {
                    long ops = Math.max(100, 100_000 / n);
                    if (!s.smoke()) { // that many first, to size the real run to the mode's duration
                        double estimate = c(s, mechanism, n, ops, threads)[0];
                        ops = Math.max(100, Math.min(100_000_000L, (long) (targetNanos / estimate)));
                    }
                    double[] c = c(s, mechanism, n, ops, threads);
                    String params = params(n) + (threads.equals("1") ? ONE_THREAD : "");
                    results.add(Row.of(name(), mechanism, Row.NO_BACKEND, params, "time", c[0], "ns/op"));
                    results.add(Row.of(name(), mechanism, Row.NO_BACKEND, params, "cpu_per_100k", c[1] * PER_100K,
                            "s"));
                }
            }
        }
        String[] jmhNs = Arrays.stream(ns).mapToObj(Integer::toString).toArray(String[]::new);
        Map<String, String[]> params = Map.of("backend", BindingPart.BACKENDS, "n", jmhNs);
        for (RunResult r : Jmh.run(s, "scaling", "\\.MultiplexerScaling\\.", params, ProcessCpu.class)) {
            // the method is "multiplexer", with the mechanism as a parameter, or "sigio"
            String mechanism = Jmh.method(r).equals("sigio") ? "sigio" : Jmh.param(r, "mechanism");
            String backend = Jmh.param(r, "backend");
            String n = params(Integer.parseInt(Jmh.param(r, "n")));
            results.add(Jmh.row(name(), mechanism, backend, n, "time", r));
            results.add(Row.of(name(), mechanism, backend, n, "cpu_per_100k",
                    Jmh.iterationMedian(r, ProcessCpu.LABEL) * PER_100K, "s"));
        }
    }

    /**
     * 10,000, or the largest multiple of 100 descriptors that fits under {@code RLIMIT_NOFILE}
     * where its hard limit is lower and cannot be raised (no {@code CAP_SYS_RESOURCE}). The limit
     * raised here is inherited by the C program and the benchmark forks.
     */
    private static int largestN() throws Exception {
        long reserved = MultiplexerScaling.RESERVED_DESCRIPTORS;
        long limit = MultiplexerScaling.descriptorLimit(Backends.defaultBackend(), LARGEST_N + reserved);
        return (int) Math.min(LARGEST_N, (limit - reserved) / 100 * 100);
    }

    /** Runs {@code mux_scaling}: {ns per operation, CPU ns per operation}. */
    private static double[] c(Settings s, String mechanism, int n, long ops, String threads) throws Exception {
        String out = Processes.output(List.of(s.cProgram("mux_scaling").toString(), mechanism, Integer.toString(n),
                Long.toString(ops), threads), Duration.ofMinutes(5));
        String[] f = out.trim().split("\\s+");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    private static String params(int n) {
        return "N=" + n;
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        List<Integer> ns = measuredNs(results);
        int first = ns.get(0);
        int last = ns.get(ns.size() - 1);
        int previous = ns.get(ns.size() - 2);
        report.heading("Multiplexer scaling (TLPI Table 63-9)");
        report.paragraph("N descriptors monitored: N/2 non-blocking Unix stream socket pairs, both ends of each "
                + "monitored (a pair is two descriptors and yields two monitored ones, so N = 10,000 fits a "
                + "20,000-descriptor RLIMIT_NOFILE; N pipes would need 2N descriptors). Each operation picks a random "
                + "descriptor, writes 1 byte to its partner (which makes only that descriptor readable), asks the "
                + "mechanism which descriptor is ready (one is: no call waits), finds it as a program "
                + "would, checks it, and reads the byte back (TLPI 63.4.5). select scans its result bitmap (about N "
                + "bits), poll its entries, epoll takes the event's data; sigio is "
                + "signal-driven I/O: a real-time signal per write, read from a signalfd; in Java through the "
                + "SignalIo dispatcher, the operations chained on its thread (" + MultiplexerScaling.CHAIN
                + " per hand-off from the benchmark thread). C: `benchmarks/c/mux_scaling.c`, with an idle second "
                + "thread, as a JVM always has threads (single-threaded figures below). Java: `MultiplexerScaling`.");
        report.paragraph("CPU time is the whole process's, user and system, divided by the operations: for C, "
                + "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) around the timed loop (the second thread only sleeps); for "
                + "Java, the same clock read by the suite's JMH profiler (`ProcessCpu`) around each measured "
                + "iteration and divided by JMH's count of its operations, median over iterations (JMH runs the "
                + "trial's teardown, closing the descriptors, inside the last). Java's includes the JVM's own threads (JIT, "
                + "GC), idle in steady state, and for sigio the dispatcher thread, which does the work. Time is wall "
                + "clock (JMH average time for Java).");
        if (results.find(name(), CAPPED, Row.NO_BACKEND, "N", "largest_n").isPresent()) {
            report.paragraph("The largest N is " + count(last) + ", not 10,000: 10,000 need "
                    + count(LARGEST_N + MultiplexerScaling.RESERVED_DESCRIPTORS)
                    + " descriptors, more than RLIMIT_NOFILE's hard limit on this machine, which only a process "
                    + "with CAP_SYS_RESOURCE may raise; the suite took the largest multiple of 100 that fits.");
        }

        report.paragraph("**CPU seconds per 100,000 operations** (Table 63-9's unit; C with 2 threads):");
        report.table(header("N"), grid(results, ns, "cpu_per_100k"));
        report.paragraph("**ns per operation** (wall clock; C with 2 threads):");
        report.table(header("N"), grid(results, ns, "time"));

        report.paragraph("**Growth, N=" + count(last) + " / N=" + first + "**, of ns and of CPU time per operation "
                + "(TLPI's: of CPU time, N=10,000 / N=10), and the slope d log(cost) / d log N between N="
                + count(previous) + " and N=" + count(last) + " (1 is linear). Targets: epoll within 1.50x in ns; poll and select roughly linear.");
        List<List<String>> growth = new ArrayList<>();
        for (String m : MECHANISMS) {
            for (String metric : new String[] {"time", "cpu_per_100k"}) {
                boolean cpu = metric.equals("cpu_per_100k");
                List<String> row = new ArrayList<>(List.of(m + (cpu ? ", CPU" : ", ns")));
                row.add(Report.ratio(growth(results, m, Row.NO_BACKEND, ONE_THREAD, metric, first, last)));
                for (String impl : IMPLEMENTATIONS) {
                    row.add(Report.ratio(growth(results, m, impl, "", metric, first, last)));
                }
                int t = List.of("poll", "select", "epoll").indexOf(m);
                row.add(t < 0 || !cpu ? "" : Report.ratio(TLPI[3][t] / TLPI[0][t]));
                for (String impl : new String[] {Row.NO_BACKEND, "jni"}) {
                    double slope = Math.log(growth(results, m, impl, "", metric, previous, last))
                            / Math.log((double) last / previous);
                    row.add(Double.isNaN(slope) ? "n/a" : String.format(Locale.ROOT, "%.2f", slope));
                }
                growth.add(row);
            }
        }
        report.table(List.of("mechanism", "C, 1 thread", "C", "jni", "jnr", "jna", "TLPI", "slope C", "slope jni"),
                growth);
        List<String> met = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        for (String impl : IMPLEMENTATIONS) {
            double g = growth(results, "epoll", impl, "", "time", first, last);
            (g <= 1.5 ? met : missed).add(label(impl) + " " + Report.ratio(g));
        }
        report.paragraph("epoll, ns per operation at N=" + count(last) + " within 1.50x of N=" + first + ": "
                + (met.isEmpty() ? "met by none" : "met by " + String.join(", ", met))
                + (missed.isEmpty() ? "" : "; missed by " + String.join(", ", missed))
                + ". Where C grows as much as Java, the growth is not the binding's: epoll's work per operation "
                + "does not depend on N, but each operation touches a random one of N sockets (its file, socket, peer and "
                + "queued buffer), and thousands of them do not stay in the caches.");

        report.paragraph("**C single-threaded** (as TLPI's program), against C with an idle second thread: "
                + "ns per operation.");
        List<String> cHeader = new ArrayList<>(List.of("N"));
        for (String m : MECHANISMS) {
            cHeader.add(m + " 1 thread");
            cHeader.add(m + " 2 threads");
        }
        List<List<String>> cRows = new ArrayList<>();
        for (int n : ns) {
            List<String> row = new ArrayList<>(List.of(count(n)));
            for (String m : MECHANISMS) {
                row.add(Report.fmt(value(results, m, Row.NO_BACKEND, ONE_THREAD, n, "time")));
                row.add(Report.fmt(value(results, m, Row.NO_BACKEND, "", n, "time")));
            }
            cRows.add(row);
        }
        report.table(cHeader, cRows);

        report.paragraph("**TLPI's Table 63-9** (CPU seconds per 100,000 operations; Linux 2.6.25, 2010 hardware), "
                + "for the shape: poll and select grow linearly with N, epoll hardly at all.");
        List<List<String>> tlpi = new ArrayList<>();
        for (int i = 0; i < TLPI_N.length; i++) {
            tlpi.add(List.of(count(TLPI_N[i]), Report.fmt(TLPI[i][0]), Report.fmt(TLPI[i][1]),
                    Report.fmt(TLPI[i][2])));
        }
        report.table(List.of("N", "poll", "select", "epoll"), tlpi);

        report.chart("scaling.svg", "multiplexer scaling, C and jni", Svg.lineChart(
                "Multiplexer scaling: ns per operation (C, jni)", "N (descriptors monitored)", "ns per operation",
                true, true, series(results, ns, new String[] {Row.NO_BACKEND, "jni"})));
        report.chart("scaling-backends.svg", "multiplexer scaling, every backend", Svg.lineChart(
                "Multiplexer scaling: ns per operation, every backend", "N (descriptors monitored)", "ns per operation",
                true, true, series(results, ns, IMPLEMENTATIONS)));
    }

    /** The N measured, ascending. */
    private List<Integer> measuredNs(Results results) {
        TreeSet<Integer> ns = new TreeSet<>();
        for (Row r : results.select(r -> r.section().equals(name()) && r.params().startsWith("N="))) {
            ns.add(Integer.parseInt(r.params().substring(2).split(" ")[0]));
        }
        return new ArrayList<>(ns);
    }

    private static List<String> header(String first) {
        List<String> h = new ArrayList<>(List.of(first));
        for (String m : MECHANISMS) {
            for (String impl : IMPLEMENTATIONS) {
                h.add(m + " " + label(impl));
            }
        }
        return h;
    }

    private List<List<String>> grid(Results results, List<Integer> ns, String metric) {
        List<List<String>> rows = new ArrayList<>();
        for (int n : ns) {
            List<String> row = new ArrayList<>(List.of(count(n)));
            for (String m : MECHANISMS) {
                for (String impl : IMPLEMENTATIONS) {
                    row.add(Report.fmt(results.value(name(), m, impl, params(n), metric).orElse(Double.NaN)));
                }
            }
            rows.add(row);
        }
        return rows;
    }

    private double value(Results results, String mechanism, String impl, String suffix, int n, String metric) {
        return results.value(name(), mechanism, impl, params(n) + suffix, metric).orElse(Double.NaN);
    }

    /** {@code metric} at N={@code to} over N={@code from}. */
    private double growth(Results results, String mechanism, String impl, String suffix, String metric, int from,
            int to) {
        return value(results, mechanism, impl, suffix, to, metric)
                / value(results, mechanism, impl, suffix, from, metric);
    }

    private List<Svg.Series> series(Results results, List<Integer> ns, String[] impls) {
        List<Svg.Series> series = new ArrayList<>();
        double[] x = ns.stream().mapToDouble(Integer::doubleValue).toArray();
        for (String impl : impls) {
            for (String m : MECHANISMS) {
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    y[i] = value(results, m, impl, "", ns.get(i), "time");
                }
                series.add(new Svg.Series(m + ", " + label(impl), x, y));
            }
        }
        return series;
    }

    /** {@code 10,000}. */
    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String label(String impl) {
        return impl.equals(Row.NO_BACKEND) ? "C" : impl;
    }
}
