package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every CpuBackend operation against a float64 reference written here, on random data of odd
 * sizes (uniform in [-1, 1), never all zero).
 *
 * <p>Error bounds, per element, with u = 2⁻²⁴ the float32 unit roundoff and "scale" the sum of
 * the absolute values of the terms that make the element: element-wise ops (one or two
 * roundings) 2u·scale; sums accumulated in float32 over n terms γ_{n+1}·scale (γ_n = nu/(1−nu));
 * sums accumulated in float64 and rounded once 2u·|result| + γ_n(float64)·scale; selections,
 * comparisons and clamps are exact. Matrices live in a shared arena because the backend's loops
 * run on fork-join workers.
 */
class CpuBackendTest {

    private static final double U = Math.ulp(1.0f) / 2;
    private static final int B = 37, F = 53, D = 29;

    private final CpuBackend cpu = new CpuBackend(new JavaGemm(), "");
    private Arena arena;
    private Random random;

    @BeforeEach
    void open() {
        arena = Arena.ofShared();
        random = new Random(20240917);
    }

    @AfterEach
    void close() { arena.close(); }

    // ---- memory ----

    @Test
    void uploadDownloadAndCopyAreExact() {
        Matrix x = random(B, D), y = cpu.allocate(arena, B, D), z = cpu.allocate(arena, B, D), back = Matrix.allocate(arena, B, D);
        cpu.upload(x, y);
        cpu.copy(y, z);
        cpu.download(z, back);
        assertArrayEquals(x.toArray(), back.toArray());
    }

    // ---- dense ----

    @Test
    void addRowVector() {
        Matrix m = random(B, D), row = random(1, D);
        float alpha = -1.375f;
        float[] m0 = m.toArray(), r = row.toArray();
        cpu.addRowVector(m, row, alpha);
        for (int i = 0; i < B; i++)
            for (int c = 0; c < D; c++) {
                double a = m0[i * D + c], b = (double) alpha * r[c];
                within(a + b, m.get(i, c), 2 * U * (Math.abs(a) + Math.abs(b)), "m", i, c);
            }
    }

    @Test
    void axpy() {
        Matrix x = random(B, D), y = random(B, D);
        float alpha = 0.8125f;
        float[] x0 = x.toArray(), y0 = y.toArray();
        cpu.axpy(alpha, x, y);
        for (int i = 0; i < x0.length; i++) {
            double ax = (double) alpha * x0[i];
            within(y0[i] + ax, y.getFlat(i), 2 * U * (Math.abs(y0[i]) + Math.abs(ax)), "y", i, 0);
        }
    }

    @Test
    void scale() {
        Matrix m = random(B, D);
        float[] m0 = m.toArray();
        cpu.scale(m, -2.7f);
        for (int i = 0; i < m0.length; i++) within(-2.7 * m0[i], m.getFlat(i), 2 * U * Math.abs(2.7 * m0[i]), "m", i, 0);
    }

    @Test
    void subtractIntoAThirdMatrixAndInPlace() {
        Matrix a = random(B, D), b = random(B, D), out = random(B, D);
        float[] a0 = a.toArray(), b0 = b.toArray();
        cpu.subtract(a, b, out);
        for (int i = 0; i < a0.length; i++) within((double) a0[i] - b0[i], out.getFlat(i), 2 * U * (Math.abs(a0[i]) + Math.abs(b0[i])), "out", i, 0);
        cpu.subtract(a, b, a);   // out aliases a
        assertArrayEquals(out.toArray(), a.toArray());
    }

    @Test
    void clampMin() {
        Matrix m = random(B, D);
        float[] m0 = m.toArray();
        cpu.clampMin(m, -0.25f);
        for (int i = 0; i < m0.length; i++) assertEquals(Math.max(-0.25f, m0[i]), m.getFlat(i), "element " + i);
    }

