package dev.saestitch.dict;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.Random;

import static dev.saestitch.testkit.Vectors.gaussian;
import static dev.saestitch.testkit.Vectors.scaled;
import static dev.saestitch.testkit.Vectors.setRow;
import static dev.saestitch.testkit.Vectors.unit;

/** Random decoder rows for the tests: Gaussian directions with norms spread over [0.01, 2]. */
final class TestData {

    private TestData() {}

    static Matrix randomRows(Arena arena, Random rnd, int rows, int d) {
        Matrix m = Matrix.allocate(arena, rows, d);
        for (int r = 0; r < rows; r++) setRow(m, r, scaled(gaussian(rnd, d), 0.01 + 1.99 * rnd.nextDouble()));
        return m;
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
