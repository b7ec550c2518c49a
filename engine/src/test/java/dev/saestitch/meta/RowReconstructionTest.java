package dev.saestitch.meta;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The variance a meta-SAE explains over the decoder rows, against a float64 computation written
 * out here: the inference rule of a BatchTopK SAE (input scale, b_dec centring, z·H(z − θ)), then
 * 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² over every row once. 4099 rows cross the 4096-row batch.
 */
class RowReconstructionTest {

    private static final int F = 4099, D = 7, W = 13, K = 3;
    private static final float SCALE = 1.7f, THETA = 0.4f;

    @Test void varianceExplainedL0AndDeadFractionMatchFloat64() {
        Backend backend = new CpuBackend(new JavaGemm(), "test");
        // Data are drawn again until no pre-activation lies within 3e-5 of θ: float32 and float64
        // then take the same z > θ decisions (the float32 z errs by ≤ (D + 2)·Σ|terms|·2⁻²⁴ ≈ 1.5e-5 here).
        for (long seed = 11; ; seed++) {
            try (Arena arena = Arena.ofShared(); Sae meta = new Sae(Architecture.BATCHTOPK, D, W, K, true)) {
                Matrix dict = plant(new SplittableRandom(seed), arena, meta);
                try (DecoderRows rows = DecoderRows.of(dict, "test dictionary")) {
                    Reference ref = reference(rows.unitRows(), meta);
                    if (ref.closestToThreshold < 3e-5) continue;
                    RowReconstruction fit = RowReconstruction.of(backend, meta, rows);
                    assertEquals(F, fit.rows());
                    // float32 encode/decode over D = 7, W = 13 (errors ~1e-6 per entry) summed in float64: 1e-5 relative is ample
                    assertEquals(ref.fvu, fit.fvu(), 1e-5 * ref.fvu);
                    assertEquals(1 - ref.fvu, fit.varianceExplained(), 1e-5 * ref.fvu);
                    assertEquals(ref.mse, fit.mse(), 1e-5 * ref.mse);
                    assertEquals(ref.l0, fit.l0(), 0.0, "same decisions give the same count");
                    assertEquals(ref.deadFraction, fit.deadFraction(), 0.0);
                    assertEquals(1.0 / W, ref.deadFraction, 0.0, "only the planted latent is dead");
                    assertTrue(ref.fvu > 0.05, "a reference fvu of " + ref.fvu + " would hardly test the error sums");
                    return;
                }
            }
        }
    }

    /** Random weights into {@code meta} (latent W−1 never fires: zero encoder row, b_enc 0 < θ); returns a random (F, D) dictionary. */
    private static Matrix plant(SplittableRandom rng, Arena arena, Sae meta) {
        Matrix dict = Matrix.allocate(arena, F, D);
        for (long i = 0; i < dict.size(); i++) dict.setFlat(i, (float) (rng.nextGaussian() + 0.3));
        for (long i = 0; i < meta.wEnc().size(); i++) meta.wEnc().setFlat(i, (float) (0.6 * rng.nextGaussian()));
        for (long i = 0; i < meta.wDec().size(); i++) meta.wDec().setFlat(i, (float) (0.5 * rng.nextGaussian()));
        for (int i = 0; i < W; i++) meta.bEnc().setFlat(i, (float) (0.2 * rng.nextGaussian()));
        for (int c = 0; c < D; c++) meta.bDec().setFlat(c, (float) (0.1 * rng.nextGaussian()));
        for (int c = 0; c < D; c++) meta.wEnc().set(W - 1, c, 0f);
        meta.bEnc().setFlat(W - 1, 0f);
        meta.threshold().fill(THETA);
        meta.setInputScale(SCALE);
        return dict;
    }

    private record Reference(double fvu, double mse, double l0, double deadFraction, double closestToThreshold) {}

    private static Reference reference(Matrix x, Sae meta) {
        double s = meta.inputScale(), sse = 0, active = 0, closest = Double.POSITIVE_INFINITY;
        double[] mean = new double[D];
        boolean[] fired = new boolean[W];
        for (int r = 0; r < F; r++) for (int c = 0; c < D; c++) mean[c] += x.get(r, c) / (double) F;
        double total = 0;
        for (int r = 0; r < F; r++) {
            double[] xHat = new double[D];
            for (int c = 0; c < D; c++) xHat[c] = meta.bDec().getFlat(c);
            for (int i = 0; i < W; i++) {
                double z = meta.bEnc().getFlat(i);
                for (int c = 0; c < D; c++) z += (x.get(r, c) * s - meta.bDec().getFlat(c)) * meta.wEnc().get(i, c);
                closest = Math.min(closest, Math.abs(z - meta.threshold().getFlat(i)));
                if (z <= meta.threshold().getFlat(i)) continue;
                active++;
                fired[i] = true;
                for (int c = 0; c < D; c++) xHat[c] += z * meta.wDec().get(i, c);
            }
            for (int c = 0; c < D; c++) {
                double e = x.get(r, c) - xHat[c] / s, v = x.get(r, c) - mean[c];
                sse += e * e;
                total += v * v;
            }
        }
        int dead = 0;
        for (boolean f : fired) if (!f) dead++;
        return new Reference(sse / total, sse / ((double) F * D), active / F, (double) dead / W, closest);
    }
}
