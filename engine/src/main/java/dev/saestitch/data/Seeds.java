package dev.saestitch.data;

/**
 * Derives independent 64-bit seeds from a user seed, so that every random stream in the project
 * (a synthetic row, an epoch's permutation) is a pure function of (seed, index) and can be
 * recomputed anywhere, in any order, on any thread.
 */
public final class Seeds {

    private Seeds() {}

    /** SplitMix64's finaliser: a bijective mix in which every input bit affects every output bit. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The seed of stream {@code index} of family {@code salt} under {@code seed}. Mixing twice keeps
     * nearby (seed, index) pairs, e.g. rows r and r+1, from yielding related streams.
     */
    public static long derive(long seed, long salt, long index) {
        return mix(mix(seed ^ mix(salt)) + index * 0x9E3779B97F4A7C15L);
    }
}
