package dev.saestitch.match;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.util.Random;

/** SAEs with planted weights for the matching tests, and float64 cosines to check them against. */
final class TestSaes {

    private TestSaes() {}

    /** A ReLU SAE whose encoder and decoder rows are independent Gaussian vectors. */
    static Sae random(Random rnd, int width, int d) {
        Sae sae = new Sae(Architecture.RELU, d, width, 0, false);
        for (int i = 0; i < width; i++) {
            setRow(sae.wDec(), i, gaussian(rnd, d));
            setRow(sae.wEnc(), i, gaussian(rnd, d));
        }
        return sae;
    }

    static double[] gaussian(Random rnd, int d) {
        double[] v = new double[d];
        for (int c = 0; c < d; c++) v[c] = rnd.nextGaussian();
        return v;
    }

    static double[] row(Matrix m, int r) {
        double[] v = new double[m.cols()];
        for (int c = 0; c < v.length; c++) v[c] = m.get(r, c);
        return v;
    }

    static void setRow(Matrix m, int r, double[] v) {
        for (int c = 0; c < v.length; c++) m.set(r, c, (float) v[c]);
    }

    static double[] scaled(double[] v, double s) {
        double[] out = new double[v.length];
        for (int c = 0; c < v.length; c++) out[c] = v[c] * s;
        return out;
    }

    /** An orthonormal basis of the span of m's rows (Gram–Schmidt in float64; the rows must be independent). */
    static double[][] basisOfRows(Matrix m) {
        double[][] basis = new double[m.rows()][];
        for (int r = 0; r < basis.length; r++) basis[r] = unit(removeAlong(removeAlong(row(m, r), basis, r), basis, r));
        return basis;
    }

    /**
     * A random Gaussian vector in d dimensions with its components along the basis removed (twice,
     * for float64 accuracy), so that its cosine with each spanned row is 0 up to rounding.
     */
    static double[] orthogonalTo(Random rnd, double[][] basis, int d) {
        return removeAlong(removeAlong(gaussian(rnd, d), basis, basis.length), basis, basis.length);
    }

    private static double[] removeAlong(double[] v, double[][] basis, int count) {
        double[] w = v.clone();
        for (int b = 0; b < count; b++) {
            double p = dot(w, basis[b]);
            for (int c = 0; c < w.length; c++) w[c] -= p * basis[b][c];
        }
        return w;
    }

    static double[] unit(double[] v) { return scaled(v, 1 / Math.sqrt(dot(v, v))); }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int c = 0; c < a.length; c++) s += a[c] * b[c];
        return s;
    }

    /** (F_A, F_B) cosines of the rows, from the float32 values in float64 (zero rows give 0). */
    static double[][] cosines(Matrix a, Matrix b) {
        double[][] ua = new double[a.rows()][], ub = new double[b.rows()][];
        for (int i = 0; i < ua.length; i++) ua[i] = unitOrZero(row(a, i));
        for (int j = 0; j < ub.length; j++) ub[j] = unitOrZero(row(b, j));
        double[][] c = new double[ua.length][ub.length];
        for (int i = 0; i < ua.length; i++) for (int j = 0; j < ub.length; j++) c[i][j] = dot(ua[i], ub[j]);
        return c;
    }

    private static double[] unitOrZero(double[] v) {
        double n = Math.sqrt(dot(v, v));
        return n == 0 ? v : scaled(v, 1 / n);
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }
}
