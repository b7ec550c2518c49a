package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.match.LinearAssignment.Budget;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static dev.saestitch.testkit.Vectors.gaussian;
import static dev.saestitch.testkit.Vectors.setRow;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The assignment of cosines without the whole matrix ({@link CosineScan} with
 * {@link LinearAssignment#maximiseCosines}) against a float64 Hungarian on float64 cosines: the
 * same total to 1e-9 relative, on random rows of the kinds {@code match} meets (seed-like pairs,
 * noisy permutations, near-duplicates, wider second sets), with so few candidates per row and
 * such small blocks that pricing passes must recompute rows, the refinement must add kept
 * cosines back, and the scan must join many blocks.
 */
class CosineScanTest {

    private final Backend backend = Backends.select("cpu");

    private enum Kind { SEEDS, NOISY_PERMUTATION, NEAR_DUPLICATES, INDEPENDENT }

    @Test void theAssignmentIsTheFloat64OptimumForEveryKindAndCandidateCount() {
        Random rnd = new Random(13);
        for (Kind kind : Kind.values())
            for (int[] shape : new int[][] {{90, 90, 24}, {70, 113, 16}, {1, 5, 8}})
                for (int c : new int[] {1, 3, 32})
                    for (long blockBytes : new long[] {5 * 113 * Float.BYTES, CosineScan.BLOCK_BYTES})
                        checkOptimal(rnd, kind, shape[0], shape[1], shape[2], c, blockBytes, Budget.DEFAULT);
    }

    /** No pricing round allowed: the whole matrix is made and solved densely, and is still the optimum. */
    @Test void theDenseFallbackIsTheOptimumToo() {
        Random rnd = new Random(14);
        checkOptimal(rnd, Kind.NOISY_PERMUTATION, 60, 60, 12, 1, 4 * 60 * Float.BYTES, new Budget(1, 0, 2));
        checkOptimal(rnd, Kind.SEEDS, 50, 77, 12, 1, 4 * 77 * Float.BYTES, new Budget(1, 0, 2));
    }

    /** The kept cosines are each row's c largest (up to float32 error), the maxima the float64 ones, the diagonal C[i, i]. */
    @Test void theScanKeepsEachRowsLargestCosinesAndTheMaxima() {
        Random rnd = new Random(15);
        int n = 41, m = 67, d = 20, c = 5;
        try (Arena arena = Arena.ofShared()) {
            Matrix a = rows(arena, rnd, n, d, null, Kind.INDEPENDENT), b = rows(arena, rnd, m, d, a, Kind.SEEDS);
            double[][] cos = cosines(a, b);
            double bound = CosineScan.errorBound(backend, d);
            try (CosineScan scan = new CosineScan(backend, new UnitRows(a, "A"), new UnitRows(b, "B"), c, 3 * m * Float.BYTES)) {
                RowPicks kept = scan.candidates();
                float[][] max = scan.maxima();
                float[] diagonal = scan.diagonalCosts();
                for (int i = 0; i < n; i++) {
                    assertEquals(c, kept.cols()[i].length);
                    double leastKept = Double.POSITIVE_INFINITY, rowMax = Double.NEGATIVE_INFINITY;
                    boolean[] isKept = new boolean[m];
                    for (int t = 0; t < c; t++) {
                        int j = kept.cols()[i][t];
                        assertFalse(isKept[j], "column " + j + " kept twice in row " + i);
                        isKept[j] = true;
                        assertEquals(-cos[i][j], kept.costs()[i][t], bound, "kept cost (" + i + ", " + j + ")");
                        leastKept = Math.min(leastKept, cos[i][j]);
                    }
                    for (int j = 0; j < m; j++) {
                        rowMax = Math.max(rowMax, cos[i][j]);
                        if (!isKept[j]) assertTrue(cos[i][j] <= leastKept + 2 * bound, "row " + i + " left out a larger cosine at " + j);
                    }
                    assertEquals(rowMax, max[0][i], bound, "row max " + i);
                    assertEquals(-cos[i][i], diagonal[i], bound, "diagonal " + i);
                }
                for (int j = 0; j < m; j++) {
                    double colMax = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) colMax = Math.max(colMax, cos[i][j]);
                    assertEquals(colMax, max[1][j], bound, "column max " + j);
                }
            }
        }
    }

    @Test void refusesMoreRowsThanColumnsAndNonFiniteRows() {
        Random rnd = new Random(16);
        try (Arena arena = Arena.ofShared()) {
            Matrix a = rows(arena, rnd, 5, 4, null, Kind.INDEPENDENT), b = rows(arena, rnd, 3, 4, null, Kind.INDEPENDENT);
            assertThrows(IllegalArgumentException.class, () -> new CosineScan(backend, new UnitRows(a, "A"), new UnitRows(b, "B"), 2));
            b.set(1, 2, Float.NaN);
            var e = assertThrows(IllegalArgumentException.class, () -> new UnitRows(b, "decoder rows of the first SAE"));
            assertTrue(e.getMessage().contains("decoder rows of the first SAE hold non-finite values (row 1)"), e.getMessage());
        }
    }

    /** With one candidate per row, the pricing passes must recompute rows (else this test would not reach them). */
    @Test void oneCandidatePerRowMakesThePricingRecomputeRows() {
        Random rnd = new Random(17);
        assertTrue(checkOptimal(rnd, Kind.SEEDS, 80, 80, 16, 1, 7 * 80 * Float.BYTES, Budget.DEFAULT) > 0);
    }

    /** @return the rows the pricing passes recomputed */
    private int checkOptimal(Random rnd, Kind kind, int n, int m, int d, int c, long blockBytes, Budget budget) {
        String what = kind + " " + n + "×" + m + " d=" + d + " c=" + c + " block=" + blockBytes + " " + budget;
        try (Arena arena = Arena.ofShared()) {
            Matrix a = rows(arena, rnd, n, d, null, Kind.INDEPENDENT), b = rows(arena, rnd, m, d, a, kind);
            double[][] cos = cosines(a, b);
            ExactEntries exact = new ExactEntries((i, j) -> cos[i][j], CosineScan.errorBound(backend, d));
            Assignment got;
            int recomputed;
            try (CosineScan scan = new CosineScan(backend, new UnitRows(a, "A"), new UnitRows(b, "B"), c, blockBytes)) {
                got = LinearAssignment.maximiseCosines(scan, exact, budget);
                recomputed = scan.recomputedRows();
            }
            boolean[] used = new boolean[m];
            double total = 0;
            for (int i = 0; i < n; i++) {
                int j = got.colOfRow()[i];
                assertFalse(used[j], what + ": column " + j + " used twice");
                used[j] = true;
                assertEquals(i, got.rowOfCol()[j], what);
                total += cos[i][j];
            }
            double best = Hungarian.solve(cos, true).total();
            assertEquals(best, total, 1e-9 * Math.max(1, Math.abs(best)), what);
            assertEquals(total, got.total(), 1e-12 * Math.max(1, Math.abs(total)), what + ": reported total");
            return recomputed;
        }
    }

    /**
     * Random rows: INDEPENDENT Gaussian; relative to {@code base}: SEEDS (40% noisy copies at
     * cosine ≈ 0.9, permuted), NOISY_PERMUTATION (every row a copy with noise as large as the row),
     * NEAR_DUPLICATES (copies of a few base rows, off by 1e-7, so that many cosines tie in float32).
     */
    private static Matrix rows(Arena arena, Random rnd, int count, int d, Matrix base, Kind kind) {
        Matrix m = Matrix.allocate(arena, count, d);
        int[] perm = KnownPermutations.random(rnd, count);
        for (int r = 0; r < count; r++) {
            double[] row = gaussian(rnd, d);
            int source = perm[r];
            if (base != null && source < base.rows()) {
                double[] copy = Vectors.row(base, switch (kind) {
                    case NEAR_DUPLICATES -> source % 3;
                    default -> source;
                });
                double noise = switch (kind) {
                    case SEEDS -> source < 0.4 * base.rows() ? 0.5 : Double.NaN;
                    case NOISY_PERMUTATION -> 1.0;
                    case NEAR_DUPLICATES -> 1e-7;
                    case INDEPENDENT -> Double.NaN;
                };
                if (!Double.isNaN(noise)) for (int k = 0; k < d; k++) row[k] = copy[k] + noise * row[k];
            }
            setRow(m, r, row);
        }
        return m;
    }

    private static double[][] cosines(Matrix a, Matrix b) {
        double[][] c = new double[a.rows()][b.rows()];
        for (int i = 0; i < a.rows(); i++)
            for (int j = 0; j < b.rows(); j++) {
                double[] x = Vectors.row(a, i), y = Vectors.row(b, j);
                c[i][j] = Vectors.dot(x, y) / Math.sqrt(Vectors.dot(x, x) * Vectors.dot(y, y));
            }
        return c;
    }
}
