package org.iomux.benchmarks.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * Allocation on the hot paths: JMH's GC profiler ({@code gc.alloc.rate.norm}, bytes per
 * operation) on the wait loops and the echo path ({@code HotPaths}), per backend. The target is 0.
 */
public final class AllocationPart implements Part {
    private static final String[][] PATHS = {
        {"epollWait", "epoll_wait loop"},
        {"pollWait", "poll loop"},
        {"selectWait", "select loop"},
        {"echo", "echo path (TCP, 64 B)"},
    };

    @Override
    public String name() {
        return "allocation";
    }

    @Override
    public void run(Settings s, Results results) throws Exception {
        for (RunResult r : Jmh.run(s, "allocation", "\\.HotPaths\\.", Map.of("backend", BindingPart.BACKENDS),
                GCProfiler.class)) {
            String backend = Jmh.param(r, "backend");
            results.add(Jmh.row(name(), Jmh.method(r), backend, "java", "time", r));
            Result<?> norm = Jmh.secondary(r, "gc.alloc.rate.norm");
            if (norm == null) {
                throw new IllegalStateException("JMH's GC profiler gave no gc.alloc.rate.norm for " + Jmh.method(r));
            }
            results.add(new Row(name(), Jmh.method(r), backend, "java", "alloc", norm.getScore(), norm.getScoreError(),
                    "B/op"));
        }
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        report.heading("Allocation on the hot paths");
        report.paragraph("Bytes allocated per operation (JMH `-prof gc`, `gc.alloc.rate.norm`), and ns per operation. "
                + "Target: 0 B/op. JMH's own bookkeeping can show as a fraction of a byte per operation.");
        List<String> header = new ArrayList<>(List.of("path"));
        for (String b : BindingPart.BACKENDS) {
            header.add(b + " B/op");
        }
        for (String b : BindingPart.BACKENDS) {
            header.add(b + " ns/op");
        }
        List<List<String>> rows = new ArrayList<>();
        for (String[] path : PATHS) {
            List<String> row = new ArrayList<>(List.of(path[1]));
            for (String metric : new String[] {"alloc", "time"}) {
                for (String b : BindingPart.BACKENDS) {
                    row.add(Report.fmt(results.value(name(), path[0], b, "java", metric).orElse(Double.NaN)));
                }
            }
            rows.add(row);
        }
        report.table(header, rows);
    }
}
