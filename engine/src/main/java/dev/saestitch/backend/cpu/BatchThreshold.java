package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * Finds the value of the budget-th largest positive entry of a matrix by radix selection on the
 * float bits (positive floats order like their int bits): one histogram of the high 16 bits,
 * one of the low 16 bits inside the chosen bucket. Two passes, no sort, no copy of the data.
 */
final class BatchThreshold {

    private static final int BUCKETS = 1 << 16;

    private BatchThreshold() {}

    /** @return the cut value, or NaN when there are at most {@code budget} positive entries */
    static float find(Matrix z, long budget) {
        long[] high = histogram(z, -1);
        long positives = 0;
        for (long h : high) positives += h;
        if (positives <= budget) return Float.NaN;
        int hi = BUCKETS - 1;
        long above = 0;
        while (above + high[hi] < budget) above += high[hi--];
        long need = budget - above;
        long[] low = histogram(z, hi);
        int lo = BUCKETS - 1;
        while (low[lo] < need) need -= low[lo--];
        return Float.intBitsToFloat((hi << 16) | lo);
    }

    /** Histogram of the high 16 bits of every positive entry, or of the low 16 bits of those whose high bits equal {@code high}. */
    private static long[] histogram(Matrix z, int high) {
        MemorySegment d = z.data();
        long n = z.size();
        int blocks = (int) Math.max(1, Math.min(Parallel.threads() * 2L, n / 65536));
        long[][] partial = new long[blocks][];
        Parallel.forRange(blocks, 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                long[] h = new long[BUCKETS];
                for (long i = n * b / blocks, end = n * (b + 1) / blocks; i < end; i++) {
                    float v = d.getAtIndex(FLOAT, i);
                    if (!(v > 0f)) continue;
                    int bits = Float.floatToRawIntBits(v);
                    if (high < 0) h[bits >>> 16]++;
                    else if ((bits >>> 16) == high) h[bits & 0xFFFF]++;
                }
                partial[b] = h;
            }
        });
        long[] total = new long[BUCKETS];
        for (long[] h : partial) for (int i = 0; i < BUCKETS; i++) total[i] += h[i];
        return total;
    }
}
