package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.util.Arrays;

/**
 * An independent reference: the O(n²m) Hungarian algorithm with row and column potentials (Kuhn–
 * Munkres as in e-maxx's formulation), rows added one at a time, in float64, for n ≤ m.
 */
final class Hungarian {

    private Hungarian() {}

    static double optimum(Matrix a, boolean maximise) {
        int n = a.rows(), m = a.cols();
        double sign = maximise ? -1 : 1;
        double[] u = new double[n + 1], v = new double[m + 1];
        int[] p = new int[m + 1], way = new int[m + 1];      // p[j]: row (1-based) holding column j, 0 when none
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[m + 1];
            boolean[] used = new boolean[m + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            do {
                used[j0] = true;
                int i0 = p[j0], j1 = -1;
                double delta = Double.POSITIVE_INFINITY;
                for (int j = 1; j <= m; j++) {
                    if (used[j]) continue;
                    double cur = sign * a.get(i0 - 1, j - 1) - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        double total = 0;
        for (int j = 1; j <= m; j++) if (p[j] != 0) total += a.get(p[j] - 1, j - 1);
        return total;
    }
}
