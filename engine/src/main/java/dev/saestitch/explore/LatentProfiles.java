package dev.saestitch.explore;

import dev.saestitch.tensor.SparseCodes;

/**
 * What one pass over activations learns about every latent of an SAE from its sparse codes:
 * firing count, sum of activations when firing (float64), top-N hits, a reservoir for quantile
 * samples and a fixed-bin histogram. Memory is O(F·(N + R + bins)), independent of the rows.
 */
public final class LatentProfiles {

    private final int latents;
    private final long[] fired;
    private final double[] sums;
    private final TopActivations top;
    private final QuantileSamples samples;
    private final ActivationHistogram histogram;
    private long rows;

    /**
     * @param topN       hits kept per latent
     * @param reservoir  firings sampled per latent for the quantile examples
     */
    public LatentProfiles(int latents, int topN, int reservoir, long seed) {
        this.latents = latents;
        this.fired = new long[latents];
        this.sums = new double[latents];
        this.top = new TopActivations(latents, topN);
        this.samples = new QuantileSamples(latents, reservoir, seed);
        this.histogram = new ActivationHistogram(latents);
    }

    /** Adds the host codes of a batch whose row b is row {@code firstRow + b} of the data. */
    public void accept(SparseCodes codes, long firstRow) {
        if (codes.latents() != latents) throw new IllegalArgumentException("codes over " + codes.latents() + " latents for profiles of " + latents);
        for (int b = 0; b < codes.rows(); b++) {
            long row = firstRow + b;
            for (int e = codes.rowStart(b), end = codes.rowStart(b + 1); e < end; e++) {
                float v = codes.value(e);
                if (!(v > 0)) continue;  // rules store only positive activations; a zero is no firing
                int i = codes.index(e);
                fired[i]++;
                sums[i] += v;
                top.offer(i, v, row);
                samples.offer(i, v, row);
                histogram.add(i, v);
            }
        }
        rows += codes.rows();
    }

    public int latents() { return latents; }

    /** Rows seen. */
    public long rows() { return rows; }

    public long fired(int latent) { return fired[latent]; }

    /** Fraction of rows on which the latent fired. */
    public double frequency(int latent) { return rows == 0 ? 0 : (double) fired[latent] / rows; }

    /** Mean activation over the rows where it fired; NaN when it never did. */
    public double meanWhenFiring(int latent) { return fired[latent] == 0 ? Double.NaN : sums[latent] / fired[latent]; }

    public TopActivations.Hit[] top(int latent) { return top.top(latent); }

    public TopActivations.Hit[] quantileSamples(int latent, int count) { return samples.atQuantiles(latent, count); }

    public long[] histogram(int latent) { return histogram.counts(latent); }
}
