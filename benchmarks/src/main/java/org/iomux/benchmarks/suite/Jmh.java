package org.iomux.benchmarks.suite;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.Profiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a JMH benchmark class with the iteration counts of the suite's mode, keeping JMH's JSON in
 * the results folder ({@code jmh-<name>.json}).
 *
 * <p>Smoke: no fork, no warm-up, one 50 ms iteration. Quick: 1 fork, 2 x 300 ms warm-up, 3 x 300 ms
 * measured. Full: 2 forks, 3 x 1 s warm-up, 5 x 1 s measured. The suite's annotations on each
 * benchmark class are overridden by these, so that one switch sets the length of a run.
 */
public final class Jmh {
    private Jmh() {}

    /**
     * @param name     the file name stem of the JSON ({@code jmh-<name>.json})
     * @param include  a regular expression over benchmark names, as JMH takes it
     * @param params   JMH parameters to override ({@code name -> values})
     * @param profiler a JMH profiler to add, or {@code null}
     */
    public static Collection<RunResult> run(Settings settings, String name, String include, Map<String, String[]> params,
            Class<? extends Profiler> profiler) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(include)
                .shouldFailOnError(true)
                .forks(settings.pick(0, 1, 2))
                .warmupIterations(settings.pick(0, 2, 3))
                .warmupTime(settings.pick(TimeValue.milliseconds(1), TimeValue.milliseconds(300), TimeValue.seconds(1)))
                .measurementIterations(settings.pick(1, 3, 5))
                .measurementTime(settings.pick(TimeValue.milliseconds(50), TimeValue.milliseconds(300), TimeValue.seconds(1)))
                .timeUnit(TimeUnit.NANOSECONDS)
                .jvmArgsAppend("-Xms512m", "-Xmx512m")
                .result(settings.out().resolve("jmh-" + name + ".json").toString())
                .resultFormat(ResultFormatType.JSON);
        for (Map.Entry<String, String[]> p : params.entrySet()) {
            o.param(p.getKey(), p.getValue());
        }
        if (profiler != null) {
            o.addProfiler(profiler);
        }
        return new Runner(o.build()).run();
    }

    /** The benchmark method's simple name ({@code epollWait} of {@code org.x.Y.epollWait}). */
    public static String method(RunResult r) {
        String label = r.getParams().getBenchmark();
        return label.substring(label.lastIndexOf('.') + 1);
    }

    /** A JMH parameter of the run. */
    public static String param(RunResult r, String key) {
        return r.getParams().getParam(key);
    }

    /** The primary result as a row ({@code error}: the 99.9% half-width, NaN with one iteration). */
    public static Row row(String section, String subject, String backend, String params, String metric, RunResult r) {
        Result<?> p = r.getPrimaryResult();
        return new Row(section, subject, backend, params, metric, p.getScore(), p.getScoreError(), p.getScoreUnit());
    }

    /** A secondary result (a profiler's, such as {@code gc.alloc.rate.norm}), or {@code null}. */
    public static Result<?> secondary(RunResult r, String label) {
        return r.getSecondaryResults().get(label);
    }

    /**
     * The median over the measured iterations (of every fork) of a secondary result, or NaN:
     * unlike JMH's mean, untouched by one iteration that also ran a trial's setup or teardown.
     */
    public static double iterationMedian(RunResult r, String label) {
        List<Double> values = new ArrayList<>();
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            for (IterationResult i : b.getIterationResults()) {
                Result<?> v = i.getSecondaryResults().get(label);
                if (v != null) {
                    values.add(v.getScore());
                }
            }
        }
        if (values.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(values);
        int m = values.size() / 2;
        return values.size() % 2 == 1 ? values.get(m) : (values.get(m - 1) + values.get(m)) / 2;
    }
}
