package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both forms of the sparse sampled dot against the float64 reference: each value is, bit for bit,
 * the float32 rounding of the float64 sum in column order (and so within 2⁻²⁴·|s| + γ_D·Σ|a·w| of
 * the exact dot). Widths that leave lanes over; rows with fewer than four entries (the scalar
 * form's tail). Dots placed on a float32 rounding boundary, where the lane sum alone would round
 * the other way, show the SIMD form's check at work.
 */
class SampledDotsTest {

    private static final int B = 23, F = 57;

    @ParameterizedTest
    @ValueSource(ints = {384, 29, 1, 8, 70})
    void bothFormsGiveTheColumnOrderFloat64SumRoundedOnce(int d) {
        SplittableRandom rnd = new SplittableRandom(d * 7L);
        try (Arena arena = Arena.ofShared(); SparseCodes pattern = new SparseCodes(B, F, (long) B * F)) {
            Matrix a = Matrix.allocate(arena, B, d), w = Matrix.allocate(arena, F, d);
            for (long i = 0; i < a.size(); i++) a.setFlat(i, (float) rnd.nextGaussian());
            for (long i = 0; i < w.size(); i++) w.setFlat(i, (float) (rnd.nextGaussian() * 0.1));
            int e = 0;
            for (int r = 0; r < B; r++) {
                pattern.setRowStart(r, e);
                for (int j = r % 5; j < F; j += 1 + rnd.nextInt(r % 3 == 0 ? 20 : 3)) pattern.setIndex(e++, j);
            }
            pattern.setRowStart(B, e);
            assertDotsAreTheRoundedChain(pattern, a, w);
        }
    }

    @Test
    void dotsOnARoundingBoundaryTakeTheChainsRounding() {
        // a·w = 1 + 2⁻²⁴ (halfway between two float32s) + 126·2⁻⁵⁴. The column-order chain drops each 2⁻⁵⁴ (under half
        // a float64 ulp of 1) and rounds the tie to even, 1; lanes add the small products among themselves first and round up.
        // Five latents alike, so that both the SIMD form's four-at-a-time dots and its single ones meet the case.
        int d = 128, latents = 5;
        try (Arena arena = Arena.ofShared(); SparseCodes pattern = new SparseCodes(1, latents, latents)) {
            Matrix a = Matrix.allocate(arena, 1, d), w = Matrix.allocate(arena, latents, d);
            for (int c = 0; c < d; c++) {
                a.set(0, c, 1f);
                for (int j = 0; j < latents; j++) w.set(j, c, c == 0 ? 1f : c == 1 ? 0x1p-24f : 0x1p-54f);
            }
            pattern.setRowStart(0, 0);
            for (int j = 0; j < latents; j++) pattern.setIndex(j, j);
            pattern.setRowStart(1, latents);
            double[] wide = new double[d];
            for (int c = 0; c < d; c++) wide[c] = a.get(0, c);
            assertEquals(1f, (float) CpuBackend.dot(a.data(), 0, w.data(), 0, d));
            assertNotEquals(1f, (float) VectorSampledDots.laneDot(wide, w.data(), 0, d), "the lane sum alone rounds the other way");
            assertDotsAreTheRoundedChain(pattern, a, w);
        }
    }

    @Test
    void theTestsRunTheSimdForm() {
        // surefire's argLine adds jdk.incubator.vector; CpuBackendTest then exercises this form too
        assertInstanceOf(VectorSampledDots.class, SampledDots.fastest());
    }

    private static void assertDotsAreTheRoundedChain(SparseCodes pattern, Matrix a, Matrix w) {
        int d = a.cols();
        for (SampledDots form : new SampledDots[] {new VectorSampledDots(), new ScalarSampledDots()}) {
            try (SparseCodes out = new SparseCodes(pattern.rows(), pattern.latents(), pattern.nnz())) {
                out.reset(pattern.rows(), pattern.nnz());
                for (int r = 0; r <= pattern.rows(); r++) out.setRowStart(r, pattern.rowStart(r));
                for (int e = 0; e < pattern.nnz(); e++) out.setIndex(e, pattern.index(e));
                form.compute(pattern, a, w, out);
                for (int r = 0; r < pattern.rows(); r++)
                    for (int e = pattern.rowStart(r); e < pattern.rowStart(r + 1); e++) {
                        int j = pattern.index(e);
                        double s = 0, magnitude = 0;
                        for (int c = 0; c < d; c++) {
                            double t = (double) a.get(r, c) * w.get(j, c);
                            s += t;
                            magnitude += Math.abs(t);
                        }
                        String what = form.getClass().getSimpleName() + " d=" + d + " row " + r + " latent " + j;
                        assertEquals(Float.floatToRawIntBits((float) s), Float.floatToRawIntBits(out.value(e)), what);
                        assertTrue(Math.abs(out.value(e) - s) <= 0x1p-24 * Math.abs(s) + d * 0x1p-53 * magnitude * 1.01, what);
                    }
            }
        }
    }
}
