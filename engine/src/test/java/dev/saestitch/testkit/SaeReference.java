package dev.saestitch.testkit;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random SAEs of every architecture and an independent float64 reference of one SAE's inference
 * rule (SPEC §1), with the smallest distance of any pre-activation from the rule's decision
 * boundary so that tests can tell that float32 and float64 must decide alike, and its
 * reconstruction. The one random-SAE generator of the tests (engine test-jar); uses none of the
 * code under test.
 */
public final class SaeReference {

    private SaeReference() {}

    /**
     * An SAE with Gaussian weights scaled so that pre-activations of unit Gaussian inputs are
     * O(1): a third to a half of ReLU latents fire; JumpReLU θ_i in [0.2, 0.8]; BatchTopK θ = 0.5.
     */
    public static Sae random(Architecture a, int d, int f, int k, boolean centre, float scale, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Sae sae = new Sae(a, d, f, k, centre);
        sae.setInputScale(scale);
        double enc = 1 / Math.sqrt(d) / scale;
        for (int i = 0; i < f; i++) {
            for (int c = 0; c < d; c++) {
                sae.wEnc().set(i, c, (float) (enc * gaussian(rnd)));
                sae.wDec().set(i, c, (float) (scale * gaussian(rnd) / Math.sqrt(d) * (0.5 + rnd.nextDouble())));
            }
            sae.bEnc().set(0, i, (float) (-0.3 + 0.2 * gaussian(rnd)));
            if (a == Architecture.JUMPRELU) sae.threshold().set(0, i, (float) (0.2 + 0.6 * rnd.nextDouble()));
            if (a == Architecture.BATCHTOPK) sae.threshold().set(0, i, 0.5f);
        }
        for (int c = 0; c < d; c++) sae.bDec().set(0, c, (float) (scale * (0.8 * gaussian(rnd) + 0.5)));
        return sae;
    }

    /** (n, d) rows x = offset + Gaussian, the offset away from zero so that b_dec matters. */
    public static Matrix rows(Arena arena, int n, int d, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] offset = new double[d];
        for (int c = 0; c < d; c++) offset[c] = 0.7 * gaussian(rnd);
        Matrix x = Matrix.allocate(arena, n, d);
        for (int r = 0; r < n; r++) for (int c = 0; c < d; c++) x.set(r, c, (float) (offset[c] + gaussian(rnd)));
        return x;
    }

    /** Codes of one SAE in float64 and the smallest margin of any decision. */
    public record Codes(double[][] f, double margin) {}

    /** f = σ((s·x − c·b_dec) W_encᵀ + b_enc) per row, in float64 from the float32 weights. */
    public static Codes codes(Sae sae, Matrix x) { return codes(sae, preActivations(sae, x)); }

    /** z = (s·x − c·b_dec) W_encᵀ + b_enc per row of x (n, D), in float64 from the float32 weights. */
    public static double[][] preActivations(Sae sae, Matrix x) {
        float[][] rows = new float[x.rows()][];
        for (int r = 0; r < rows.length; r++) rows[r] = x.row(r);
        return preActivations(sae, rows);
    }

    /** z of rows given as arrays of D values. */
    public static double[][] preActivations(Sae sae, float[][] x) {
        int d = sae.dIn(), width = sae.width();
        double s = sae.inputScale();
        double[][] z = new double[x.length][width];
        for (int r = 0; r < x.length; r++)
            for (int i = 0; i < width; i++) {
                double acc = sae.bEnc().get(0, i);
                for (int c = 0; c < d; c++)
                    acc += (s * x[r][c] - (sae.centreInput() ? sae.bDec().get(0, c) : 0)) * sae.wEnc().get(i, c);
                z[r][i] = acc;
            }
        return z;
    }

    /** The inference rule applied to pre-activations z: ReLU; TopK's k largest positive; z·H(z − θ_i) for JumpReLU and BatchTopK. */
    public static Codes codes(Sae sae, double[][] zs) {
        int width = sae.width();
        double[][] f = new double[zs.length][width];
        double margin = Double.POSITIVE_INFINITY;
        for (int r = 0; r < zs.length; r++) {
            double[] z = zs[r];
            switch (sae.architecture()) {
                case RELU -> {
                    for (int i = 0; i < width; i++) {
                        if (z[i] > 0) f[r][i] = z[i];
                        margin = Math.min(margin, Math.abs(z[i]));
                    }
                }
                case JUMPRELU, BATCHTOPK -> {
                    for (int i = 0; i < width; i++) {
                        double t = sae.threshold().get(0, i);
                        if (z[i] > t) f[r][i] = z[i];
                        margin = Math.min(margin, Math.abs(z[i] - t));
                    }
                }
                case TOPK -> {
                    double[] sorted = z.clone();
                    Arrays.sort(sorted);
                    double kth = sorted[width - sae.k()], next = sorted[width - sae.k() - 1];
                    for (int i = 0; i < width; i++) if (z[i] >= kth && z[i] > 0) f[r][i] = z[i];
                    margin = Math.min(margin, Math.min(kth - next, Math.abs(kth)));
                }
            }
        }
        return new Codes(f, margin);
    }

    /** x̂ = (f W_dec + b_dec) / s over every latent, row by row, in float64. */
    public static double[][] reconstruct(Sae sae, double[][] f) {
        double[][] out = decode(sae, f, java.util.stream.IntStream.range(0, sae.width()).toArray());
        for (double[] row : out) for (int c = 0; c < row.length; c++) row[c] += sae.bDec().get(0, c) / (double) sae.inputScale();
        return out;
    }

    /** Σ_i f_i · W_dec_i / s over one SAE's latents {@code latents} (no bias), row by row, in float64. */
    public static double[][] decode(Sae sae, double[][] f, int[] latents) {
        double[][] out = new double[f.length][sae.dIn()];
        for (int r = 0; r < f.length; r++)
            for (int l : latents)
                if (f[r][l] != 0)
                    for (int c = 0; c < sae.dIn(); c++) out[r][c] += f[r][l] * (double) sae.wDec().get(l, c) / sae.inputScale();
        return out;
    }

    public static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
    }
}
