package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * The exact effect on a small SAE S of adding each latent j of a large SAE L on its own, for
 * every j in one pass over the data (SPEC §2, "Effect of one addition"). With the residual
 * r = x − x̂_S and L's own code f_j(x), the sum x̂_S + f_j W_j changes the squared error by
 *
 * <pre>  Δsse_j(x) = −2 f_j(x)⟨r, W_j⟩ + f_j(x)²‖W_j‖²</pre>
 *
 * which is nonzero only where j fires. Per batch: one sampled product ⟨r_b, W_j⟩ at the active
 * entries, two per-latent product sums (Σ f·⟨r, W⟩ and Σ f²), and the firing counts; all
 * accumulated over batches on the backend ({@link BackendTotal}, float64-grade) and downloaded
 * when a result is asked for.
 *
 * <p>{@link #deltaMse()} divides by samples·D, so it is the change of S's mse in the SPEC's sense
 * (mean over samples and dimensions) over every sample seen, firing or not: the Figure 1 /
 * Table 2 quantity.
 */
public final class DeltaMse implements AutoCloseable {

    private final Backend backend;
    private final Matrix decoder;      // (F_L, D) L's decoder rows, backend memory, in the residual's units
    private final double[] normsSq;    // (F_L) ‖W_j‖²
    private final PerLatentSums sums;
    private final SparseCodes dots;    // ⟨r_b, W_j⟩ at the active entries of the current batch
    private final BackendTotal sumCodeDot; // (F_L) Σ f·⟨r, W⟩
    private final BackendTotal sumCodeSq;  // (F_L) Σ f²
    private final BackendTotal fired;      // (F_L) samples where j fired
    private long samples;

    /**
     * @param decoder  (F_L, D) decoder rows of L in the backend's memory; when L scales its inputs,
     *                 pass W_dec / inputScale so that f·W is in the residual's units
     * @param maxBatch the largest batch {@link #accept} will see
     */
    public DeltaMse(Backend backend, Matrix decoder, int maxBatch) {
        this.backend = backend;
        this.decoder = decoder;
        int f = decoder.rows();
        this.sums = new PerLatentSums(backend, f, maxBatch);
        this.dots = backend.newCodes(maxBatch, f, 1);
        this.normsSq = new double[f];
        try (Arena arena = Arena.ofShared()) {   // shared: backend ops may run on worker threads
            Matrix norms = backend.allocate(arena, 1, f), host = Matrix.allocate(arena, 1, f);
            backend.rowNorms(decoder, norms);
            backend.download(norms, host);
            for (int j = 0; j < f; j++) normsSq[j] = (double) host.get(0, j) * host.get(0, j);
        }
        this.sumCodeDot = sums.perLatent();
        this.sumCodeSq = sums.perLatent();
        this.fired = sums.perLatent();
    }

    /**
     * Adds one batch.
     * @param residual (B, D) x − x̂_S, backend memory
     * @param codes    (B, F_L) L's sparse codes of the same inputs, from L's own encoder
     */
    public void accept(Matrix residual, SparseCodes codes) {
        sums.check(codes);
        if (residual.rows() != codes.rows() || residual.cols() != decoder.cols())
            throw new IllegalArgumentException("residual " + residual.shape() + " does not match " + codes.rows() + " code rows and D=" + decoder.cols());
        backend.sampledDot(codes, residual, decoder, dots);
        sums.addProducts(codes, dots, sumCodeDot);
        sums.addProducts(codes, codes, sumCodeSq);
        sums.addCounts(codes, fired);
        samples += codes.rows();
    }

    public int latents() { return normsSq.length; }

    /** Samples seen so far. */
    public long samples() { return samples; }

    /** Per latent, Σ over all samples seen of Δsse_j(x). */
    public double[] deltaSse() {
        double[] out = new double[normsSq.length], codeDot = sumCodeDot.values(), codeSq = sumCodeSq.values();
        for (int j = 0; j < out.length; j++) out[j] = -2 * codeDot[j] + normsSq[j] * codeSq[j];
        return out;
    }

    /** Per latent, the change of S's mse (mean over samples and dimensions) from adding latent j: Σ Δsse_j / (samples·D). */
    public double[] deltaMse() {
        double[] out = deltaSse();
        double n = (double) samples * decoder.cols();
        for (int j = 0; j < out.length; j++) out[j] /= n;
        return out;
    }

    /** Per latent, the number of samples where it fired. */
    public long[] firingCounts() { return fired.counts(); }

    @Override public void close() {
        dots.close();
        sums.close();
    }
}
