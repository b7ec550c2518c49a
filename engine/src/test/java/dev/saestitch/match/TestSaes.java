package dev.saestitch.match;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.util.Random;

import static dev.saestitch.testkit.Vectors.dot;
import static dev.saestitch.testkit.Vectors.gaussian;
import static dev.saestitch.testkit.Vectors.row;
import static dev.saestitch.testkit.Vectors.setRow;
import static dev.saestitch.testkit.Vectors.unit;

/** SAEs with planted weights for the matching tests (float64 helpers and cosines: {@link dev.saestitch.testkit.Vectors}). */
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

    static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }
}
