package org.iomux.examples;

/**
 * A fixed-size histogram of non-negative values (latencies in nanoseconds), in the manner of
 * HdrHistogram: values below 256 have a bucket each; above, every power-of-two range
 * {@code [2^k, 2^(k+1))} is cut into 128 buckets of equal width. So a quantile is reported to
 * within 1/128 (less than 0.8%) of the true value, whatever the range, in 7,296 counters (57 KiB)
 * allocated once: {@link #record} allocates nothing. The maximum is kept exactly.
 */
final class LatencyHistogram {
    /** Buckets per power of two above the exact range; a power of two. */
    private static final int SUB = 128;
    private static final int SUB_BITS = 7;
    /** Values below this have a bucket each. */
    private static final int EXACT = 2 * SUB;

    private final long[] counts = new long[bucket(Long.MAX_VALUE) + 1];
    private long total;
    private long max;

    /** Counts {@code value} (negative values count as 0). */
    void record(long value) {
        long v = Math.max(0, value);
        counts[bucket(v)]++;
        total++;
        max = Math.max(max, v);
    }

    long count() {
        return total;
    }

    /** The largest value recorded, exactly; 0 if none. */
    long max() {
        return max;
    }

    /**
     * The value at {@code quantile} (0 to 1): the smallest recorded value such that at least that
     * fraction of the values are no larger, to within 1/128 (reported as the top of its bucket, and
     * never above {@link #max()}); 0 if nothing was recorded.
     */
    long quantile(double quantile) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (seen >= rank) {
                return Math.min(max, highest(b));
            }
        }
        return max;
    }

    /** The bucket of {@code v >= 0}: v itself below 256, else 128 per power of two. */
    static int bucket(long v) {
        if (v < EXACT) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS; // keeps the top 8 bits: 128..255
        return shift * SUB + (int) (v >>> shift);
    }

    /** The largest value in bucket {@code b}. */
    static long highest(int b) {
        if (b < EXACT) {
            return b;
        }
        int shift = b / SUB - 1;
        long top = (long) (b - shift * SUB) << shift; // the lowest value of the bucket
        return top + (1L << shift) - 1;
    }
}
