package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A set of rows (decoder or encoder rows of one SAE) on the heap with their float64 norms: the
 * float64 cosine of two rows, and the rows scaled to unit norm in float32 for the GEMM. A zero row
 * stays zero (its cosines are 0).
 */
final class UnitRows {

    private final float[] data;    // (rows, d) row-major
    private final double[] norm;   // (rows)
    private final int d;

    /**
     * @param m    (rows, d) host matrix
     * @param what names the rows in messages, e.g. "decoder rows of the first SAE"
     * @throws IllegalArgumentException when a row holds a non-finite value
     */
    UnitRows(Matrix m, String what) {
        d = m.cols();
        data = m.toArray();
        norm = new double[m.rows()];
        for (int r = 0; r < norm.length; r++) {
            norm[r] = Math.sqrt(dot(data, r, data, r, d));
            if (!Double.isFinite(norm[r])) throw new IllegalArgumentException("the " + what + " hold non-finite values (row " + r + ")");
        }
    }

    int rows() { return norm.length; }

    int dim() { return d; }

    /** The float64 cosine of row i with row j of {@code other}; 0 when either is zero. */
    double cosine(int i, UnitRows other, int j) {
        return norm[i] == 0 || other.norm[j] == 0 ? 0 : dot(data, i, other.data, j, d) / (norm[i] * other.norm[j]);
    }

    /** (rows, d) the rows scaled to unit norm, each entry the float32 rounding of the float64 quotient. */
    Matrix unit(Arena arena) {
        Matrix u = Matrix.allocate(arena, norm.length, d);
        float[] row = new float[d];
        for (int r = 0; r < norm.length; r++) {
            double inv = norm[r] == 0 ? 0 : 1 / norm[r];
            for (int c = 0; c < d; c++) row[c] = (float) (data[r * d + c] * inv);
            u.data().asSlice((long) r * d * Float.BYTES, (long) d * Float.BYTES).copyFrom(MemorySegment.ofArray(row));
        }
        return u;
    }

    /** The float64 dot product of two rows, in four partial sums (which the CPU overlaps). */
    private static double dot(float[] a, int i, float[] b, int j, int d) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int x = i * d, y = j * d, c = 0;
        for (; c + 4 <= d; c += 4) {
            s0 += (double) a[x + c] * b[y + c];
            s1 += (double) a[x + c + 1] * b[y + c + 1];
            s2 += (double) a[x + c + 2] * b[y + c + 2];
            s3 += (double) a[x + c + 3] * b[y + c + 3];
        }
        for (; c < d; c++) s0 += (double) a[x + c] * b[y + c];
        return (s0 + s1) + (s2 + s3);
    }
}
