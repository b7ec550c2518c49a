package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaxCosineTest {

    private static final int FA = 37, FB = 53, D = 19;
    // float32 GEMM of unit rows of dimension 19: |error| ≤ ~19·2⁻²⁴ ≈ 1.1e-6; checked with margin.
    private static final double TOL = 1e-5;

    private final Backend backend = new CpuBackend(new JavaGemm(), "");

    /** Random rows with planted near-duplicates, exact duplicates (ties), scaled copies and zero rows. */
    private static Matrix[] planted(Arena arena, long seed) {
        Random rnd = new Random(seed);
        Matrix a = TestData.randomRows(arena, rnd, FA, D), b = TestData.randomRows(arena, rnd, FB, D);
        for (int i = 0; i < 8; i++) {   // near-duplicates at cosines just below 1, some 1e-4 apart
            int row = rnd.nextInt(FA), col = rnd.nextInt(FB);
            double[] u = Vectors.unit(Vectors.row(a, row));
            Vectors.setRow(b, col, Vectors.scaled(TestData.atCosine(rnd, u, 0.9999 - 1e-4 * i), 0.3 + i));
        }
        Vectors.setRow(b, 17, Vectors.row(b, 5));                      // exact tie across column tiles
        Vectors.setRow(b, 40, Vectors.scaled(Vectors.row(b, 5), 4));   // power-of-two scale: same unit row
        Vectors.setRow(a, 2, Vectors.row(b, 5));                       // A_2 ties on B_5, B_17, B_40
        Vectors.setRow(a, 30, Vectors.row(a, 3));                      // exact tie across row tiles
        Vectors.setRow(b, 50, Vectors.scaled(Vectors.row(a, 3), 0.5));
        Vectors.setRow(a, 11, new double[D]);                           // zero rows
        Vectors.setRow(b, 23, new double[D]);
        return new Matrix[]{a, b};
    }

    @Test
    void matchesFloat64BruteForceForEveryTileShape() {
        try (Arena arena = Arena.ofShared()) {
            Matrix[] ab = planted(arena, 7);
            Matrix a = ab[0], b = ab[1];
            double[][] cos = Vectors.cosines(a, b);
            double[][] cosT = Vectors.transpose(cos);
            MaxCosine first = null;
            for (TileShape tile : List.of(new TileShape(7, 11), new TileShape(1, 1), new TileShape(FA, FB),
                    new TileShape(5, FB), new TileShape(FA, 3), new TileShape(100, 100))) {
                MaxCosine m = MaxCosine.compute(backend, a, b, tile);
                checkDirection(cos, m.maxOverB(), m.argmaxInB(), tile);
                checkDirection(cosT, m.maxOverA(), m.argmaxInA(), tile);
                if (first == null) first = m;
                else {   // the portable GEMM computes every element the same way, so tiling changes nothing
                    assertArrayEquals(first.maxOverB(), m.maxOverB(), "tile " + tile);
                    assertArrayEquals(first.argmaxInB(), m.argmaxInB(), "tile " + tile);
                    assertArrayEquals(first.maxOverA(), m.maxOverA(), "tile " + tile);
                    assertArrayEquals(first.argmaxInA(), m.argmaxInA(), "tile " + tile);
                }
            }
        }
    }

    /** Max within TOL; the argmax is a true near-maximum, and is the float64 argmax wherever that one leads by more than 2·TOL. */
    private static void checkDirection(double[][] cos, float[] max, int[] arg, TileShape tile) {
        for (int i = 0; i < cos.length; i++) {
            double best = Reference.rowMax(cos[i]);
            assertEquals(best, max[i], TOL, "max of row " + i + ", tile " + tile);
            assertTrue(cos[i][arg[i]] >= best - 2 * TOL, "argmax of row " + i + ", tile " + tile);
            int refArg = 0;
            double second = Double.NEGATIVE_INFINITY;
            for (int j = 1; j < cos[i].length; j++) if (cos[i][j] > cos[i][refArg]) refArg = j;
            for (int j = 0; j < cos[i].length; j++) if (j != refArg) second = Math.max(second, cos[i][j]);
            if (best - second > 2 * TOL) assertEquals(refArg, arg[i], "argmax of row " + i + ", tile " + tile);
        }
    }

    @Test
    void tiesGoToTheSmallestIndexAndZeroRowsHaveCosineZero() {
        try (Arena arena = Arena.ofShared()) {
            Matrix[] ab = planted(arena, 8);
            MaxCosine m = MaxCosine.compute(backend, ab[0], ab[1], new TileShape(7, 11));
            assertEquals(5, m.argmaxInB()[2]);       // B_5, B_17 and B_40 tie, in three different column tiles
            assertEquals(3, m.argmaxInA()[50]);      // A_3 and A_30 tie, in different row tiles
            assertEquals(m.maxOverB()[2], m.maxOverA()[5]);
            assertEquals(0f, m.maxOverB()[11]);      // zero row of A: every cosine is 0, so the first wins
            assertEquals(0, m.argmaxInB()[11]);
            assertEquals(0f, m.maxOverA()[23]);
            assertEquals(0, m.argmaxInA()[23]);
        }
    }

    @Test
    void rejectsNonFiniteRowsAndMismatchedDimensions() {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(1);
            Matrix a = TestData.randomRows(arena, rnd, 5, 4), b = TestData.randomRows(arena, rnd, 6, 4);
            b.set(3, 2, Float.NaN);
            var e = assertThrows(IllegalArgumentException.class, () -> MaxCosine.compute(backend, a, b));
            assertTrue(e.getMessage().contains("row 3 of decoder B"), e.getMessage());
            Matrix c = TestData.randomRows(arena, rnd, 6, 5);
            assertThrows(IllegalArgumentException.class, () -> MaxCosine.compute(backend, a, c));
        }
    }

    @Test
    void tileForBudgetStaysWithinBudgetAndCoversSmallProblems() {
        assertEquals(new TileShape(37, 53), TileShape.forBudget(8L * 37 * 53, 37, 53));
        for (long budget : new long[]{8, 800, 8L * 37 * 53 - 1, 1L << 20}) {
            TileShape t = TileShape.forBudget(budget, 37, 53);
            assertTrue(t.bytes() <= budget, t + " for " + budget);
            assertTrue(t.rows() <= 37 && t.cols() <= 53, t.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> TileShape.forBudget(7, 3, 3));
    }
}
