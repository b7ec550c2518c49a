package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * "Novel latents fire where the small SAE fails" (SPEC §2; workshop paper A.1, its table and
 * Figure 6): the mse of the small SAE S on the samples where novel latents of L fire against
 * the samples where they do not, accumulated over batches on the backend ({@link BackendTotal},
 * float64-grade; nothing comes to the host until a result is asked for). Two views:
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
    private final Matrix ones;         // (maxBatch, 1) all ones, backend
    private final Matrix flagScratch;  // (maxBatch, 1) backend: novel entries per row, then 1 where there are any, then that times the sse
    private final Matrix restScratch;  // (maxBatch, 1) backend: 1 where no novel latent fires, then that times the sse
    private final BackendTotal sseFlagged;   // Σ S's sse over samples where some novel latent fires
    private final BackendTotal sseUnflagged; // the same where none does (summed apart: no cancellation against the total)
    private final BackendTotal flaggedCount; // samples where some novel latent fires
    private final BackendTotal sseWhereFired; // (F_L) Σ sse over the samples where j fired
    private long samples;

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
        Matrix hostOnes = Matrix.allocate(arena, maxBatch, 1);
        hostOnes.fill(1f);
        ones = backend.allocate(arena, maxBatch, 1);
        backend.upload(hostOnes, ones);
        flagScratch = backend.allocate(arena, maxBatch, 1);
        restScratch = backend.allocate(arena, maxBatch, 1);
        sseFlagged = sums.total(1);
        sseUnflagged = sums.total(1);
        flaggedCount = sums.total(1);
        sseWhereFired = sums.perLatent();
    }

    /**
     * Adds one batch.
     * @param sampleSse (B, 1) S's squared error ‖x − x̂_S‖² per sample, backend memory
     * @param codes     (B, F_L) L's sparse codes of the same inputs
     */
    public void accept(Matrix sampleSse, SparseCodes codes) {
        sums.check(codes);
        int b = codes.rows();
        if (sampleSse.rows() != b || sampleSse.cols() != 1)
            throw new IllegalArgumentException("per-sample errors " + sampleSse.shape() + " do not match " + b + " code rows");
        // flag = 1 where the row holds a novel entry: the 0/1 indicator of the codes times the novel column, then ≥ 1
        Matrix flag = flagScratch.rows(0, b), rest = restScratch.rows(0, b);
        backend.sparseDecode(sums.indicator(codes), novelColumn, null, flag);
        backend.greaterEqual(flag, 0.5f, flag);
        backend.subtract(ones.rows(0, b), flag, rest);
        flaggedCount.add(t -> backend.columnSums(flag, 1f, 0f, t));
        backend.multiply(flag, sampleSse, flag);
        backend.multiply(rest, sampleSse, rest);
        sseFlagged.add(t -> backend.columnSums(flag, 1f, 0f, t));
        sseUnflagged.add(t -> backend.columnSums(rest, 1f, 0f, t));
        sums.addOverFiring(codes, sampleSse, sseWhereFired);
        samples += b;
    }

    public long samples() { return samples; }

    /** Samples on which at least one novel latent fired. */
    public long samplesWithNovel() { return flaggedCount.counts()[0]; }

    /** S's mse over the samples where some novel latent fires (NaN when there are none). */
    public double mseWhereNovelFires() { return sseFlagged.total() / ((double) samplesWithNovel() * dIn); }

    /** S's mse over the samples where no novel latent fires (NaN when there are none). */
    public double mseWhereNoNovelFires() { return sseUnflagged.total() / ((double) (samples - samplesWithNovel()) * dIn); }

    /**
     * The per-latent view, averaged over the novel latents that fired on some but not all samples (NaN when there are none).
     * @param counts (F_L) per latent, the samples where it fired in the batches given here (as {@link DeltaMse#firingCounts()} counts them)
     */
    public PerLatent perLatent(long[] counts) {
        if (counts.length != novel.length) throw new IllegalArgumentException(counts.length + " firing counts for " + novel.length + " latents");
        double total = sseFlagged.total() + sseUnflagged.total(), active = 0, inactive = 0;
        double[] whereFired = sseWhereFired.values();
        int n = 0;
        for (int j = 0; j < novel.length; j++) {
            if (!novel[j] || counts[j] == 0 || counts[j] == samples) continue;
            active += whereFired[j] / ((double) counts[j] * dIn);
            inactive += (total - whereFired[j]) / ((double) (samples - counts[j]) * dIn);
            n++;
        }
        return new PerLatent(active / n, inactive / n, n);
    }

    @Override public void close() {
        sums.close();
        arena.close();
    }
}
