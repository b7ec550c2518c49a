package dev.saestitch.io;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Random SAEs and a float64 reference of applying one (Sae's documented forward pass), for the format tests. */
final class SaeTestSupport {

    private SaeTestSupport() {}

    /** An SAE with random weights, positive thresholds (one global θ for BatchTopK) and the given scale. */
    static Sae randomSae(Architecture a, int d, int f, int k, boolean centre, float scale, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Sae sae = new Sae(a, d, f, k, centre);
        fill(sae.wEnc(), rnd);
        fill(sae.bEnc(), rnd);
        fill(sae.wDec(), rnd);
        fill(sae.bDec(), rnd);
        if (a == Architecture.BATCHTOPK) sae.threshold().fill(0.25f + (float) rnd.nextDouble());
        else if (a == Architecture.JUMPRELU)
            for (int i = 0; i < f; i++) sae.threshold().setFlat(i, (float) rnd.nextDouble(0.05, 1.5));
        sae.setInputScale(scale);
        return sae;
    }

    static void fill(Matrix m, SplittableRandom rnd) {
        float[] v = RawFiles.gaussians(rnd, Math.toIntExact(m.size()));
        for (int i = 0; i < v.length; i++) m.setFlat(i, v[i]);
    }

    /** z = (x·s − b_dec·[centre]) W_encᵀ + b_enc, in float64. */
    static double[][] preActivations(Sae sae, float[][] x) {
        int d = sae.dIn(), f = sae.width();
        double s = sae.inputScale();
        double[][] z = new double[x.length][f];
        for (int b = 0; b < x.length; b++)
            for (int i = 0; i < f; i++) {
                double acc = sae.bEnc().getFlat(i);
                for (int j = 0; j < d; j++)
                    acc += (x[b][j] * s - (sae.centreInput() ? sae.bDec().getFlat(j) : 0.0)) * sae.wEnc().get(i, j);
                z[b][i] = acc;
            }
        return z;
    }

    /** σ(z) at inference: ReLU; the k largest of ReLU(z); z·H(z − θ_i) for JumpReLU and BatchTopK. */
    static double[][] codes(Sae sae, double[][] z) {
        double[][] out = new double[z.length][];
        for (int b = 0; b < z.length; b++) {
            double[] row = z[b].clone();
            switch (sae.architecture()) {
                case RELU -> { for (int i = 0; i < row.length; i++) row[i] = Math.max(0, row[i]); }
                case TOPK -> {
                    double[] sorted = row.clone();
                    Arrays.sort(sorted);
                    double kth = sorted[row.length - sae.k()];
                    for (int i = 0; i < row.length; i++) row[i] = row[i] >= kth ? Math.max(0, row[i]) : 0;
                }
                case JUMPRELU, BATCHTOPK -> {
                    for (int i = 0; i < row.length; i++) row[i] = row[i] > sae.threshold().getFlat(i) ? row[i] : 0;
                }
            }
            out[b] = row;
        }
        return out;
    }

    /** x̂ = (f W_dec + b_dec) / s, in float64. */
    static double[][] reconstruct(Sae sae, double[][] codes) {
        int d = sae.dIn();
        double s = sae.inputScale();
        double[][] out = new double[codes.length][d];
        for (int b = 0; b < codes.length; b++)
            for (int j = 0; j < d; j++) {
                double acc = sae.bDec().getFlat(j);
                for (int i = 0; i < codes[b].length; i++) acc += codes[b][i] * sae.wDec().get(i, j);
                out[b][j] = acc / s;
            }
        return out;
    }

    static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] r : a) for (double v : r) m = Math.max(m, Math.abs(v));
        return m;
    }

    static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    static void assertBitEqual(Matrix expected, Matrix actual, String what) {
        if (expected == null && actual == null) return;
        if (expected == null || actual == null) throw new AssertionError(what + ": one of the two is null");
        if (!expected.shape().equals(actual.shape())) throw new AssertionError(what + ": shape " + expected.shape() + " vs " + actual.shape());
        for (long i = 0; i < expected.size(); i++)
            if (Float.floatToRawIntBits(expected.getFlat(i)) != Float.floatToRawIntBits(actual.getFlat(i)))
                throw new AssertionError(what + " differs at " + i + ": " + expected.getFlat(i) + " vs " + actual.getFlat(i));
    }
}
