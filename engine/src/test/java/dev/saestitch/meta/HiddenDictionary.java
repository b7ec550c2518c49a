package dev.saestitch.meta;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * A dictionary built from a few hidden "meta" directions: M random unit vectors in R^D, and F
 * rows each the sum of 1 to {@code maxPerRow} distinct hidden directions with weights in
 * [0.5, 1.5). The rows are left unnormalised (norms vary), as a real decoder's may be.
 */
record HiddenDictionary(double[][] hidden, Matrix rows) {

    static HiddenDictionary generate(Arena arena, long seed, int f, int d, int m, int maxPerRow) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] hidden = new double[m][];
        for (int i = 0; i < m; i++) hidden[i] = unitGaussian(rng, d);
        Matrix rows = Matrix.allocate(arena, f, d);   // (F, D)
        int[] chosen = new int[maxPerRow];
        for (int r = 0; r < f; r++) {
            int n = 1 + rng.nextInt(maxPerRow);
            double[] x = new double[d];
            for (int j = 0; j < n; j++) {
                int pick;
                do {
                    pick = rng.nextInt(m);
                } while (contains(chosen, j, pick));
                chosen[j] = pick;
                double w = 0.5 + rng.nextDouble();
                for (int c = 0; c < d; c++) x[c] += w * hidden[pick][c];
            }
            for (int c = 0; c < d; c++) rows.set(r, c, (float) x[c]);
        }
        return new HiddenDictionary(hidden, rows);
    }

    static double[] unitGaussian(SplittableRandom rng, int d) {
        double[] v = new double[d];
        double ss = 0;
        for (int c = 0; c < d; c++) ss += (v[c] = rng.nextGaussian()) * v[c];
        for (int c = 0; c < d; c++) v[c] /= Math.sqrt(ss);
        return v;
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }
}
