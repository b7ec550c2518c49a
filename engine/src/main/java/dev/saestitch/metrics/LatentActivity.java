package dev.saestitch.metrics;

import dev.saestitch.tensor.SparseCodes;

/** Per-latent firing counts and the dead fraction derived from them. */
public final class LatentActivity {

    private LatentActivity() {}

    /** Adds one to {@code fireCounts[i]} for every stored code of latent i in {@code codes}. */
    public static void count(SparseCodes codes, long[] fireCounts) {
        if (fireCounts.length != codes.latents())
            throw new IllegalArgumentException(fireCounts.length + " fire counters for codes over " + codes.latents() + " latents");
        for (long e = 0, n = codes.nnz(); e < n; e++)
            if (codes.value(e) != 0f) fireCounts[codes.index(e)]++;
    }

    /** The fraction of latents that never fired (count 0), e.g. over the last dead_tokens tokens. */
    public static double deadFraction(long[] fireCounts) {
        if (fireCounts.length == 0) throw new IllegalArgumentException("dead fraction of an SAE with no latents");
        long dead = 0;
        for (long c : fireCounts) {
            if (c < 0) throw new IllegalArgumentException("negative fire count " + c);
            if (c == 0) dead++;
        }
        return (double) dead / fireCounts.length;
    }
}
