package dev.saestitch.train;

import dev.saestitch.sae.InferenceRunner;
import dev.saestitch.metrics.LatentActivity;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Reconstruction metrics of an SAE with its inference rule over some rows (SPEC §1), in the
 * input's own units, accumulated in float64 by {@link ReconstructionMetrics}.
 *
 * @param samples      rows evaluated
 * @param mse          mean over samples and dimensions of (x − x̂)²
 * @param sse          mean per-sample ‖x − x̂‖²
 * @param fvu          Σ‖x − x̂‖² / Σ‖x − x̄‖²
 * @param l0           mean non-zero codes per sample
 * @param deadFraction fraction of latents that fired on none of the rows
 * @param fireCounts   per latent, the rows it fired on
 */
public record Evaluation(long samples, double mse, double sse, double fvu, double l0, double deadFraction, long[] fireCounts) {

    /** Evaluates {@code batches} batches of {@code batchSize} rows taken from {@code feed}. */
    public static Evaluation of(InferenceRunner runner, BatchFeed feed, int batches, int batchSize) {
        if (batches < 1 || batchSize < 1) throw new IllegalArgumentException("evaluate at least one batch of one row, got " + batches + " of " + batchSize);
        ReconstructionMetrics metrics = new ReconstructionMetrics(runner.dIn());
        long[] fired = new long[runner.width()];
        try (Arena arena = Arena.ofShared()) {
            Matrix x = Matrix.allocate(arena, batchSize, runner.dIn());
            Matrix xHat = Matrix.allocate(arena, batchSize, runner.dIn());
            for (int b = 0; b < batches; b++) {
                feed.next(x);
                SparseCodes codes = runner.encode(x);
                LatentActivity.count(codes, fired);
                runner.decode(codes, xHat);
                metrics.add(x, xHat, codes.nnz());
            }
        }
        ReconstructionMetrics.Summary s = metrics.summary();
        return new Evaluation(s.samples(), s.mse(), s.sse(), s.fvu(), s.l0(), LatentActivity.deadFraction(fired), fired);
    }
}
