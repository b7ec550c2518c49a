package dev.saestitch.train;

import dev.saestitch.input.InputException;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * The starting point of a run: decoder rows in random directions (seeded) with norm
 * {@code decoderInitNorm}, W_enc a copy of them (W_enc = W_decᵀ in the papers' (D, F) layout),
 * b_enc = 0, b_dec from the first batch, JumpReLU θ at its initial value, and the input scale
 * s = sqrt(D / mean ‖x‖²) estimated on the first {@code normBatches} batches. The batches read
 * here are given back: the feed is moved to where it stood, so training starts on them.
 */
final class Initializer {

    private Initializer() {}

    /**
     * What the first batches of the feed give every run that starts on them: the input scale and
     * the first batch (unscaled). The SAEs of a group share it, so the batches are read once.
     */
    record Start(int dIn, double scale, double[][] firstBatch) {
        /** The scale as the trainer applies it (float32); the bias initialisation uses the float64 value. */
        float inputScale() { return (float) scale; }
    }

    static Sae initialise(TrainConfig cfg, BatchFeed feed) {
        return weights(cfg, measure(cfg, feed));
    }

    /** Reads the first batches (the scale's {@code normBatches}, or one) and moves the feed back to where it stood. */
    static Start measure(TrainConfig cfg, BatchFeed feed) {
        int d = feed.dim();
        long[] start = feed.position();
        double[][] first;
        double scale;
        try (Arena arena = Arena.ofShared()) { // shared: a feed may fill the batch from several threads
            Matrix batch = Matrix.allocate(arena, cfg.batchSize(), d);
            double sumSquares = 0;
            int batches = cfg.normaliseInput() ? cfg.normBatches() : 1;
            first = null;
            for (int n = 0; n < batches; n++) {
                feed.next(batch);
                // One bulk copy, then the same sum in the same order: a per-element segment read cost more than the sum.
                for (float v : batch.toArray()) sumSquares += (double) v * v;
                if (n == 0) first = toRows(batch);
            }
            double meanSquaredNorm = sumSquares / ((long) batches * cfg.batchSize());
            if (!(meanSquaredNorm > 0 && Double.isFinite(meanSquaredNorm)))
                throw new InputException("cannot normalise the input: mean squared norm of the first batches is " + meanSquaredNorm);
            scale = cfg.normaliseInput() ? Math.sqrt(d / meanSquaredNorm) : 1;
        }
        feed.seek(start);
        return new Start(d, scale, first);
    }

    /** The initial SAE of {@code cfg} (its seed, width, architecture) on the measured start. */
    static Sae weights(TrainConfig cfg, Start start) {
        int d = start.dIn();
        double scale = start.scale();
        double[][] first = new double[start.firstBatch().length][];
        for (int r = 0; r < first.length; r++) first[r] = start.firstBatch()[r].clone();
        Sae sae = new Sae(cfg.architecture(), d, cfg.width(), cfg.k(), cfg.centreInput());
        sae.setInputScale(start.inputScale());
        randomRows(sae.wDec(), cfg.decoderInitNorm(), new SplittableRandom(cfg.seed()));
        sae.wEnc().copyFrom(sae.wDec());
        for (double[] row : first) for (int c = 0; c < d; c++) row[c] *= scale;
        double[] bias = switch (cfg.decoderBiasInit()) {
            case GEOMETRIC_MEDIAN -> GeometricMedian.of(first, cfg.geometricMedianIterations());
            case MEAN -> GeometricMedian.mean(first);
            case ZERO -> new double[d];
        };
        for (int c = 0; c < d; c++) sae.bDec().set(0, c, (float) bias[c]);
        if (cfg.architecture().learnsThreshold()) sae.threshold().fill((float) cfg.jumpReluInitThreshold());
        return sae;
    }

    /** Gaussian rows scaled to {@code norm}: directions uniform on the sphere. */
    private static void randomRows(Matrix m, double norm, SplittableRandom rng) {
        double[] row = new double[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            double ss = 0;
            for (int c = 0; c < row.length; c++) {
                row[c] = rng.nextGaussian();
                ss += row[c] * row[c];
            }
            double f = norm / Math.sqrt(ss);
            for (int c = 0; c < row.length; c++) m.set(r, c, (float) (row[c] * f));
        }
    }

    private static double[][] toRows(Matrix m) {
        double[][] rows = new double[m.rows()][m.cols()];
        for (int r = 0; r < m.rows(); r++) for (int c = 0; c < m.cols(); c++) rows[r][c] = m.get(r, c);
        return rows;
    }
}
