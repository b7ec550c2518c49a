package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

/** The optimal assignment total by trying every injective map of rows to columns (n ≤ m ≤ 8), in float64. */
final class Exhaustive {

    private Exhaustive() {}

    static double optimum(Matrix a, boolean maximise) {
        double sign = maximise ? -1 : 1;
        return sign * best(a, sign, 0, new boolean[a.cols()]);
    }

    /** The least sign·cost of assigning rows [i, n) to unused columns. */
    private static double best(Matrix a, double sign, int i, boolean[] used) {
        if (i == a.rows()) return 0;
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < a.cols(); j++) {
            if (used[j]) continue;
            used[j] = true;
            best = Math.min(best, sign * a.get(i, j) + best(a, sign, i + 1, used));
            used[j] = false;
        }
        return best;
    }
}
