package dev.saestitch.match;

import java.util.Random;

/** Random permutations for planting known matchings. */
final class KnownPermutations {

    private KnownPermutations() {}

    /** A uniformly random permutation of [0, n) (Fisher–Yates). */
    static int[] random(Random rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int k = rnd.nextInt(i + 1), t = p[i];
            p[i] = p[k];
            p[k] = t;
        }
        return p;
    }
}
