package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void quantilesAreWithinOnePercentOfTheExactOnesAndTheMaximumIsExact() {
        Random random = new Random(11);
        for (int run = 0; run < 20; run++) {
            LatencyHistogram h = new LatencyHistogram();
            long[] values = new long[1 + random.nextInt(50_000)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (long) Math.pow(10, random.nextDouble() * 10); // 1 ns to 10 s, log-uniform
                h.record(values[i]);
            }
            Arrays.sort(values);
            assertEquals(values.length, h.count());
            assertEquals(values[values.length - 1], h.max());
            for (double q : new double[] {0, 0.01, 0.5, 0.9, 0.99, 0.999, 1}) {
                long exact = values[(int) Math.max(0, Math.ceil(q * values.length) - 1)];
                long got = h.quantile(q);
                assertTrue(got >= exact && got <= exact + exact / 128, "q " + q + ": " + got + " vs exact " + exact);
            }
        }
    }

    @Test
    void smallValuesAreExactAndBucketsTileTheRange() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0, h.quantile(0.5));
        for (long v = 0; v < 256; v++) {
            assertEquals(v, LatencyHistogram.highest(LatencyHistogram.bucket(v)));
        }
        h.record(-5);
        h.record(7);
        h.record(200);
        assertEquals(0, h.quantile(0.3));
        assertEquals(7, h.quantile(0.5));
        assertEquals(200, h.quantile(1));
        // consecutive buckets: each starts where the previous ended, up to Long.MAX_VALUE
        long next = 0;
        for (int b = 0; b <= LatencyHistogram.bucket(Long.MAX_VALUE); b++) {
            assertEquals(b, LatencyHistogram.bucket(next), "bucket of " + next);
            long top = LatencyHistogram.highest(b);
            assertEquals(b, LatencyHistogram.bucket(top));
            assertTrue(top - next <= Math.max(0, top / 128), "bucket " + b + " too wide");
            next = top + 1;
        }
        assertEquals(Long.MIN_VALUE, next); // the last bucket ends at Long.MAX_VALUE
    }
}
