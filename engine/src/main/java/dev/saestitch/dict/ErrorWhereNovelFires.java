package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * "Novel latents fire where the small SAE fails" (SPEC §2; workshop paper A.1, its table and
 * Figure 6): the mse of the small SAE S on the samples where novel latents of L fire against
 * the samples where they do not, accumulated over batches in float64. Two views:
 * <ul>
 *   <li>pooled: each sample is flagged when any novel latent fires on it; mse over flagged vs
 *       unflagged samples;</li>
 *   <li>per latent, as the paper's Figure 6: for each novel latent j, S's mse where j fires and
 *       where it does not, averaged over the novel latents that fired on some but not all samples.</li>
 * </ul>
 * mse here is the SPEC's: mean over samples and dimensions of (x − x̂_S)².
 */
public final class ErrorWhereNovelFires implements AutoCloseable {

    /** Mean mse of S over novel latents: where each fires, where it does not, and how many latents took part. */
    public record PerLatent(double mseWhereActive, double mseWhereInactive, int latents) {}

    private final Backend backend;
    private final boolean[] novel;     // (F_L)
    private final int dIn;
    private final PerLatentSums sums;
    private final Arena arena = Arena.ofShared();
    private final Matrix novelColumn;  // (F_L, 1) 1 for novel latents, backend
    private final Matrix rowScratch;   // (1, maxBatch) backend: row norms of the residual
    private final Matrix colScratch;   // (maxBatch, 1) backend: novel entries per row, then the per-sample sse
    private final Matrix hostRow;      // (1, maxBatch)
    private final Matrix hostCol;      // (maxBatch, 1)
    private final double[] sseWhereFired; // (F_L) Σ sse over the samples where j fired
    private final long[] fired;           // (F_L)
    private double sseFlagged, sseUnflagged;
    private long flagged, samples;

    /**
     * @param novel    per latent of L, whether it is novel (e.g. {@link LatentClasses#novelMask()})
     * @param dIn      the input dimension D
     * @param maxBatch the largest batch {@link #accept} will see
     */
    public ErrorWhereNovelFires(Backend backend, boolean[] novel, int dIn, int maxBatch) {
        this.backend = backend;
        this.novel = novel.clone();
        this.dIn = dIn;
        this.sums = new PerLatentSums(backend, novel.length, maxBatch);
        Matrix mask = Matrix.allocate(arena, novel.length, 1);
        for (int j = 0; j < novel.length; j++) mask.set(j, 0, novel[j] ? 1f : 0f);
        novelColumn = backend.allocate(arena, novel.length, 1);
        backend.upload(mask, novelColumn);
        rowScratch = backend.allocate(arena, 1, maxBatch);
        colScratch = backend.allocate(arena, maxBatch, 1);
        hostRow = Matrix.allocate(arena, 1, maxBatch);
        hostCol = Matrix.allocate(arena, maxBatch, 1);
        sseWhereFired = new double[novel.length];
        fired = new long[novel.length];
    }

    /**
     * Adds one batch.
     * @param residual (B, D) x − x̂_S, backend memory
     * @param codes    (B, F_L) L's sparse codes of the same inputs
     */
    public void accept(Matrix residual, SparseCodes codes) {
        sums.check(codes);
        int b = codes.rows();
        if (residual.rows() != b || residual.cols() != dIn)
            throw new IllegalArgumentException("residual " + residual.shape() + " does not match " + b + " code rows and D=" + dIn);
        // per-sample sse = ‖r_b‖²
        Matrix norms = rowScratch.packed(1, b), hostNorms = hostRow.packed(1, b);
        backend.rowNorms(residual, norms);
        backend.download(norms, hostNorms);
        // novel entries per row: the 0/1 indicator of the codes times the novel column
        Matrix column = colScratch.rows(0, b), hostColumn = hostCol.rows(0, b);
        backend.sparseDecode(sums.indicator(codes), novelColumn, null, column);
        backend.download(column, hostColumn);
        for (int r = 0; r < b; r++) {
            double sse = (double) hostNorms.get(0, r) * hostNorms.get(0, r);
            if (hostColumn.get(r, 0) > 0) {
                sseFlagged += sse;
                flagged++;
            } else sseUnflagged += sse;
            hostColumn.set(r, 0, (float) sse);
        }
        backend.upload(hostColumn, column);   // (B, 1) per-sample sse
        sums.addOverFiring(codes, column, sseWhereFired);
        sums.addCounts(codes, fired);
        samples += b;
    }

    public long samples() { return samples; }

    /** Samples on which at least one novel latent fired. */
    public long samplesWithNovel() { return flagged; }

    /** S's mse over the samples where some novel latent fires (NaN when there are none). */
    public double mseWhereNovelFires() { return sseFlagged / ((double) flagged * dIn); }

    /** S's mse over the samples where no novel latent fires (NaN when there are none). */
    public double mseWhereNoNovelFires() { return sseUnflagged / ((double) (samples - flagged) * dIn); }

    /** The per-latent view, averaged over the novel latents that fired on some but not all samples (NaN when there are none). */
    public PerLatent perLatent() {
        double total = sseFlagged + sseUnflagged, active = 0, inactive = 0;
        int n = 0;
        for (int j = 0; j < novel.length; j++) {
            if (!novel[j] || fired[j] == 0 || fired[j] == samples) continue;
            active += sseWhereFired[j] / ((double) fired[j] * dIn);
            inactive += (total - sseWhereFired[j]) / ((double) (samples - fired[j]) * dIn);
            n++;
        }
        return new PerLatent(active / n, inactive / n, n);
    }

    @Override public void close() {
        sums.close();
        arena.close();
    }
}
