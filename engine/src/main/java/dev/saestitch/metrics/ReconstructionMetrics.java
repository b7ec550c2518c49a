package dev.saestitch.metrics;

import dev.saestitch.tensor.Matrix;

/**
 * Streaming reconstruction metrics (SPEC §1) over any number of batches, all in float64:
 * <ul>
 *   <li>{@code mse} = Σ‖x−x̂‖² / (N·D), the mean over samples and dimensions;</li>
 *   <li>{@code sse} = Σ‖x−x̂‖² / N, the mean per-sample squared error (and the sum itself);</li>
 *   <li>{@code fvu} = Σ‖x−x̂‖² / Σ‖x−x̄‖², with x̄ the mean over every sample added;</li>
 *   <li>{@code l0} = mean number of non-zero codes per sample.</li>
 * </ul>
 * Σ‖x−x̄‖² needs x̄, which is only known at the end: it is kept as a per-dimension count, mean and
 * sum of squared deviations, computed exactly (two passes) within each batch and merged across
 * batches with Chan et al.'s pairwise update, which avoids the cancellation of Σx² − N·x̄².
 * Not thread-safe: give each thread its own accumulator and {@link #merge} them.
 */
public final class ReconstructionMetrics {

    /** The metrics so far; NaN where no sample, or zero variance, leaves one undefined. */
    public record Summary(long samples, double mse, double sse, double sseSum, double fvu, double l0) {}

    private final int dim;
    private long samples;
    private double sseSum;
    private long activeCodes;
    private final double[] mean;      // (D) running mean of x
    private final double[] deviation; // (D) running Σ (x − mean)² per dimension

    public ReconstructionMetrics(int dim) {
        if (dim < 1) throw new IllegalArgumentException("reconstruction metrics of dimension " + dim);
        this.dim = dim;
        this.mean = new double[dim];
        this.deviation = new double[dim];
    }

    /**
     * Adds one batch: {@code x} and {@code xHat} are (B, D) host matrices, {@code activeCodes} the
     * number of non-zero codes over the whole batch (e.g. {@code SparseCodes.nnz()}).
     */
    public void add(Matrix x, Matrix xHat, long activeCodes) {
        if (xHat.rows() != x.rows() || xHat.cols() != dim)
            throw new IllegalArgumentException("batch " + x.shape() + " and reconstruction " + xHat.shape()
                    + " for metrics of dimension " + dim);
        if (activeCodes < 0) throw new IllegalArgumentException("negative count of active codes: " + activeCodes);
        float[] xs = inputs(x);
        float[] hs = xHat.toArray(); // (B, D)
        double sse = 0;
        for (int i = 0; i < xs.length; i++) {
            double e = (double) xs[i] - hs[i];
            sse += e * e;
        }
        addStatistics(xs, x.rows(), sse, activeCodes);
    }

    /**
     * Adds one batch's inputs alone, for a caller that sums the squared error and the active codes
     * elsewhere (on a backend, over the same batches) and passes them to {@link #summary(double, long)}.
     */
    public void addInputs(Matrix x) { addStatistics(inputs(x), x.rows(), 0, 0); }

    /** x (B, D) staged on the heap: two passes read it. */
    private float[] inputs(Matrix x) {
        if (x.cols() != dim) throw new IllegalArgumentException("batch " + x.shape() + " for metrics of dimension " + dim);
        return x.toArray();
    }

    private void addStatistics(float[] xs, int b, double sse, long activeCodes) {
        if (b == 0) return;
        double[] batchMean = new double[dim];
        for (int r = 0, i = 0; r < b; r++)
            for (int c = 0; c < dim; c++, i++) batchMean[c] += xs[i];
        for (int c = 0; c < dim; c++) batchMean[c] /= b;
        double[] batchDeviation = new double[dim];
        for (int r = 0, i = 0; r < b; r++) {
            for (int c = 0; c < dim; c++, i++) {
                double dv = xs[i] - batchMean[c];
                batchDeviation[c] += dv * dv;
            }
        }
        combine(b, sse, activeCodes, batchMean, batchDeviation);
    }

    /** Adds everything {@code other} has accumulated, as if its batches had been added here. */
    public void merge(ReconstructionMetrics other) {
        if (other.dim != dim) throw new IllegalArgumentException("merging metrics of dimension " + other.dim + " into " + dim);
        if (other.samples == 0) return;
        combine(other.samples, other.sseSum, other.activeCodes, other.mean, other.deviation);
    }

    private void combine(long n, double sse, long codes, double[] otherMean, double[] otherDeviation) {
        long total = samples + n;
        double weight = (double) samples * n / total;
        for (int c = 0; c < dim; c++) {
            double delta = otherMean[c] - mean[c];
            mean[c] += delta * n / total;
            deviation[c] += otherDeviation[c] + delta * delta * weight;
        }
        samples = total;
        sseSum += sse;
        activeCodes += codes;
    }

    public Summary summary() { return summary(sseSum, activeCodes); }

    /** The summary of the inputs added here with a squared error and a count of active codes summed elsewhere over the same samples. */
    public Summary summary(double sseSum, long activeCodes) {
        double totalDeviation = 0;
        for (double v : deviation) totalDeviation += v;
        double n = samples;
        return new Summary(samples,
                samples == 0 ? Double.NaN : sseSum / (n * dim),
                samples == 0 ? Double.NaN : sseSum / n,
                sseSum,
                totalDeviation > 0 ? sseSum / totalDeviation : Double.NaN,
                samples == 0 ? Double.NaN : activeCodes / n);
    }
}
