package org.iomux.benchmarks.suite;

import java.util.List;
import java.util.Locale;

/**
 * Two kinds of chart, as standalone SVG (no dependency, readable on GitHub and in any browser): a
 * line chart with optional log axes, and a horizontal bar chart.
 */
public final class Svg {
    private Svg() {}

    /** A line of a line chart: points {@code (x[i], y[i])}; NaN values are skipped. */
    public record Series(String name, double[] x, double[] y) {}

    /** A bar: its label, value, and an optional note drawn after the value (e.g. a ratio). */
    public record Bar(String label, double value, String note) {}

    private static final String[] COLOURS = {
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
        "#17becf", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d"
    };
    private static final int W = 860;
    private static final int H = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 230;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    public static String lineChart(String title, String xLabel, String yLabel, boolean logX, boolean logY,
            List<Series> series) {
        double xMin = Double.MAX_VALUE, xMax = -Double.MAX_VALUE, yMin = Double.MAX_VALUE, yMax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isNaN(s.y()[i]) || (logY && s.y()[i] <= 0)) {
                    continue;
                }
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMin = Math.min(yMin, s.y()[i]);
                yMax = Math.max(yMax, s.y()[i]);
            }
        }
        if (xMin > xMax) {
            xMin = 1;
            xMax = 10;
            yMin = 1;
            yMax = 10;
        }
        Axis x = new Axis(xMin, xMax, logX, LEFT, W - RIGHT);
        Axis y = new Axis(yMin, yMax, logY, H - BOTTOM, TOP);
        StringBuilder b = header(title);
        b.append(frame());
        for (double t : x.ticks()) {
            double px = x.at(t);
            b.append(line(px, TOP, px, H - BOTTOM, "#eee"));
            b.append(text(px, H - BOTTOM + 18, "middle", 12, label(t)));
        }
        for (double t : y.ticks()) {
            double py = y.at(t);
            b.append(line(LEFT, py, W - RIGHT, py, "#eee"));
            b.append(text(LEFT - 6, py + 4, "end", 12, label(t)));
        }
        b.append(text((LEFT + W - RIGHT) / 2.0, H - 15, "middle", 13, xLabel));
        b.append(String.format(Locale.ROOT,
                "<text x='16' y='%.1f' font-size='13' text-anchor='middle' transform='rotate(-90 16 %.1f)'>%s</text>%n",
                (TOP + H - BOTTOM) / 2.0, (TOP + H - BOTTOM) / 2.0, esc(yLabel)));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[k % COLOURS.length];
            String dash = k >= COLOURS.length ? " stroke-dasharray='5,3'" : "";
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isNaN(s.y()[i]) || (logY && s.y()[i] <= 0)) {
                    continue;
                }
                double px = x.at(s.x()[i]), py = y.at(s.y()[i]);
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                b.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>%n", px, py, colour));
            }
            if (path.length() > 0) {
                b.append(String.format(Locale.ROOT, "<path d='%s' fill='none' stroke='%s' stroke-width='2'%s/>%n",
                        path, colour, dash));
            }
            double ly = TOP + 10 + k * 18;
            b.append(line(W - RIGHT + 12, ly, W - RIGHT + 36, ly, colour).replace("stroke-width='1'", "stroke-width='3'"));
            b.append(text(W - RIGHT + 42, ly + 4, "start", 12, s.name()));
        }
        return b.append("</svg>\n").toString();
    }

    public static String barChart(String title, String unit, List<Bar> bars) {
        int rowH = 22;
        int height = TOP + BOTTOM / 2 + rowH * Math.max(1, bars.size());
        int labelW = 260;
        int plotW = W - labelW - 150;
        double max = bars.stream().mapToDouble(Bar::value).filter(v -> !Double.isNaN(v)).max().orElse(1);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif'>%n"
                        + "<rect width='100%%' height='100%%' fill='white'/>%n", W, height));
        b.append(text(W / 2.0, 22, "middle", 15, title));
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            double y = TOP + i * rowH;
            double w = Double.isNaN(bar.value()) ? 0 : plotW * bar.value() / max;
            b.append(text(labelW - 8, y + 15, "end", 12, bar.label()));
            b.append(String.format(Locale.ROOT, "<rect x='%d' y='%.1f' width='%.1f' height='%d' fill='%s'/>%n",
                    labelW, y + 3, w, rowH - 6, COLOURS[0]));
            String value = Double.isNaN(bar.value()) ? "n/a" : label(bar.value()) + " " + unit;
            if (bar.note() != null && !bar.note().isEmpty()) {
                value += "  " + bar.note();
            }
            b.append(text(labelW + w + 6, y + 15, "start", 12, value));
        }
        return b.append("</svg>\n").toString();
    }

    /** A number as a chart label: 3 significant digits, no exponent. */
    public static String label(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static StringBuilder header(String title) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif'>%n"
                        + "<rect width='100%%' height='100%%' fill='white'/>%n", W, H));
        return b.append(text(W / 2.0, 22, "middle", 15, title));
    }

    private static String frame() {
        return String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>%n",
                LEFT, TOP, W - RIGHT - LEFT, H - BOTTOM - TOP);
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return String.format(Locale.ROOT,
                "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='1'/>%n", x1, y1, x2, y2, colour);
    }

    private static String text(double x, double y, String anchor, int size, String s) {
        return String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' font-size='%d' text-anchor='%s'>%s</text>%n",
                x, y, size, anchor, esc(s));
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }

    /** A linear or logarithmic mapping of [min, max] (widened to whole decades on a log axis) to pixels. */
    private static final class Axis {
        final double lo, hi;
        final boolean log;
        final double from, to;

        Axis(double min, double max, boolean log, double from, double to) {
            this.log = log;
            if (log) {
                lo = Math.pow(10, Math.floor(Math.log10(min)));
                hi = Math.pow(10, Math.ceil(Math.log10(max * 1.0001)));
            } else {
                double span = max - Math.min(0, min);
                double step = niceStep(span / 5);
                lo = Math.min(0, Math.floor(min / step) * step);
                hi = Math.ceil(max * 1.05 / step) * step;
            }
            this.from = from;
            this.to = to;
        }

        double at(double v) {
            double f = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
            return from + f * (to - from);
        }

        double[] ticks() {
            if (log) {
                int n = (int) Math.round(Math.log10(hi / lo)) + 1;
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    t[i] = lo * Math.pow(10, i);
                }
                return t;
            }
            double step = niceStep((hi - lo) / 5);
            int n = (int) Math.round((hi - lo) / step) + 1;
            double[] t = new double[n];
            for (int i = 0; i < n; i++) {
                t[i] = lo + i * step;
            }
            return t;
        }

        private static double niceStep(double raw) {
            if (raw <= 0) {
                return 1;
            }
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
        }
    }
}
