package dev.saestitch.match;

/**
 * The float64 values that a float32 assignment matrix approximates, and how far apart they may be:
 * |matrix[i, j] − entry(i, j)| ≤ {@code errorBound} for every entry. With them the solver's answer
 * is optimal for the float64 values, so that near-ties float32 cannot tell apart are decided as
 * a float64 solve decides them.
 *
 * @param entry      the float64 value of entry (i, j)
 * @param errorBound a bound on the float32 entries' error, ≥ 0
 */
record ExactEntries(Entry entry, double errorBound) {

    @FunctionalInterface
    interface Entry { double at(int i, int j); }

    ExactEntries {
        if (!(errorBound >= 0 && errorBound < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("error bound must be finite and ≥ 0, got " + errorBound);
    }
}
