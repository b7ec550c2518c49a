package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.BatchFeed;

import java.lang.foreign.Arena;

/**
 * The encoder side of seed matching in the data's covariance metric (issue 12): two latents are
 * compared by the correlation, over the data, of their pre-activations. For any SAE a latent's
 * pre-activation is z_i = s·x·e_i + const (centring and biases are constants, the input scale s
 * one factor), so corr(z_i, z_j) = e_iᵀΣe_j / √(e_iᵀΣe_i · e_jᵀΣe_j) with Σ the data's covariance:
 * the cosine of the rows e_i·L where Σ = L·Lᵀ. Whitening both encoders by L and matching their
 * cosines with the paper's solver therefore matches pre-activation correlations exactly.
 *
 * <p>Why: post-LayerNorm activations are badly conditioned, and encoder rows put much of their
 * energy in directions the data barely varies along, which the data does not determine and which
 * differ by seed; the correlation weighs each direction by the data's variance along it.
 */
public final class PreActivationCorrelation {

    /** (D, D) L, lower triangular, Σ = L·Lᵀ, in float64. */
    private final double[][] factor;

    private PreActivationCorrelation(double[][] factor) { this.factor = factor; }

    /**
     * Σ from {@code batches} batches of {@code batchSize} rows of {@code feed}.
     * X̃ᵀX̃ of each batch is a float32 GEMM on the backend, accumulated in float64, with the rows
     * shifted by the first batch's mean so that the data's offset does not cancel catastrophically.
     */
    public static PreActivationCorrelation of(Backend backend, BatchFeed feed, int batches, int batchSize) {
        if (batches < 1 || batchSize < 2) throw new IllegalArgumentException("a covariance needs at least one batch of two rows, got " + batches + " of " + batchSize);
        int d = feed.dim(), n = batchSize;
        double[] shift = null, sum = new double[d];
        double[][] gram = new double[d][d];
        try (Arena arena = Arena.ofConfined()) {
            Matrix x = Matrix.allocate(arena, n, d), xDev = backend.allocate(arena, n, d), g = backend.allocate(arena, d, d), gHost = Matrix.allocate(arena, d, d);
            for (int b = 0; b < batches; b++) {
                feed.next(x);
                float[] xs = x.toArray();
                if (shift == null) shift = mean(xs, d);
                for (int i = 0; i < xs.length; i++) {
                    xs[i] -= (float) shift[i % d];
                    sum[i % d] += xs[i];
                }
                backend.upload(Matrix.of(arena, n, d, xs), xDev);
                backend.gemm(true, false, 1f, xDev, xDev, 0f, g);
                backend.download(g, gHost);
                for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) gram[i][j] += gHost.get(i, j);
            }
        }
        double total = (double) batches * batchSize;
        double[][] cov = new double[d][d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) cov[i][j] = (gram[i][j] - sum[i] * sum[j] / total) / total;
        return new PreActivationCorrelation(cholesky(cov));
    }

    /** (F, D) the rows whitened: row i becomes e_i·L, whose cosines are the pre-activations' correlations. Owned by {@code arena}. */
    public Matrix whiten(Arena arena, Matrix rows) {
        int d = factor.length;
        if (rows.cols() != d) throw new IllegalArgumentException("rows of dimension " + rows.cols() + " for data of dimension " + d);
        float[] in = rows.toArray(), out = new float[in.length];
        double[] acc = new double[d];
        for (int r = 0; r < rows.rows(); r++) {
            java.util.Arrays.fill(acc, 0);
            for (int k = 0; k < d; k++) {
                double e = in[r * d + k];
                if (e == 0) continue;
                double[] lk = factor[k];
                for (int j = 0; j <= k; j++) acc[j] += e * lk[j];   // (e·L)_j = Σ_k e_k L_kj, L_kj = 0 for j > k
            }
            for (int j = 0; j < d; j++) out[r * d + j] = (float) acc[j];
        }
        return Matrix.of(arena, rows.rows(), d, out);
    }

    /** {@link SeedMatching#match} with the encoders compared by their pre-activations' correlation on the data. */
    public PairMatch match(Backend backend, Sae a, Sae b, double threshold) {
        try (Arena arena = Arena.ofConfined()) {
            return SeedMatching.match(backend, a, b, whiten(arena, a.wEnc()), whiten(arena, b.wEnc()), threshold);
        }
    }

    private static double[] mean(float[] xs, int d) {
        double[] m = new double[d];
        for (int i = 0; i < xs.length; i++) m[i % d] += xs[i];
        for (int j = 0; j < d; j++) m[j] /= xs.length / d;
        return m;
    }

    /**
     * L with Σ = L·Lᵀ for a positive semi-definite Σ: a direction the data does not vary along
     * (pivot ≤ 1e-12 of the largest variance, rounding) gets a zero column, as it adds nothing to any correlation.
     */
    static double[][] cholesky(double[][] cov) {
        int d = cov.length;
        double maxVar = 0;
        for (int i = 0; i < d; i++) maxVar = Math.max(maxVar, cov[i][i]);
        double[][] l = new double[d][d];
        for (int j = 0; j < d; j++) {
            double pivot = cov[j][j];
            for (int k = 0; k < j; k++) pivot -= l[j][k] * l[j][k];
            if (pivot <= 1e-12 * maxVar) continue;   // column j stays zero
            double root = Math.sqrt(pivot);
            l[j][j] = root;
            for (int i = j + 1; i < d; i++) {
                double v = cov[i][j];
                for (int k = 0; k < j; k++) v -= l[i][k] * l[j][k];
                l[i][j] = v / root;
            }
        }
        return l;
    }
}
