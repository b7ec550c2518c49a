package dev.saestitch.explore;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Per latent, a uniform reservoir sample of its firings (Algorithm R), from which examples at
 * several activation quantiles are drawn after the pass, as SAEDashboard shows them: the top
 * activations alone hide what weak firings of a latent look like. F·R entries, whatever the rows.
 */
public final class QuantileSamples {

    private final int capacity;
    private final float[] values;
    private final long[] rows;
    private final long[] seen;
    private final SplittableRandom random;

    public QuantileSamples(int latents, int capacity, long seed) {
        if (latents < 1 || capacity < 1) throw new IllegalArgumentException("need at least one latent and room for one sample, got " + latents + " and " + capacity);
        this.capacity = capacity;
        this.values = new float[Math.multiplyExact(latents, capacity)];
        this.rows = new long[values.length];
        this.seen = new long[latents];
        this.random = new SplittableRandom(seed);
    }

    public void offer(int latent, float value, long row) {
        long n = seen[latent]++;
        long slot = n < capacity ? n : random.nextLong(n + 1);
        if (slot < capacity) {
            int i = latent * capacity + (int) slot;
            values[i] = value;
            rows[i] = row;
        }
    }

    /**
     * {@code count} hits of the latent's sample at evenly spaced quantiles from the highest to the
     * lowest (all of them, highest first, when the sample is smaller); none when it never fired.
     */
    public TopActivations.Hit[] atQuantiles(int latent, int count) {
        int n = (int) Math.min(capacity, seen[latent]);
        TopActivations.Hit[] sample = new TopActivations.Hit[n];
        for (int i = 0; i < n; i++) sample[i] = new TopActivations.Hit(values[latent * capacity + i], rows[latent * capacity + i]);
        Arrays.sort(sample, (a, b) -> a.value() != b.value() ? Float.compare(b.value(), a.value()) : Long.compare(a.row(), b.row()));
        if (n <= count) return sample;
        TopActivations.Hit[] picked = new TopActivations.Hit[count];
        for (int q = 0; q < count; q++) picked[q] = sample[count == 1 ? 0 : (int) Math.round((double) q * (n - 1) / (count - 1))];
        return picked;
    }
}
