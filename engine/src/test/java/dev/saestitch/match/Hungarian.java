package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.util.Arrays;

/**
 * An independent reference: the O(n²m) Hungarian algorithm with row and column potentials (Kuhn–
 * Munkres as in e-maxx's formulation), rows added one at a time, in float64, for n ≤ m.
 */
final class Hungarian {

    /** The reference's answer: the column of each row and the total of the chosen entries (float64). */
    record Result(int[] colOfRow, double total) {}

    private Hungarian() {}

    static double optimum(Matrix a, boolean maximise) {
        double[][] e = new double[a.rows()][a.cols()];
        for (int i = 0; i < a.rows(); i++) for (int j = 0; j < a.cols(); j++) e[i][j] = a.get(i, j);
        return solve(e, maximise).total();
    }

    static Result solve(double[][] a, boolean maximise) {
        int n = a.length, m = n == 0 ? 0 : a[0].length;
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
                double[] row = a[i0 - 1];
                for (int j = 1; j <= m; j++) {
                    if (used[j]) continue;
                    double cur = sign * row[j - 1] - u[i0] - v[j];
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
        int[] colOfRow = new int[n];
        double total = 0;
        for (int j = 1; j <= m; j++)
            if (p[j] != 0) {
                colOfRow[p[j] - 1] = j - 1;
                total += a[p[j] - 1][j - 1];
            }
        return new Result(colOfRow, total);
    }
}
