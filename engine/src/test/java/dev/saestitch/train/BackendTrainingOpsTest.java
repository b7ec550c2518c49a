package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Backend ops added for the analytic gradients, against float64 references on random inputs
 * of odd sizes. multiply and divide must be exact: the float64 product or quotient of two floats
 * rounded once to float is the correctly rounded float32 result. The accumulating ops are held to
 * a relative error of 1e-6 of the magnitude of their terms (one float32 fused step).
 */
class BackendTrainingOpsTest {

    private final Backend backend = TestSupport.cpu();
    private final SplittableRandom rng = new SplittableRandom(11);

    @Test
    void fillOverwritesEveryEntry() {
        try (Arena arena = Arena.ofShared()) {
            Matrix m = Matrix.of(arena, 37, 19, TestSupport.uniform(rng, 37 * 19, -3, 3));
            backend.fill(m, 0.25f);
            for (float v : m.toArray()) assertEquals(0.25f, v);
        }
    }

    @Test
    void multiplyAndDivideAreCorrectlyRounded() {
        try (Arena arena = Arena.ofShared()) {
            int rows = 23, cols = 41;
            float[] a = TestSupport.uniform(rng, rows * cols, -5, 5), b = TestSupport.uniform(rng, rows * cols, -5, 5);
            b[7] = 0f;
            b[100] = 0f;
            Matrix ma = Matrix.of(arena, rows, cols, a), mb = Matrix.of(arena, rows, cols, b), out = Matrix.allocate(arena, rows, cols);
            backend.multiply(ma, mb, out);
            for (int i = 0; i < a.length; i++) assertEquals((float) ((double) a[i] * b[i]), out.getFlat(i), "product " + i);
            backend.divide(ma, mb, out);
            for (int i = 0; i < a.length; i++)
                assertEquals(b[i] == 0f ? 0f : (float) ((double) a[i] / b[i]), out.getFlat(i), "quotient " + i);
            backend.multiply(ma, mb, ma); // aliasing the output with an operand
            for (int i = 0; i < a.length; i++) assertEquals((float) ((double) a[i] * b[i]), ma.getFlat(i));
            assertThrows(IllegalArgumentException.class, () -> backend.multiply(ma, Matrix.allocate(arena, rows, cols + 1), out));
        }
    }

    @Test
    void addScaledRowsMatchesReference() {
        try (Arena arena = Arena.ofShared()) {
            int rows = 53, cols = 29;
            float[] src = TestSupport.uniform(rng, rows * cols, -2, 2), dst = TestSupport.uniform(rng, rows * cols, -2, 2);
            float[] per = TestSupport.uniform(rng, rows, -3, 3);
            per[4] = 0f;
            float alpha = -0.37f;
            Matrix out = Matrix.of(arena, rows, cols, dst);
            backend.addScaledRows(Matrix.of(arena, rows, cols, src), Matrix.of(arena, 1, rows, per), alpha, out);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) {
                    int i = r * cols + c;
                    double ref = dst[i] + (double) alpha * per[r] * src[i];
                    double scaleOfTerms = Math.abs(dst[i]) + Math.abs((double) alpha * per[r] * src[i]);
                    assertTrue(Math.abs(out.getFlat(i) - ref) <= 1e-6 * scaleOfTerms + 1e-30, "entry " + r + "," + c);
                }
        }
    }

    @Test
    void sparseAddByLatentAndColumnCountsMatchReference() {
        try (Arena arena = Arena.ofShared(); SparseCodes codes = TestSupport.randomCodes(rng, 31, 43, 0.3)) {
            int f = 43;
            float[] per = TestSupport.uniform(rng, f, -1, 1);
            long nnz = codes.nnz();
            assertTrue(nnz > 100, "test needs entries");
            float[] before = new float[(int) nnz];
            int[] counts = new int[f];
            for (int e = 0; e < nnz; e++) {
                before[e] = codes.value(e);
                counts[codes.index(e)]++;
            }
            float alpha = 1.7f;
            backend.sparseAddByLatent(codes, alpha, Matrix.of(arena, 1, f, per));
            for (int e = 0; e < nnz; e++) {
                double ref = before[e] + (double) alpha * per[codes.index(e)];
                assertTrue(Math.abs(codes.value(e) - ref) <= 1e-6 * (Math.abs(before[e]) + Math.abs(alpha * per[codes.index(e)])), "entry " + e);
            }
            float[] start = TestSupport.uniform(rng, f, -1, 1);
            Matrix out = Matrix.of(arena, 1, f, start);
            backend.sparseColumnCounts(codes, -0.5f, out);
            for (int i = 0; i < f; i++) {
                double ref = start[i] - 0.5 * counts[i];
                assertTrue(Math.abs(out.get(0, i) - ref) <= 1e-6 * (Math.abs(start[i]) + 0.5 * counts[i]), "latent " + i);
            }
            assertThrows(IllegalArgumentException.class, () -> backend.sparseColumnCounts(codes, 1f, Matrix.allocate(arena, 1, f - 1)));
        }
    }
}
