package dev.saestitch.meta;

import dev.saestitch.input.InputException;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.BatchFeed;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The samples of a meta-SAE: rows scaled to unit norm (against float64), zero rows kept at zero,
 * and a feed that visits every row exactly once per epoch, in a new order each epoch.
 */
class DecoderRowsTest {

    private static final int F = 37, D = 6;

    /** Gaussian rows with norms spread over two orders of magnitude, and row 5 zero. */
    private static Matrix dictionary(Arena arena, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Matrix m = Matrix.allocate(arena, F, D);
        for (int r = 0; r < F; r++) {
            double scale = Math.pow(10, -1 + 2 * rng.nextDouble());
            for (int c = 0; c < D; c++) m.set(r, c, r == 5 ? 0f : (float) (scale * rng.nextGaussian()));
        }
        return m;
    }

    /** Row r of m scaled to unit norm in float64 (zero stays zero). */
    private static double[] unit(Matrix m, int r) {
        double ss = 0;
        for (int c = 0; c < D; c++) ss += (double) m.get(r, c) * m.get(r, c);
        double[] u = new double[D];
        for (int c = 0; c < D; c++) u[c] = ss == 0 ? 0 : m.get(r, c) / Math.sqrt(ss);
        return u;
    }

    @Test void rowsAreScaledToUnitNormAndZeroRowsStayZero() {
        try (Arena arena = Arena.ofShared()) {
            Matrix dict = dictionary(arena, 1);
            try (DecoderRows rows = DecoderRows.of(dict, "test dictionary")) {
                assertEquals(F, rows.rows());
                assertEquals(D, rows.dim());
                assertEquals(1, rows.zeroRows());
                for (int r = 0; r < F; r++) {
                    double[] expected = unit(dict, r);
                    // one float64 division rounded to float32: relative error ≤ 2⁻²⁴ per entry
                    for (int c = 0; c < D; c++) assertEquals(expected[c], rows.unitRows().get(r, c), 1e-7, "row " + r + ", column " + c);
                }
            }
        }
    }

    /**
     * Three epochs read through batches of 5 (which straddle the epoch boundaries): each epoch's
     * 37 rows are the 37 unit rows, each exactly once, and the epochs' orders differ.
     */
    @Test void theFeedVisitsEveryRowOncePerEpoch() {
        int epochs = 3, batch = 5;
        try (Arena arena = Arena.ofShared()) {
            Matrix dict = dictionary(arena, 2);
            try (DecoderRows rows = DecoderRows.of(dict, "test dictionary")) {
                BatchFeed feed = rows.feed(7);
                assertEquals(D, feed.dim());
                Matrix b = Matrix.allocate(arena, batch, D);
                int total = epochs * F;
                int[] seen = new int[total + batch];   // which dictionary row each streamed row is
                for (int n = 0; n < total; n += batch) {
                    feed.next(b);
                    for (int i = 0; i < batch; i++) seen[n + i] = identify(dict, b, i);
                }
                int[][] orders = new int[epochs][];
                for (int e = 0; e < epochs; e++) {
                    orders[e] = Arrays.copyOfRange(seen, e * F, (e + 1) * F);
                    int[] sorted = orders[e].clone();
                    Arrays.sort(sorted);
                    for (int r = 0; r < F; r++) assertEquals(r, sorted[r], "epoch " + e + " does not hold every row once");
                }
                assertFalse(Arrays.equals(orders[0], orders[1]), "epochs 0 and 1 came in the same order");
                assertFalse(Arrays.equals(orders[1], orders[2]), "epochs 1 and 2 came in the same order");
            }
        }
    }

    /** The dictionary row whose float64 unit vector equals row i of the batch (−1 if none). */
    private static int identify(Matrix dict, Matrix batch, int i) {
        for (int r = 0; r < F; r++) {
            double[] u = unit(dict, r);
            boolean same = true;
            for (int c = 0; c < D && same; c++) same = Math.abs(u[c] - batch.get(i, c)) <= 1e-7;
            if (same) return r;
        }
        return -1;
    }

    @Test void refusesAnAllZeroOrNonFiniteDictionary() {
        try (Arena arena = Arena.ofShared()) {
            Matrix zeros = Matrix.allocate(arena, 4, D);
            RuntimeException e = assertThrows(InputException.class, () -> DecoderRows.of(zeros, "zero dictionary"));
            assertTrue(e.getMessage().contains("zero dictionary") && e.getMessage().contains("every decoder row is zero"), e.getMessage());
            Matrix bad = dictionary(arena, 3);
            bad.set(9, 2, Float.NaN);
            e = assertThrows(IllegalArgumentException.class, () -> DecoderRows.of(bad, "bad dictionary"));
            assertTrue(e.getMessage().contains("row 9"), e.getMessage());
        }
    }
}
