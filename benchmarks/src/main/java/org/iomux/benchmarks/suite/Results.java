package org.iomux.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Predicate;

/**
 * Every figure of one suite run, in the order measured; written to {@code results.csv} as it grows,
 * so that a run cut short keeps what it measured. Thread-safe.
 */
public final class Results {
    private final List<Row> rows = new ArrayList<>();
    private final Path csv;

    /** Results appended to {@code csv} (created, with its header, if absent); {@code null}: in memory only. */
    public Results(Path csv) throws IOException {
        this.csv = csv;
        if (csv != null && !Files.exists(csv)) {
            Files.writeString(csv, Row.CSV_HEADER + "\n");
        }
    }

    /** Reads a {@code results.csv} written by an earlier run. */
    public static Results read(Path csv) throws IOException {
        Results r = new Results(null);
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                r.rows.add(Row.parseCsv(line));
            }
        }
        return r;
    }

    public synchronized void add(Row row) {
        rows.add(row);
        if (csv != null) {
            try {
                Files.writeString(csv, row.toCsv() + "\n", java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    public synchronized List<Row> select(Predicate<Row> which) {
        return rows.stream().filter(which).toList();
    }

    /** The first row of {@code section} with this subject, backend, params and metric. */
    public synchronized Optional<Row> find(String section, String subject, String backend, String params, String metric) {
        return rows.stream()
                .filter(r -> r.section().equals(section) && r.subject().equals(subject) && r.backend().equals(backend)
                        && r.params().equals(params) && r.metric().equals(metric))
                .findFirst();
    }

    public OptionalDouble value(String section, String subject, String backend, String params, String metric) {
        return find(section, subject, backend, params, metric).map(r -> OptionalDouble.of(r.value())).orElse(OptionalDouble.empty());
    }
}
