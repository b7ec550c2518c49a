package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.sae.Sae;

import java.util.List;
import java.util.function.BiFunction;

/**
 * k SAEs trained from different seeds, compared pairwise (SPEC §4): one {@link PairMatch} per pair,
 * and for each SAE as the base, how many of the others share each of its latents. A latent is
 * <em>only in the base</em> when no other SAE shares it.
 *
 * <p>The paper's Figure A1 averages, for each size s, over every combination of s SAEs and every
 * choice of base in it. For a base whose latent i is shared with c_i of the other k − 1 SAEs, the
 * share of the (s − 1)-subsets of the others that miss all c_i is C(k − 1 − c_i, s − 1) / C(k − 1, s − 1),
 * so the average needs no enumeration.
 */
public final class SeedComparison {

    private final PairMatch[][] pairs;       // [s][t], s < t: the match of SAE s (as A) with SAE t (as B)
    private final int[][] sharedWith;        // [b][i]: how many other SAEs share latent i of SAE b

    private SeedComparison(PairMatch[][] pairs, int[][] sharedWith) {
        this.pairs = pairs;
        this.sharedWith = sharedWith;
    }

    /**
     * Matches every pair of the SAEs: k(k − 1)/2 pairs, two assignments each.
     *
     * @param threshold as in {@link SeedMatching#match(Backend, Sae, Sae, double)}
     * @throws IllegalArgumentException for fewer than two SAEs, or SAEs on different activations
     */
    public static SeedComparison of(Backend backend, List<Sae> saes, double threshold) {
        return of(saes, (a, b) -> SeedMatching.match(backend, a, b, threshold));
    }

    /** {@link #of(Backend, List, double)} with each pair matched by {@code match} (e.g. {@link PreActivationCorrelation#match}). */
    public static SeedComparison of(List<Sae> saes, BiFunction<Sae, Sae, PairMatch> match) {
        int k = saes.size();
        if (k < 2) throw new IllegalArgumentException("comparing seeds needs at least two SAEs, got " + k);
        PairMatch[][] pairs = new PairMatch[k][k];
        int[][] sharedWith = new int[k][];
        for (int s = 0; s < k; s++) sharedWith[s] = new int[saes.get(s).width()];
        for (int s = 0; s < k; s++)
            for (int t = s + 1; t < k; t++) {
                PairMatch m = match.apply(saes.get(s), saes.get(t));
                pairs[s][t] = m;
                count(m.sharedInA(), sharedWith[s]);
                count(m.sharedInB(), sharedWith[t]);
            }
        return new SeedComparison(pairs, sharedWith);
    }

    public int size() { return sharedWith.length; }

    /** The match of SAE s (as A) with SAE t (as B), s < t. */
    public PairMatch pair(int s, int t) {
        if (!(0 <= s && s < t && t < size())) throw new IndexOutOfBoundsException("pair (" + s + ", " + t + ") of " + size() + " SAEs: need 0 ≤ s < t < " + size());
        return pairs[s][t];
    }

    /** (F_base) how many of the other SAEs share each latent of SAE {@code base}. */
    public int[] sharedWith(int base) { return sharedWith[base].clone(); }

    /** The fraction of SAE {@code base}'s latents that no other SAE shares. */
    public double onlyInBase(int base) {
        int only = 0;
        for (int c : sharedWith[base]) if (c == 0) only++;
        return (double) only / sharedWith[base].length;
    }

    /** SPEC §4's number: {@link #onlyInBase(int)} averaged over every choice of base among all k SAEs. */
    public double meanOnlyInBase() { return meanOnlyInBase(size()); }

    /**
     * The fraction of latents found only in the base, averaged over every combination of
     * {@code subsetSize} of the k SAEs and every choice of base in it (the paper's Figure A1).
     */
    public double meanOnlyInBase(int subsetSize) {
        int k = size();
        if (subsetSize < 2 || subsetSize > k) throw new IllegalArgumentException("subset size must be in [2, " + k + "], got " + subsetSize);
        double sum = 0;
        for (int[] counts : sharedWith) {
            double base = 0;
            for (int c : counts) base += choose(k - 1 - c, subsetSize - 1) / choose(k - 1, subsetSize - 1);
            sum += base / counts.length;
        }
        return sum / k;
    }

    private static void count(boolean[] shared, int[] counts) {
        for (int i = 0; i < shared.length; i++) if (shared[i]) counts[i]++;
    }

    /** C(n, r) in float64; 0 when r > n. */
    private static double choose(int n, int r) {
        if (r < 0 || r > n) return 0;
        double c = 1;
        for (int q = 1; q <= r; q++) c = c * (n - r + q) / q;
        return c;
    }
}
