package dev.saestitch.backend;

import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The defaults of Backend's fused steps, as the CPU backend runs them, against float64
 * references ({@code MaxCosineTest} covers {@link Backend#maxDots} on planted data through
 * MaxCosine; here its edges). CudaBackendTest holds the CUDA overrides to the same results.
 */
public class FusedStepsTest {

    private static final double U = 0x1p-24;
    private static final int F = 23, D = 37;

    private final Backend cpu = new CpuBackend(new JavaGemm(), "");
    private final Random random = new Random(20261121);

    @Test
    void adamUnitRowsProjectsStepsAndRenormalisesLikeAFloat64Reference() {
        float lr = 1e-2f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        long t = 3;
        try (Arena arena = Arena.ofShared()) {
            Matrix rows = random(arena, F, D), grad = random(arena, F, D), m = random(arena, F, D), v = random(arena, F, D);
            for (long i = 0; i < v.size(); i++) v.setFlat(i, v.getFlat(i) * v.getFlat(i));  // second moments are ≥ 0
            cpu.normaliseRows(rows);
            double[] r0 = toDouble(rows), g0 = toDouble(grad), m0 = toDouble(m), v0 = toDouble(v);
            cpu.adamUnitRows(rows, grad, m, v, lr, beta1, beta2, eps, t);
            for (int r = 0; r < F; r++) {
                int base = r * D;
                double rr = 0, gr = 0;
                for (int c = 0; c < D; c++) {
                    rr += r0[base + c] * r0[base + c];
                    gr += g0[base + c] * r0[base + c];
                }
                double coef = gr / rr, norm = 0;
                double[] p = new double[D];
                for (int c = 0; c < D; c++) {
                    int i = base + c;
                    double g = g0[i] - coef * r0[i];
                    // float32 projection: a few u of the terms, plus the float32 rounding of the coefficient
                    assertEquals(g, grad.getFlat(i), 4 * U * (Math.abs(g0[i]) + Math.abs(coef * r0[i])) + 4 * U * D, "projected gradient " + i);
                    double mi = beta1 * m0[i] + (1 - (double) beta1) * g, vi = beta2 * v0[i] + (1 - (double) beta2) * g * g;
                    assertEquals(mi, m.getFlat(i), 8 * U * (Math.abs(mi) + Math.abs(g)) + 4 * U * D, "m " + i);
                    double mHat = mi / (1 - Math.pow(beta1, t)), vHat = vi / (1 - Math.pow(beta2, t));
                    p[c] = r0[i] - lr * mHat / (Math.sqrt(vHat) + eps);
                    norm += p[c] * p[c];
                }
                norm = Math.sqrt(norm);
                double rowNorm = 0;
                for (int c = 0; c < D; c++) {
                    // an Adam step is at most a few lr; its float32 error a few u of it, plus the moments' (1e-4·lr)
                    assertEquals(p[c] / norm, rows.get(r, c), 1e-4 * lr + 8 * U, "row " + r + ", column " + c);
                    rowNorm += (double) rows.get(r, c) * rows.get(r, c);
                }
                assertEquals(1.0, Math.sqrt(rowNorm), 4 * U * D, "unit norm of row " + r);
            }
        }
    }

    @Test
    void maxDotsTiesGoToTheSmallestIndexAcrossTiles() {
        // Basis vectors: every product is exactly 0 or 1, so ties are exact in any GEMM.
        int[] aBasis = {3, 0, 5, 3, 1}, bBasis = {2, 3, 4, 0, 3, 1, 3};  // A row 2 (e5) matches nothing: all zeros
        try (Arena arena = Arena.ofShared()) {
            Matrix a = basisRows(arena, aBasis, 6), b = basisRows(arena, bBasis, 6);
            for (int[] tile : new int[][] {{2, 3}, {1, 1}, {5, 7}, {4, 2}}) {
                DotMaxima m = cpu.maxDots(a, b, tile[0], tile[1]);
                assertArrayEquals(new float[] {1, 1, 0, 1, 1}, m.maxOverB(), "tile " + tile[0] + "x" + tile[1]);
                assertArrayEquals(new int[] {1, 3, 0, 1, 5}, m.argmaxInB(), "tile " + tile[0] + "x" + tile[1]);
                assertArrayEquals(new float[] {0, 1, 0, 1, 1, 1, 1}, m.maxOverA());
                assertArrayEquals(new int[] {0, 0, 0, 1, 0, 4, 0}, m.argmaxInA(), "tile " + tile[0] + "x" + tile[1]);
            }
        }
    }

    @Test
    void maxDotsWithAnEmptySideIsMinusInfinityAtMinusOne() {
        try (Arena arena = Arena.ofShared()) {
            Matrix a = random(arena, 3, D), none = Matrix.allocate(arena, 0, D);
            DotMaxima m = cpu.maxDots(a, none, 4, 4);
            assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, m.maxOverB());
            assertArrayEquals(new int[] {-1, -1, -1}, m.argmaxInB());
            assertEquals(0, m.maxOverA().length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.maxDots(a, a, 0, 4));
            assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cpu.maxDots(a, random(arena, 2, D + 1), 4, 4));
        }
    }

    /** Rows e_{basis[i]} of dimension d. */
    public static Matrix basisRows(Arena arena, int[] basis, int d) {
        Matrix m = Matrix.allocate(arena, basis.length, d);
        for (int i = 0; i < basis.length; i++) m.set(i, basis[i], 1f);
        return m;
    }

    private Matrix random(Arena arena, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = random.nextFloat() * 2 - 1;
        return Matrix.of(arena, rows, cols, v);
    }

    private static double[] toDouble(Matrix m) {
        double[] d = new double[(int) m.size()];
        for (int i = 0; i < d.length; i++) d[i] = m.getFlat(i);
        return d;
    }
}
