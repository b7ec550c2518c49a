package dev.saestitch.explore;

/**
 * Per latent, counts of its positive activations in fixed logarithmic bins shared by all latents
 * (edges 10^(lo + i/perDecade)), plus one bin below and one above the range. Fixed edges need no
 * first pass to find each latent's range, and activations of SAEs span decades.
 */
public final class ActivationHistogram {

    /** Ten decades, 1e-4 to 1e6, four bins each: the activations of every SAE we met fall inside. */
    public static final int LOWEST_DECADE = -4, DECADES = 10, BINS_PER_DECADE = 4;
    /** Inner bins and the under- and overflow bin. */
    public static final int BINS = DECADES * BINS_PER_DECADE + 2;

    private final long[] counts;

    public ActivationHistogram(int latents) { counts = new long[Math.multiplyExact(latents, BINS)]; }

    /** The lower edge of bin {@code b} (1 ≤ b < BINS); bin 0 holds values below {@code edge(1)}. */
    public static double edge(int b) { return Math.pow(10, LOWEST_DECADE + (double) (b - 1) / BINS_PER_DECADE); }

    /** The bin of a positive value. */
    public static int bin(float value) {
        double position = (Math.log10(value) - LOWEST_DECADE) * BINS_PER_DECADE;
        if (!(position >= 0)) return 0;
        return (int) Math.min(BINS - 1, 1 + Math.floor(position));
    }

    public void add(int latent, float value) { counts[latent * BINS + bin(value)]++; }

    /** The latent's count per bin. */
    public long[] counts(int latent) {
        long[] c = new long[BINS];
        System.arraycopy(counts, latent * BINS, c, 0, BINS);
        return c;
    }
}
