package dev.saestitch.dict;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.Random;

/** Random decoder rows for the tests: Gaussian directions with norms spread over [0.01, 2]. */
final class TestData {

    private TestData() {}

    static Matrix randomRows(Arena arena, Random rnd, int rows, int d) {
        Matrix m = Matrix.allocate(arena, rows, d);
        for (int r = 0; r < rows; r++) setRow(m, r, scaled(gaussian(rnd, d), 0.01 + 1.99 * rnd.nextDouble()));
        return m;
    }

    static double[] gaussian(Random rnd, int d) {
        double[] v = new double[d];
        for (int c = 0; c < d; c++) v[c] = rnd.nextGaussian();
        return v;
    }

    static double[] unit(double[] v) {
        double n = 0;
        for (double x : v) n += x * x;
        return scaled(v, 1 / Math.sqrt(n));
    }

    static double[] scaled(double[] v, double s) {
        double[] out = new double[v.length];
        for (int c = 0; c < v.length; c++) out[c] = v[c] * s;
        return out;
    }

    static double[] row(Matrix m, int r) {
        double[] v = new double[m.cols()];
        for (int c = 0; c < v.length; c++) v[c] = m.get(r, c);
        return v;
    }

    static void setRow(Matrix m, int r, double[] v) {
        for (int c = 0; c < v.length; c++) m.set(r, c, (float) v[c]);
    }

    /** A unit vector at cosine {@code cos} from unit vector {@code u}: cos·u + sin·(a random direction ⟂ u). */
    static double[] atCosine(Random rnd, double[] u, double cos) {
        double[] w = gaussian(rnd, u.length);
        double p = 0;
        for (int c = 0; c < u.length; c++) p += w[c] * u[c];
        for (int c = 0; c < u.length; c++) w[c] -= p * u[c];
        w = unit(w);
        double sin = Math.sqrt(1 - cos * cos);
        double[] out = new double[u.length];
        for (int c = 0; c < u.length; c++) out[c] = cos * u[c] + sin * w[c];
        return out;
    }
}
