package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.util.Arrays;

/**
 * How well a dictionary recovers known true features: for each true direction, the largest
 * cosine with any decoder row and which row attains it. The cosine is signed: a latent's codes
 * are non-negative, so a decoder row pointing against a feature cannot reconstruct it. A zero
 * row (true or decoder) has cosine 0 with everything.
 *
 * <p>One blockwise pass of the backend's GEMM over the unit rows ({@link MaxCosine}, as
 * {@code compare} does), which gives the maxima both ways at once: per true feature over the
 * decoder rows, and per decoder row over the true features. Values are within
 * {@link MaxCosine#errorBound(int)} of the exact cosines and never above 1.
 */
public final class FeatureRecovery {

    /** Max cosine at or above which a true feature counts as recovered. */
    public static final double RECOVERED_COSINE = 0.9;

    /** Per row scored: the best cosine over the other rows, and that row (−1 if there are none). */
    public record Result(float[] maxCosine, int[] bestLatent) {

        public int trueFeatures() { return maxCosine.length; }

        public double meanMaxCosine() {
            double sum = 0;
            for (float c : maxCosine) sum += c;
            return sum / maxCosine.length;
        }

        /** The fraction of true features with max cosine ≥ {@value #RECOVERED_COSINE}. */
        public double fractionRecovered() { return fractionAtLeast(RECOVERED_COSINE); }

        public double fractionAtLeast(double threshold) {
            long hits = 0;
            for (float c : maxCosine) if (c >= threshold) hits++;
            return (double) hits / maxCosine.length;
        }
    }

    /**
     * Both directions of one pass.
     * @param byTrueFeature (T) per true feature, its best decoder row
     * @param byLatent      (F) per decoder row, its best true feature
     */
    public record BothWays(Result byTrueFeature, Result byLatent) {}

    private FeatureRecovery() {}

    /** Scores {@code decoder} (F, D) rows against {@code truth} (T, D) rows; norms need not be 1. */
    public static Result score(Backend backend, Matrix truth, Matrix decoder) {
        return scoreBothWays(backend, truth, decoder).byTrueFeature();
    }

    /**
     * As {@link #score}, with each decoder row's best true feature too.
     * @param truth   (T, D) host matrix, T ≥ 1
     * @param decoder (F, D) host matrix; F = 0 recovers nothing
     */
    public static BothWays scoreBothWays(Backend backend, Matrix truth, Matrix decoder) {
        if (truth.cols() != decoder.cols())
            throw new IllegalArgumentException("true features " + truth.shape() + " and decoder " + decoder.shape()
                    + " differ in dimension");
        if (truth.rows() == 0) throw new IllegalArgumentException("no true features to recover");
        if (decoder.rows() == 0) {
            int[] none = new int[truth.rows()];
            Arrays.fill(none, -1);
            return new BothWays(new Result(new float[truth.rows()], none), new Result(new float[0], new int[0]));
        }
        MaxCosine max = MaxCosine.compute(backend, truth, decoder,
                TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, truth.rows(), decoder.rows()));
        return new BothWays(new Result(max.maxOverB(), max.argmaxInB()), new Result(max.maxOverA(), max.argmaxInA()));
    }
}