    @Test
    void columnSumsWithAlphaAndBeta() {
        Matrix m = random(B, F), out = random(1, F);
        float alpha = 0.3f, beta = -1.5f;
        float[] m0 = m.toArray(), out0 = out.toArray();
        cpu.columnSums(m, alpha, beta, out);
        for (int c = 0; c < F; c++) {
            double s = 0, abs = 0;
            for (int r = 0; r < B; r++) {
                s += m0[r * F + c];
                abs += Math.abs(m0[r * F + c]);
            }
            double expected = alpha * s + beta * (double) out0[c];
            within(expected, out.getFlat(c), 4 * U * (Math.abs(alpha) * abs + Math.abs(beta * out0[c])), "out", 0, c);
        }
        cpu.columnSums(m, 1f, 0f, out);   // beta = 0 ignores the old values
        for (int c = 0; c < F; c++) {
            double s = 0;
            for (int r = 0; r < B; r++) s += m0[r * F + c];
            within(s, out.getFlat(c), 2 * U * B, "out", 0, c);
        }
    }

    @Test
    void rowNormsAndRowSquaredDistances() {
        Matrix a = random(B, D), b = random(B, D), norms = random(1, B), distances = random(1, B);
        cpu.rowNorms(a, norms);
        cpu.rowSquaredDistances(a, b, distances);
        for (int r = 0; r < B; r++) {
            double nn = 0, dd = 0;
            for (int c = 0; c < D; c++) {
                nn += (double) a.get(r, c) * a.get(r, c);
                double d = (double) a.get(r, c) - b.get(r, c);
                dd += d * d;
            }
            within(Math.sqrt(nn), norms.getFlat(r), 2 * U * Math.sqrt(nn), "norm", r, 0);
            within(dd, distances.getFlat(r), 2 * U * dd, "distance", r, 0);
        }
    }

    @Test
    void sumSquaresInFloat64() {
        Matrix m = random(B, F);
        double s = 0;
        for (float v : m.toArray()) s += (double) v * v;
        assertEquals(s, cpu.sumSquares(m), s * B * F * 0x1p-52);
    }

    // ---- activation rules ----

    @Test
    void selectAboveZeroAndAboveThresholds() {
        Matrix z = random(B, F), theta = random(1, F);
        z.set(3, 7, theta.getFlat(7));   // equal to its threshold: not selected
        z.set(4, 9, 0f);                 // equal to zero: not selected without thresholds
        try (SparseCodes out = new SparseCodes(B, F, 8)) {
            cpu.selectAbove(z, null, out);
            assertCodes(out, z, (r, i) -> z.get(r, i) > 0);
            cpu.selectAbove(z, theta, out);
            assertCodes(out, z, (r, i) -> z.get(r, i) > theta.getFlat(i));
        }
    }

    @Test
    void selectTopKWithAndWithoutEligibility() {
        int k = 6;
        Matrix z = distinct(B, F);
        // Row r keeps only r % (k + 3) positive entries, so some rows have fewer than k.
        for (int r = 0; r < B; r++) {
            int positives = r % (k + 3);
            for (int i = 0; i < F; i++) z.set(r, i, Math.abs(z.get(r, i)) * (i < positives || r % 2 == 0 ? 1 : -1));
        }
        Matrix eligible = Matrix.allocate(arena, 1, F);
        for (int i = 0; i < F; i++) eligible.setFlat(i, random.nextInt(5) < 3 ? 1f : 0f);
        try (SparseCodes out = new SparseCodes(B, F, 4)) {
            cpu.selectTopK(z, k, null, out);
            assertTopK(out, z, k, null);
            cpu.selectTopK(z, k, eligible, out);
            assertTopK(out, z, k, eligible);
        }
    }

    @Test
    void selectBatchTopKKeepsExactlyTheLargestBk() {
        int rows = 61, cols = 257, k = 13;
        Matrix z = distinct(rows, cols);
        try (SparseCodes out = new SparseCodes(rows, cols, 16)) {
            float min = cpu.selectBatchTopK(z, k, out);
            float[] sorted = positivesDescending(z);
            long budget = (long) rows * k;
            assertTrue(sorted.length > budget, "test data needs more positives than B·k");
            assertEquals(budget, out.nnz());
            assertEquals(sorted[(int) budget - 1], min, "the returned value is the B·k-th largest");
            assertCodes(out, z, (r, i) -> z.get(r, i) >= sorted[(int) budget - 1]);   // distinct values: the kept set is exact
        }
    }

    @Test
    void selectBatchTopKIsExactOnBatchesLargerThanItsSample() {
        // Above 65536 entries the selection takes its floor from a strided sample: it must stay exact.
        Matrix z = distinct(331, 1031);
        assertExactBatchTopK(z, 7);
    }

