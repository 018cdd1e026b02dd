package org.iomux.benchmarks.suite;

/**
 * One measured figure: what was measured ({@code section}, {@code subject}, {@code backend},
 * {@code params}), the figure ({@code metric}, {@code value} in {@code unit}), and its error (the
 * half-width of JMH's 99.9% confidence interval, or NaN where there is none).
 *
 * <p>Examples: {@code scaling, epoll, jni, N=1000, time, 512.3, 9.1, ns/op};
 * {@code echo, c-epoll, -, conns=100 size=64, cpu_per_msg, 6.7, NaN, us}.
 */
public record Row(String section, String subject, String backend, String params, String metric,
        double value, double error, String unit) {

    /** {@code "-"}: the backend of a subject that uses none (C, the JDK, Netty). */
    public static final String NO_BACKEND = "-";

    public Row {
        for (String field : new String[] {section, subject, backend, params, metric, unit}) {
            if (field == null || field.indexOf(',') >= 0 || field.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a row field is null or holds a comma or newline: " + field);
            }
        }
    }

    public static Row of(String section, String subject, String backend, String params, String metric,
            double value, String unit) {
        return new Row(section, subject, backend, params, metric, value, Double.NaN, unit);
    }

    static final String CSV_HEADER = "section,subject,backend,params,metric,value,error,unit";

    String toCsv() {
        return String.join(",", section, subject, backend, params, metric, number(value), number(error), unit);
    }

    static Row parseCsv(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 8) {
            throw new IllegalArgumentException("not a result row: " + line);
        }
        return new Row(f[0], f[1], f[2], f[3], f[4], parse(f[5]), parse(f[6]), f[7]);
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static double parse(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }
}
