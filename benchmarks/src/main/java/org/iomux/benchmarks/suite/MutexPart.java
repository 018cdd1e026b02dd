package org.iomux.benchmarks.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/**
 * The process-shared mutex: lock, increment, unlock ({@code SharedMutexBench}), uncontended and
 * contended by a second process, per backend, against {@code ReentrantLock} and
 * {@code FileChannel.lock}.
 */
public final class MutexPart implements Part {
    private static final String[][] SUBJECTS = {
        {"sharedMutex", "SharedMutex", "true"},
        {"sharedMutexContended", "SharedMutex, contended by a 2nd process", "true"},
        {"reentrantLock", "ReentrantLock (one JVM only)", "false"},
        {"fileLock", "FileChannel.lock (one holder per process)", "false"},
        {"fileLockContended", "FileChannel.lock, contended by a 2nd process", "false"},
    };

    @Override
    public String name() {
        return "mutex";
    }

    @Override
    public void run(Settings s, Results results) throws Exception {
        for (RunResult r : Jmh.run(s, "mutex", "\\.SharedMutexBench\\.", Map.of("backend", BindingPart.BACKENDS), null)) {
            String backend = Jmh.param(r, "backend");
            results.add(Jmh.row(name(), Jmh.method(r), backend == null ? Row.NO_BACKEND : backend, "java", "time", r));
        }
    }

    @Override
    public void report(Results results, Report report) throws Exception {
        report.heading("Shared mutex");
        report.paragraph("ns per lock + increment + unlock (lower is better). Contended: a second JVM takes the same "
                + "lock in a loop on the other core. `ReentrantLock` cannot be shared between processes and "
                + "`FileChannel.lock` cannot be contended by two threads of one JVM; they are here for scale.");
        List<List<String>> rows = new ArrayList<>();
        List<Svg.Bar> bars = new ArrayList<>();
        for (String[] subject : SUBJECTS) {
            String[] backends = Boolean.parseBoolean(subject[2]) ? BindingPart.BACKENDS : new String[] {Row.NO_BACKEND};
            for (String b : backends) {
                double v = results.value(name(), subject[0], b, "java", "time").orElse(Double.NaN);
                String label = subject[1] + (b.equals(Row.NO_BACKEND) ? "" : ", " + b);
                rows.add(List.of(label, Report.fmt(v)));
                bars.add(new Svg.Bar(label, v, ""));
            }
        }
        report.table(List.of("lock", "ns/op"), rows);
        report.chart("mutex.svg", "mutex", Svg.barChart("Lock + increment + unlock: ns per operation", "ns", bars));
    }
}
