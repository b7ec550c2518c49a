package dev.saestitch.franken;

/** Gaussian elimination with partial pivoting in float64, A·X = B: the tests' independent linear solver. */
final class GaussianElimination {

    private GaussianElimination() {}

    /** X for square A (n, n) and B (n, m); the inputs are not modified. */
    static double[][] solve(double[][] a0, double[][] b0) {
        int n = a0.length, m = b0[0].length;
        double[][] a = new double[n][], b = new double[n][];
        for (int i = 0; i < n; i++) { a[i] = a0[i].clone(); b[i] = b0[i].clone(); }
        for (int k = 0; k < n; k++) {
            int p = k;
            for (int i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[p][k])) p = i;
            double[] t = a[k]; a[k] = a[p]; a[p] = t;
            t = b[k]; b[k] = b[p]; b[p] = t;
            for (int i = k + 1; i < n; i++) {
                double factor = a[i][k] / a[k][k];
                for (int j = k; j < n; j++) a[i][j] -= factor * a[k][j];
                for (int j = 0; j < m; j++) b[i][j] -= factor * b[k][j];
            }
        }
        double[][] x = new double[n][m];
        for (int i = n - 1; i >= 0; i--)
            for (int j = 0; j < m; j++) {
                double s = b[i][j];
                for (int q = i + 1; q < n; q++) s -= a[i][q] * x[q][j];
                x[i][j] = s / a[i][i];
            }
        return x;
    }
}
