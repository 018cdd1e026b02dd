package org.iomux.benchmarks.suite;

/**
 * One section of the suite: it measures (adding {@link Row}s, all with its {@link #name()} as
 * section) and then reports what it measured as Markdown and charts.
 */
public interface Part {
    /** The section name: the {@code section} of its rows, and how {@code --only} names it. */
    String name();

    /** Measures, adding rows to {@code results} as it goes. */
    void run(Settings settings, Results results) throws Exception;

    /** Writes this part's tables (and charts, through {@code report.chart}) from {@code results}. */
    void report(Results results, Report report) throws Exception;
}
