package dev.saestitch.train;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Reconstruction metrics of an SAE with its inference rule over some batches (SPEC §1), in the
 * input's own units, accumulated in float64 on the host. A minimal evaluator for the end of a
 * training run; the metrics package holds the full set.
 *
 * @param samples      rows evaluated
 * @param mse          mean over samples and dimensions of (x − x̂)²
 * @param fvu          Σ‖x − x̂‖² / Σ‖x − x̄‖²
 * @param l0           mean non-zero codes per sample
 * @param deadFraction fraction of latents that fired on none of the rows
 */
public record Evaluation(long samples, double mse, double fvu, double l0, double deadFraction) {

    /** Evaluates {@code batches} batches of {@code batchSize} rows taken from {@code feed}. */
    public static Evaluation of(SaeRunner runner, BatchFeed feed, int batches, int batchSize) {
        if (batches < 1 || batchSize < 1) throw new IllegalArgumentException("evaluate at least one batch of one row, got " + batches + " of " + batchSize);
        int d = runner.sae().dIn(), f = runner.sae().width();
        double sse = 0, sumSquares = 0;
        double[] sum = new double[d];
        long codes = 0;
        boolean[] fired = new boolean[f];
        try (Arena arena = Arena.ofShared()) { // shared: a feed may fill the batch from several threads
            Matrix x = Matrix.allocate(arena, batchSize, d), xHat = Matrix.allocate(arena, batchSize, d);
            for (int b = 0; b < batches; b++) {
                feed.next(x);
                SparseCodes c = runner.encode(x);
                codes += c.nnz();
                for (long e = 0, n = c.nnz(); e < n; e++) fired[c.index(e)] = true;
                runner.decode(c, xHat);
                for (int r = 0; r < batchSize; r++)
                    for (int col = 0; col < d; col++) {
                        double v = x.get(r, col), diff = v - xHat.get(r, col);
                        sse += diff * diff;
                        sumSquares += v * v;
                        sum[col] += v;
                    }
            }
        }
        long n = (long) batches * batchSize;
        double centredTotal = sumSquares;
        for (double s : sum) centredTotal -= s * s / n;
        int dead = 0;
        for (boolean b : fired) if (!b) dead++;
        return new Evaluation(n, sse / ((double) n * d), sse / centredTotal, (double) codes / n, (double) dead / f);
    }
}