    @Test
    void selectBatchTopKIsExactWhenTheSampleMisleads() {
        // Every 5th entry is large and the rest small: a sample that strides by 5 sees only large
        // values, sets its floor too high and must fall back to a full pass.
        Matrix z = Matrix.allocate(arena, 320, 1031);
        for (long i = 0; i < z.size(); i++) z.setFlat(i, (i % 5 == 0 ? 10f : 0f) + random.nextFloat());
        assertExactBatchTopK(z, 100);
    }

    @Test
    void selectBatchTopKBreaksTiesOnLargeBatches() {
        Matrix z = Matrix.allocate(arena, 300, 977);
        for (long i = 0; i < z.size(); i++) z.setFlat(i, (random.nextInt(64) - 31) / 8f);
        assertExactBatchTopK(z, 9);
    }

    /** Exactly B·k entries kept: all above the returned cut, none below, ties at the cut filling the rest. */
    private void assertExactBatchTopK(Matrix z, int k) {
        int rows = z.rows(), cols = z.cols();
        try (SparseCodes out = new SparseCodes(rows, cols, 16)) {
            float cut = cpu.selectBatchTopK(z, k, out);
            float[] sorted = positivesDescending(z);
            long budget = (long) rows * k;
            assertTrue(sorted.length > budget, "test data needs more positives than B·k");
            assertEquals(sorted[(int) budget - 1], cut, "the returned value is the B·k-th largest");
            assertEquals(budget, out.nnz());
            long kept = 0;
            for (int r = 0; r < rows; r++) {
                TreeSet<Integer> row = rowIndices(out, r, z);
                for (int i = 0; i < cols; i++) {
                    float v = z.get(r, i);
                    if (v > cut) assertTrue(row.contains(i), "entry above the cut dropped at " + r + "," + i);
                    if (v < cut) assertFalse(row.contains(i), "entry below the cut kept at " + r + "," + i);
                }
                kept += row.size();
            }
            assertEquals(budget, kept);
        }
    }

    @Test
    void selectBatchTopKBreaksTiesToExactlyBk() {
        int rows = 23, cols = 41, k = 5;
        Matrix z = Matrix.allocate(arena, rows, cols);
        for (long i = 0; i < z.size(); i++) z.setFlat(i, (random.nextInt(16) - 7) / 8f);   // many equal values
        try (SparseCodes out = new SparseCodes(rows, cols, 16)) {
            float cut = cpu.selectBatchTopK(z, k, out);
            float[] sorted = positivesDescending(z);
            long budget = (long) rows * k;
            assertEquals(sorted[(int) budget - 1], cut);
            assertEquals(budget, out.nnz());
            long above = 0, atCut = 0, atCutKept = 0;
            for (float v : sorted) {
                if (v > cut) above++;
                if (v == cut) atCut++;
            }
            for (int r = 0; r < rows; r++) {
                TreeSet<Integer> kept = rowIndices(out, r, z);
                for (int i = 0; i < cols; i++) {
                    float v = z.get(r, i);
                    if (v > cut) assertTrue(kept.contains(i), "entry above the cut dropped at " + r + "," + i);
                    if (v < cut) assertFalse(kept.contains(i), "entry below the cut kept at " + r + "," + i);
                    if (v == cut && kept.contains(i)) atCutKept++;
                }
            }
            assertEquals(budget - above, atCutKept, "ties fill exactly the rest of the budget");
            assertTrue(atCutKept > 0 && atCutKept < atCut, "test data should force a choice among ties: " + atCutKept + " of " + atCut);
        }
    }

    @Test
    void selectBatchTopKKeepsAllPositivesWhenFewerThanBk() {
        int rows = 19, cols = 31, k = 4;
        Matrix z = random(rows, cols);
        for (long i = 0; i < z.size(); i++) if (i % 11 != 0) z.setFlat(i, -Math.abs(z.getFlat(i)) - 0.01f);
        try (SparseCodes out = new SparseCodes(rows, cols, 16)) {
            float min = cpu.selectBatchTopK(z, k, out);
            float[] sorted = positivesDescending(z);
            assertTrue(sorted.length > 0 && sorted.length < rows * k, "test data: " + sorted.length + " positives");
            assertEquals(sorted.length, out.nnz());
            assertEquals(sorted[sorted.length - 1], min);
            assertCodes(out, z, (r, i) -> z.get(r, i) > 0);

            z.fill(-1f);   // nothing positive: nothing kept, NaN returned
            assertTrue(Float.isNaN(cpu.selectBatchTopK(z, k, out)));
            assertEquals(0, out.nnz());
        }
    }

