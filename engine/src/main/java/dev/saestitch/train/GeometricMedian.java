package dev.saestitch.train;

/**
 * The geometric median of a set of points (the point minimising the sum of Euclidean distances),
 * by Weiszfeld's iteration from the mean, as sparsify and dictionary_learning initialise b_dec.
 * Host code in float64: it runs once, on one batch, before training.
 */
final class GeometricMedian {

    /** Stop when an iteration moves the estimate by less than this (inputs are normalised to E‖x‖² = D). */
    private static final double TOLERANCE = 1e-5;
    /** Distances below this are clamped so a point that coincides with the estimate gets a finite weight. */
    private static final double MIN_DISTANCE = 1e-12;

    private GeometricMedian() {}

    /** The mean of the rows. */
    static double[] mean(double[][] points) {
        int d = points[0].length;
        double[] m = new double[d];
        for (double[] p : points) for (int c = 0; c < d; c++) m[c] += p[c];
        for (int c = 0; c < d; c++) m[c] /= points.length;
        return m;
    }

    /** Weiszfeld's estimate after at most {@code maxIterations} iterations. */
    static double[] of(double[][] points, int maxIterations) {
        double[] guess = mean(points);
        int d = guess.length;
        for (int it = 0; it < maxIterations; it++) {
            double[] next = new double[d];
            double weightSum = 0;
            for (double[] p : points) {
                double dist = 0;
                for (int c = 0; c < d; c++) dist += (p[c] - guess[c]) * (p[c] - guess[c]);
                double w = 1 / Math.max(Math.sqrt(dist), MIN_DISTANCE);
                weightSum += w;
                for (int c = 0; c < d; c++) next[c] += w * p[c];
            }
            double moved = 0;
            for (int c = 0; c < d; c++) {
                next[c] /= weightSum;
                moved += (next[c] - guess[c]) * (next[c] - guess[c]);
            }
            guess = next;
            if (Math.sqrt(moved) < TOLERANCE) break;
        }
        return guess;
    }
}
