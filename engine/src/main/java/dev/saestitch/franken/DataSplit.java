package dev.saestitch.franken;

import dev.saestitch.data.ActivationSource;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.InferenceRunner;
import dev.saestitch.train.BatchFeed;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.ShuffledFeed;

/**
 * Rows to fit decoders on and disjoint held-out rows to evaluate every SAE on: the last
 * {@code heldOut} rows of the source are held out (for files, a tail of documents rather than
 * scattered rows), the rest are fitted on, shuffled.
 *
 * @param fit        rows [0, N − H)
 * @param heldOut    rows [N − H, N)
 * @param evalBatch  rows per evaluation batch; every evaluation reads the same ⌊H / evalBatch⌋ batches
 * @param seed       order of the fitted rows
 */
public record DataSplit(ActivationSource fit, ActivationSource heldOut, int evalBatch, long seed) {

    /**
     * Holds out min(evalRows, N/4) rows, at least one.
     * @param source not owned: close it after the split's last use
     */
    public static DataSplit of(ActivationSource source, int evalRows, int evalBatch, long seed) {
        if (evalRows < 1 || evalBatch < 1) throw new IllegalArgumentException("evaluate at least one row in batches of at least one, got " + evalRows + " in " + evalBatch);
        long n = source.rows();
        if (n < 2) throw new InputException(source.describe() + " has " + n + " rows: too few to hold some out for evaluation");
        long held = Math.max(1, Math.min(evalRows, n / 4));
        return new DataSplit(new RowRange(source, 0, n - held), new RowRange(source, n - held, held),
                (int) Math.min(evalBatch, held), seed);
    }

    /** A fresh shuffled stream over the fitted rows. */
    public BatchFeed fitFeed() { return new ShuffledFeed(fit, seed); }

    /** Rows evaluated by {@link #evaluate}. */
    public long evaluatedRows() { return heldOut.rows() / evalBatch * evalBatch; }

    /** Metrics of {@code runner} on the held-out rows, the same rows in the same order for every runner. */
    public Evaluation evaluate(InferenceRunner runner) {
        return Evaluation.of(runner, new ShuffledFeed(heldOut, seed), (int) (heldOut.rows() / evalBatch), evalBatch);
    }
}
