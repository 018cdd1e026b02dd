package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The Markdown report of a run ({@code results.md}) and its charts ({@code *.svg}), in the results
 * folder. Parts append sections, tables and charts in order.
 */
public final class Report {
    private final Path folder;
    private final StringBuilder md = new StringBuilder();

    public Report(Path folder) {
        this.folder = folder;
    }

    public Report heading(String text) {
        md.append("\n## ").append(text).append("\n\n");
        return this;
    }

    public Report paragraph(String text) {
        md.append(text).append("\n\n");
        return this;
    }

    /** A table; every row as long as the header. */
    public Report table(List<String> header, List<List<String>> rows) {
        md.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            md.append(i == 0 ? "---|" : "---:|");
        }
        md.append('\n');
        for (List<String> row : rows) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("row " + row + " does not match header " + header);
            }
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        md.append('\n');
        return this;
    }

    /** Writes {@code svg} as {@code file} in the results folder and links it from the report. */
    public Report chart(String file, String alt, String svg) throws IOException {
        Files.writeString(folder.resolve(file), svg);
        md.append("![").append(alt).append("](").append(file).append(")\n\n");
        return this;
    }

    public String markdown() {
        return md.toString();
    }

    /** A figure for a table cell: 3 significant digits, or "n/a" for NaN. */
    public static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : Svg.label(v);
    }

    /** A ratio for a table cell, e.g. "1.07x". */
    public static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2fx", v);
    }
}
