package dev.saestitch.testkit;

import dev.saestitch.tensor.Matrix;

import java.util.Random;

/**
 * float64 vector helpers and references for the tests of every module (the engine's test-jar):
 * Gaussian vectors, rows of a float32 matrix read and written in float64, and row cosines
 * computed in float64 from the float32 values, largest entries and differences, and a bit-for-bit
 * comparison of matrices. Uses none of the code under test.
 */
public final class Vectors {

    private Vectors() {}

    public static double[] gaussian(Random rnd, int d) {
        double[] v = new double[d];
        for (int c = 0; c < d; c++) v[c] = rnd.nextGaussian();
        return v;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int c = 0; c < a.length; c++) s += a[c] * b[c];
        return s;
    }

    public static double[] scaled(double[] v, double s) {
        double[] out = new double[v.length];
        for (int c = 0; c < v.length; c++) out[c] = v[c] * s;
        return out;
    }

    public static double[] unit(double[] v) { return scaled(v, 1 / Math.sqrt(dot(v, v))); }

    /** Row r of a float32 matrix, in float64. */
    public static double[] row(Matrix m, int r) {
        double[] v = new double[m.cols()];
        for (int c = 0; c < v.length; c++) v[c] = m.get(r, c);
        return v;
    }

    /** Row r of a float32 matrix set to v, each value rounded once. */
    public static void setRow(Matrix m, int r, double[] v) {
        for (int c = 0; c < v.length; c++) m.set(r, c, (float) v[c]);
    }

    public static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) t[j][i] = m[i][j];
        return t;
    }

    /** cos[i][j] between row i of a and row j of b, in float64 from the float32 values; 0 when either row is zero. */
    public static double[][] cosines(Matrix a, Matrix b) {
        double[][] cos = new double[a.rows()][b.rows()];
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < b.rows(); j++) {
                double dot = 0, na = 0, nb = 0;
                for (int c = 0; c < a.cols(); c++) {
                    double x = a.get(i, c), y = b.get(j, c);
                    dot += x * y;
                    na += x * x;
                    nb += y * y;
                }
                cos[i][j] = na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
            }
        }
        return cos;
    }

    /** max |a| over all entries. */
    public static double maxAbs(double[][] a) {
        double m = 0;
        for (double[] row : a) for (double v : row) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** max |a − b| over all entries (same shapes). */
    public static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    /** max |a − b| over all entries of a host matrix of a's shape. */
    public static double maxAbsDiff(double[][] a, Matrix b) {
        double m = 0;
        for (int r = 0; r < a.length; r++) for (int c = 0; c < a[r].length; c++) m = Math.max(m, Math.abs(a[r][c] - b.get(r, c)));
        return m;
    }

    /** The same shape and the same bits in every entry (both null passes); else an AssertionError naming the first difference. */
    public static void assertBitEqual(Matrix expected, Matrix actual, String what) {
        if (expected == null && actual == null) return;
        if (expected == null || actual == null) throw new AssertionError(what + ": one of the two is null");
        if (!expected.shape().equals(actual.shape())) throw new AssertionError(what + ": shape " + expected.shape() + " vs " + actual.shape());
        for (long i = 0; i < expected.size(); i++)
            if (Float.floatToRawIntBits(expected.getFlat(i)) != Float.floatToRawIntBits(actual.getFlat(i)))
                throw new AssertionError(what + " differs at " + i + ": " + expected.getFlat(i) + " vs " + actual.getFlat(i));
    }
}
