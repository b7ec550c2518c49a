package dev.saestitch.meta;

import dev.saestitch.backend.Backend;
import dev.saestitch.metrics.LatentActivity;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.sae.SaeRunner;

import java.lang.foreign.Arena;

/**
 * How well a meta-SAE, with its inference rule (BatchTopK: z·H(z − θ)), reconstructs the rows it
 * was trained on, each row exactly once, accumulated in float64 ({@link ReconstructionMetrics}).
 *
 * @param rows              decoder rows reconstructed (F of the base SAE)
 * @param mse               mean over rows and dimensions of (x − x̂)²
 * @param fvu               Σ‖x − x̂‖² / Σ‖x − x̄‖² over the (unit-norm) rows
 * @param varianceExplained 1 − fvu
 * @param l0                mean number of meta-latents active per row
 * @param deadFraction      meta-latents active on no row
 */
public record RowReconstruction(long rows, double mse, double fvu, double varianceExplained, double l0, double deadFraction) {

    /** Largest batch of rows sent to the backend at once. */
    private static final int BATCH = 4096;

    /** Reconstructs every row of {@code rows} with {@code metaSae}. */
    public static RowReconstruction of(Backend backend, Sae metaSae, DecoderRows rows) {
        Matrix all = rows.unitRows();   // (F, D)
        if (metaSae.dIn() != all.cols())
            throw new IllegalArgumentException("meta-SAE " + metaSae + " does not read rows of dimension " + all.cols());
        int f = all.rows(), batch = Math.min(BATCH, f);
        ReconstructionMetrics metrics = new ReconstructionMetrics(all.cols());
        long[] fired = new long[metaSae.width()];
        try (SaeRunner runner = new SaeRunner(backend, metaSae, batch); Arena arena = Arena.ofShared()) {
            Matrix xHat = Matrix.allocate(arena, batch, all.cols());   // (batch, D)
            for (int r0 = 0; r0 < f; r0 += batch) {
                int n = Math.min(batch, f - r0);
                Matrix x = all.rows(r0, n);
                SparseCodes codes = runner.encode(x);
                LatentActivity.count(codes, fired);
                runner.decode(codes, xHat.rows(0, n));
                metrics.add(x, xHat.rows(0, n), codes.nnz());
            }
        }
        ReconstructionMetrics.Summary s = metrics.summary();
        return new RowReconstruction(s.samples(), s.mse(), s.fvu(), 1 - s.fvu(), s.l0(), LatentActivity.deadFraction(fired));
    }
}