    @Test
    void selectBand() {
        Matrix z = random(B, F), centre = random(1, F);
        float half = 0.3f;
        try (SparseCodes out = new SparseCodes(B, F, 8)) {
            cpu.selectBand(z, centre, half, out);
            assertCodes(out, z, (r, i) -> Math.abs((double) z.get(r, i) - centre.getFlat(i)) < half);
        }
    }

    // ---- sparse products ----

    /** The sparse products run as scalar loops below a density and as dense GEMMs above it: test both. */
    private static CpuBackend withDensePath(double denseDensity) { return new CpuBackend(new JavaGemm(), "", denseDensity); }

    @ParameterizedTest(name = "dense above density {0}")
    @ValueSource(doubles = {0, Double.POSITIVE_INFINITY})
    void sparseDecodeWithAndWithoutBias(double denseDensity) {
        CpuBackend cpu = withDensePath(denseDensity);
        Matrix w = random(F, D), bias = random(1, D), out = random(B, D);
        try (SparseCodes codes = randomCodes(B, F, 0.2)) {
            for (Matrix b : Arrays.asList(null, bias)) {
                cpu.sparseDecode(codes, w, b, out);
                for (int r = 0; r < B; r++)
                    for (int c = 0; c < D; c++) {
                        double s = b == null ? 0 : b.getFlat(c), abs = Math.abs(s);
                        int n = codes.rowStart(r + 1) - codes.rowStart(r);
                        for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) {
                            double t = (double) codes.value(e) * w.get(codes.index(e), c);
                            s += t;
                            abs += Math.abs(t);
                        }
                        within(s, out.get(r, c), gamma(n + 1) * abs, "decode", r, c);
                    }
            }
        }
    }

    @ParameterizedTest(name = "dense above density {0}")
    @ValueSource(doubles = {0, Double.POSITIVE_INFINITY})
    void sparseTransposeProductTouchesOnlyActiveLatents(double denseDensity) {
        CpuBackend cpu = withDensePath(denseDensity);
        Matrix dense = random(B, D), out = random(F, D);
        float alpha = -0.7f;
        float[] out0 = out.toArray();
        try (SparseCodes codes = randomCodes(B, F, 0.05)) {
            cpu.sparseTransposeProduct(codes, alpha, dense, out);
            double[] expected = new double[F * D], abs = new double[F * D];
            int[] count = new int[F];
            for (int i = 0; i < F * D; i++) {
                expected[i] = out0[i];
                abs[i] = Math.abs(out0[i]);
            }
            for (int r = 0; r < B; r++)
                for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) {
                    int i = codes.index(e);
                    count[i]++;
                    for (int c = 0; c < D; c++) {
                        double t = (double) alpha * codes.value(e) * dense.get(r, c);
                        expected[i * D + c] += t;
                        abs[i * D + c] += Math.abs(t);
                    }
                }
            int untouched = 0;
            for (int i = 0; i < F; i++) {
                if (count[i] == 0) untouched++;
                for (int c = 0; c < D; c++) {
                    if (count[i] == 0) assertEquals(out0[i * D + c], out.get(i, c), "inactive latent " + i + " changed");
                    else within(expected[i * D + c], out.get(i, c), gamma(2 * count[i] + 1) * abs[i * D + c], "out", i, c);
                }
            }
            assertTrue(untouched > 0 && untouched < F, "test data should leave some latents inactive: " + untouched);
        }
    }

    @ParameterizedTest(name = "dense above density {0}")
    @ValueSource(doubles = {0, Double.POSITIVE_INFINITY})
    void sampledDotTakesThePatternAndComputesEachDot(double denseDensity) {
        CpuBackend cpu = withDensePath(denseDensity);
        Matrix a = random(B, D), w = random(F, D);
        try (SparseCodes pattern = randomCodes(B, F, 0.15); SparseCodes out = new SparseCodes(1, F, 1)) {
            cpu.sampledDot(pattern, a, w, out);
            assertEquals(pattern.nnz(), out.nnz());
            for (int r = 0; r <= B; r++) assertEquals(pattern.rowStart(r), out.rowStart(r));
            for (int r = 0; r < B; r++)
                for (int e = pattern.rowStart(r); e < pattern.rowStart(r + 1); e++) {
                    assertEquals(pattern.index(e), out.index(e));
                    double s = 0, abs = 0;
                    for (int c = 0; c < D; c++) {
                        double t = (double) a.get(r, c) * w.get(pattern.index(e), c);
                        s += t;
                        abs += Math.abs(t);
                    }
                    within(s, out.value(e), gamma(D + 1) * abs, "dot", r, e);   // a float32 GEMM on the dense path
                    // The sparse path sums each dot in float64 in column order, whatever it interleaves: training runs stay bit-identical.
                    if (denseDensity == Double.POSITIVE_INFINITY) assertEquals((float) s, out.value(e), "sparse dot " + r + "," + e);
                }
        }
    }

    @Test
    void sparseColumnSums() {
        Matrix out = random(1, F);
        float alpha = 1.75f;
        float[] out0 = out.toArray();
        try (SparseCodes codes = randomCodes(B, F, 0.2)) {
            cpu.sparseColumnSums(codes, alpha, out);
            double[] expected = new double[F], abs = new double[F];
            int[] count = new int[F];
            for (int i = 0; i < F; i++) {
                expected[i] = out0[i];
                abs[i] = Math.abs(out0[i]);
            }
            for (long e = 0; e < codes.nnz(); e++) {
                int i = codes.index(e);
                expected[i] += (double) alpha * codes.value(e);
                abs[i] += Math.abs((double) alpha * codes.value(e));
                count[i]++;
            }
            for (int i = 0; i < F; i++) within(expected[i], out.getFlat(i), gamma(2 * count[i] + 1) * abs[i], "sum", 0, i);
        }
    }

    @Test
    void updateSinceFired() {
        Matrix since = Matrix.allocate(arena, 1, F);
        for (int i = 0; i < F; i++) since.setFlat(i, random.nextInt(100_000));
        since.setFlat(5, 1e12f);   // saturated counters stay saturated
        float[] since0 = since.toArray();
        try (SparseCodes codes = randomCodes(B, F, 0.01)) {
            boolean[] fired = new boolean[F];
            for (long e = 0; e < codes.nnz(); e++) fired[codes.index(e)] = true;
            fired[5] = false;
            removeLatent(codes, 5);
            cpu.updateSinceFired(codes, 4096f, since);
            int firedCount = 0;
            for (int i = 0; i < F; i++) {
                if (fired[i]) firedCount++;
                double expected = fired[i] ? 0 : Math.min(1e12, since0[i] + 4096.0);
                within(expected, since.getFlat(i), 2 * U * expected, "sinceFired", 0, i);
            }
            assertTrue(firedCount > 0 && firedCount < F, "test data: " + firedCount + " latents fired");
        }
    }

    @Test
    void greaterEqual() {
        Matrix a = random(3, F), mask = random(3, F);
        a.set(1, 4, 0.125f);   // equal to the threshold: 1
        cpu.greaterEqual(a, 0.125f, mask);
        for (long i = 0; i < a.size(); i++) assertEquals(a.getFlat(i) >= 0.125f ? 1f : 0f, mask.getFlat(i), "element " + i);
        assertEquals(1f, mask.get(1, 4));
    }

    // ---- optimiser ----

    @Test
    void adamMatchesAFloat64Adam() {
        float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        Matrix p = random(F, D), m = random(F, D), v = random(F, D), g = random(F, D);
        for (long i = 0; i < v.size(); i++) v.setFlat(i, v.getFlat(i) * v.getFlat(i));   // second moments are ≥ 0
        double[] pr = toDouble(p), mr = toDouble(m), vr = toDouble(v);
        // The moments' float32 errors carry over between steps, decaying by β: each step adds at
        // most u·(sum of the magnitudes it rounds), so the error stays below 2u·S with S the
        // β-weighted running sum of those magnitudes.
        double[] sm = new double[pr.length], sv = new double[pr.length];
        for (long t : new long[] {1, 2, 3, 1000}) {
            for (long i = 0; i < g.size(); i++) g.setFlat(i, (random.nextFloat() * 2 - 1) * (i % 7 == 0 ? 100 : 1));
            cpu.adam(p, g, m, v, lr, beta1, beta2, eps, t);
            for (int i = 0; i < pr.length; i++) {
                double gi = g.getFlat(i), b1m = beta1 * mr[i], b2v = beta2 * vr[i];
                mr[i] = b1m + (1 - (double) beta1) * gi;
                vr[i] = b2v + (1 - (double) beta2) * gi * gi;
                sm[i] = beta1 * sm[i] + Math.abs(b1m) + Math.abs((1 - (double) beta1) * gi) + Math.abs(mr[i]);
                sv[i] = beta2 * sv[i] + b2v + 2 * (1 - (double) beta2) * gi * gi + vr[i];
                double mHat = mr[i] / (1 - Math.pow(beta1, t)), vHat = vr[i] / (1 - Math.pow(beta2, t));
                pr[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                within(mr[i], m.getFlat(i), 2 * U * sm[i], "m at t=" + t, i, 0);
                within(vr[i], v.getFlat(i), 2 * U * sv[i], "v at t=" + t, i, 0);
                // Each step is at most a few lr in size with a float32 error of a few u of it
                // (1e-5·lr allows for the moments' errors); p's own rounding adds u·|p| per step.
                within(pr[i], p.getFlat(i), 4 * (2 * U * Math.abs(pr[i]) + 1e-5 * lr), "p at t=" + t, i, 0);
            }
        }
    }

    @Test
    void removeParallelComponent() {
        Matrix rows = random(F, D), grad = random(F, D);
        for (int c = 0; c < D; c++) rows.set(2, c, 0f);   // a zero row leaves its gradient alone
        float[] g0 = grad.toArray();
        cpu.removeParallelComponent(rows, grad);
        for (int r = 0; r < F; r++) {
            double gr = 0, rr = 0;
            for (int c = 0; c < D; c++) {
                gr += (double) g0[r * D + c] * rows.get(r, c);
                rr += (double) rows.get(r, c) * rows.get(r, c);
            }
            double coef = rr == 0 ? 0 : gr / rr, dot = 0;
            for (int c = 0; c < D; c++) {
                double expected = g0[r * D + c] - coef * rows.get(r, c);
                within(expected, grad.get(r, c), 4 * U * (Math.abs(g0[r * D + c]) + Math.abs(coef * rows.get(r, c))), "grad", r, c);
                dot += grad.get(r, c) * (double) rows.get(r, c);
            }
            assertTrue(Math.abs(dot) <= 1e-5 * Math.sqrt(rr) * norm(grad.row(r)) + 1e-6, "row " + r + " keeps a parallel part: " + dot);
        }
        for (int c = 0; c < D; c++) assertEquals(g0[2 * D + c], grad.get(2, c));
    }

    @Test
    void normaliseRows() {
        Matrix rows = random(F, D);
        for (int c = 0; c < D; c++) rows.set(4, c, 0f);
        float[] r0 = rows.toArray();
        cpu.normaliseRows(rows);
        for (int r = 0; r < F; r++) {
            double n = norm(Arrays.copyOfRange(r0, r * D, r * D + D));
            for (int c = 0; c < D; c++) {
                double expected = n == 0 ? 0 : r0[r * D + c] / n;
                within(expected, rows.get(r, c), 4 * U * Math.abs(expected) + Double.MIN_NORMAL, "row", r, c);
            }
            if (n != 0) assertEquals(1.0, norm(rows.row(r)), 4 * U * D);
        }
    }

    // ---- references and helpers ----

    @FunctionalInterface private interface Keep { boolean at(int row, int latent); }

    /** The codes hold exactly the entries {@code keep} picks, row by row in ascending latent order, with z's values. */
    private static void assertCodes(SparseCodes codes, Matrix z, Keep keep) {
        assertEquals(z.rows(), codes.rows());
        assertEquals(0, codes.rowStart(0));
        for (int r = 0; r < z.rows(); r++) {
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < z.cols(); i++) if (keep.at(r, i)) expected.add(i);
            List<Integer> actual = new ArrayList<>();
            for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) {
                actual.add(codes.index(e));
                assertEquals(z.get(r, codes.index(e)), codes.value(e), "value of entry " + e);
            }
            assertEquals(expected, actual, "latents of row " + r);
        }
    }

    /** Per row: the min(k, eligible positives) largest eligible positive entries (values are distinct). */
    private static void assertTopK(SparseCodes codes, Matrix z, int k, Matrix eligible) {
        int fewer = 0;
        for (int r = 0; r < z.rows(); r++) {
            final int row = r;
            List<Integer> candidates = new ArrayList<>();
            for (int i = 0; i < z.cols(); i++)
                if (z.get(r, i) > 0 && (eligible == null || eligible.getFlat(i) != 0)) candidates.add(i);
            candidates.sort(Comparator.comparingDouble(i -> -z.get(row, i)));
            TreeSet<Integer> expected = new TreeSet<>(candidates.subList(0, Math.min(k, candidates.size())));
            if (candidates.size() < k) fewer++;
            assertEquals(expected, rowIndices(codes, r, z), "top-k of row " + r);
        }
        assertTrue(fewer > 0 && fewer < z.rows(), "test data should have some rows with fewer than k candidates: " + fewer);
    }

    /** The latents of one row of codes, checking they ascend and carry z's values. */
    private static TreeSet<Integer> rowIndices(SparseCodes codes, int r, Matrix z) {
        TreeSet<Integer> set = new TreeSet<>();
        int last = -1;
        for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) {
            int i = codes.index(e);
            assertTrue(i > last, "latents of row " + r + " not ascending");
            assertEquals(z.get(r, i), codes.value(e));
            set.add(i);
            last = i;
        }
        return set;
    }

    private static float[] positivesDescending(Matrix z) {
        float[] all = z.toArray();
        float[] pos = new float[all.length];
        int n = 0;
        for (float v : all) if (v > 0) pos[n++] = v;
        pos = Arrays.copyOf(pos, n);
        Arrays.sort(pos);
        for (int i = 0; i < n / 2; i++) {
            float t = pos[i];
            pos[i] = pos[n - 1 - i];
            pos[n - 1 - i] = t;
        }
        return pos;
    }

    /** Random CSR codes: each (row, latent) present with probability {@code density}, values in (0, 2); row 0 empty. */
    private SparseCodes randomCodes(int rows, int latents, double density) {
        List<int[]> entries = new ArrayList<>();
        for (int r = 1; r < rows; r++)
            for (int i = 0; i < latents; i++) if (random.nextDouble() < density) entries.add(new int[] {r, i});
        SparseCodes codes = new SparseCodes(rows, latents, entries.size());
        codes.reset(rows, entries.size());
        int e = 0;
        for (int r = 0; r < rows; r++) {
            codes.setRowStart(r, e);
            while (e < entries.size() && entries.get(e)[0] == r) {
                codes.setIndex(e, entries.get(e)[1]);
                codes.setValue(e, 2 * random.nextFloat() + 1e-3f);
                e++;
            }
        }
        codes.setRowStart(rows, e);
        assertTrue(e > 0, "test data: no codes");
        return codes;
    }

    /** Drops every entry of one latent from the codes (rebuilding the CSR in place). */
    private static void removeLatent(SparseCodes codes, int latent) {
        int w = 0;
        for (int r = 0; r < codes.rows(); r++) {
            int start = codes.rowStart(r), end = codes.rowStart(r + 1);
            codes.setRowStart(r, w);
            for (int e = start; e < end; e++) {
                if (codes.index(e) == latent) continue;
                codes.setIndex(w, codes.index(e));
                codes.setValue(w++, codes.value(e));
            }
        }
        codes.setRowStart(codes.rows(), w);
    }

    /** A composite's gather against a per-row reference: each source's kept entries, renamed, source by source in order. */
    @Test
    void gatherCodesRenamesEachSourcesKeptEntriesInOrder() {
        int[] widths = {F, 17};
        SparseCodes[] parts = {cpu.newCodes(B, F, 1), cpu.newCodes(B, 17, 1)};
        Matrix[] positions = new Matrix[2];
        int next = 0;
        for (int s = 0; s < 2; s++) {
            cpu.selectAbove(random(B, widths[s]), null, parts[s]);
            positions[s] = Matrix.allocate(arena, 1, widths[s]);
            for (int i = 0; i < widths[s]; i++) positions[s].set(0, i, random.nextBoolean() ? next++ : -1);
        }
        try (SparseCodes out = cpu.newCodes(B, next, 1)) {
            cpu.gatherCodes(parts, positions, out);
            long kept = 0;
            for (int r = 0; r < B; r++) {
                List<Integer> indices = new ArrayList<>();
                List<Float> values = new ArrayList<>();
                for (int s = 0; s < 2; s++)
                    for (int e = parts[s].rowStart(r); e < parts[s].rowStart(r + 1); e++) {
                        int p = (int) positions[s].get(0, parts[s].index(e));
                        if (p < 0) continue;
                        indices.add(p);
                        values.add(parts[s].value(e));
                    }
                assertEquals(indices.size(), out.rowStart(r + 1) - out.rowStart(r), "row " + r);
                for (int i = 0; i < indices.size(); i++) {
                    assertEquals(indices.get(i), out.index(out.rowStart(r) + i), "row " + r + " entry " + i);
                    assertEquals(values.get(i), out.value(out.rowStart(r) + i), "row " + r + " entry " + i);
                }
                kept += indices.size();
            }
            assertTrue(kept > B && kept < parts[0].nnz() + parts[1].nnz(), "some entries kept, some dropped: " + kept);
        } finally {
            for (SparseCodes p : parts) p.close();
        }
    }

    /**
     * 2000 batches of values over twelve orders of magnitude, of both signs (so that the total
     * cancels to a fraction of its terms): the compensated pair equals the float64 sum of the
     * float32 inputs to batches·2⁻⁴⁷·Σ|x| (a double-float addition rounds once, by at most
     * 2⁻⁴⁷·|total|), where a float32 running sum is off by more than 10⁻⁸·Σ|x|.
     */
    @Test
    void addCompensatedKeepsTheTotalAsFloat64Would() {
        int n = 7, batches = 2000;
        Matrix x = Matrix.allocate(arena, 1, n), sum = cpu.allocate(arena, 1, n), error = cpu.allocate(arena, 1, n);
        double[] exact = new double[n], magnitude = new double[n];
        float[] plain = new float[n];
        for (int b = 0; b < batches; b++) {
            for (int j = 0; j < n; j++) {
                float v = (float) ((random.nextDouble() - 0.3) * Math.pow(10, random.nextInt(12) - 6));
                x.set(0, j, v);
                exact[j] += v;
                magnitude[j] += Math.abs(v);
                plain[j] += v;
            }
            cpu.addCompensated(x, sum, error);
        }
        boolean plainWasOff = false;
        for (int j = 0; j < n; j++) {
            double got = (double) sum.get(0, j) + error.get(0, j);
            assertEquals(exact[j], got, batches * 0x1p-47 * magnitude[j], "value " + j);
            plainWasOff |= Math.abs(plain[j] - exact[j]) > 1e-8 * magnitude[j];   // 700 times the bound above
        }
        assertTrue(plainWasOff, "a float32 running sum must be measurably off, or the test shows nothing");
    }

    private Matrix random(int rows, int cols) {
        Matrix x = Matrix.allocate(arena, rows, cols);
        for (long i = 0; i < x.size(); i++) x.setFlat(i, random.nextFloat() * 2 - 1);
        return x;
    }

    /** Random values in [-1, 1), all distinct, so that top-k sets have one right answer. */
    private Matrix distinct(int rows, int cols) {
        Matrix x = random(rows, cols);
        TreeSet<Float> seen = new TreeSet<>();
        for (long i = 0; i < x.size(); i++) {
            while (!seen.add(x.getFlat(i))) x.setFlat(i, random.nextFloat() * 2 - 1);
        }
        return x;
    }

    private static double[] toDouble(Matrix m) {
        double[] d = new double[Math.toIntExact(m.size())];
        for (int i = 0; i < d.length; i++) d[i] = m.getFlat(i);
        return d;
    }

    private static double norm(float[] x) {
        double s = 0;
        for (float v : x) s += (double) v * v;
        return Math.sqrt(s);
    }

    private static double gamma(int n) { return n * U / (1 - n * U); }

    private static void within(double expected, float actual, double bound, String what, long i, long j) {
        double error = Math.abs(actual - expected);
        if (!(error <= bound + Double.MIN_NORMAL))
            fail(what + "[" + i + "," + j + "] = " + actual + ", expected " + expected + " (error " + error + " > bound " + bound + ")");
    }
}
