package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * One blockwise pass over the cosine matrix C = Â·B̂ᵀ (Â, B̂: the rows of A and B scaled to unit
 * norm) that never holds C, giving the maxima in both directions and, when asked, the pairs whose
 * float32 cosine exceeds a cut: the backend's {@link Backend#maxDots} or, with a cut,
 * {@link Backend#scanDots} (fused with the products on the CPU and, for the maxima, on a GPU).
 *
 * <p>Rows are normalised on the host in float64 (a zero row stays zero, so its cosines are 0),
 * then uploaded. Ties go to the smallest index.
 */
final class CosineScan {

    /** What one pass produces: both maxima, the pairs above the cut (keys i·F_B + j), and the float64 row norms. */
    record Result(MaxCosine maxCosine, long[] pairKeys, double[] normsA, double[] normsB) {}

    private CosineScan() {}

    /**
     * @param a       (F_A, D) host matrix
     * @param b       (F_B, D) host matrix
     * @param pairCut collect (i, j) with float32 cos > pairCut; +∞ collects nothing
     */
    static Result run(Backend backend, Matrix a, Matrix b, TileShape tile, float pairCut) {
        if (a.cols() != b.cols()) throw new IllegalArgumentException("decoder rows differ in dimension: " + a.shape() + " vs " + b.shape());
        if (a.rows() == 0 || b.rows() == 0) throw new IllegalArgumentException("dictionaries must be non-empty: " + a.shape() + " vs " + b.shape());
        try (Arena arena = Arena.ofShared()) {
            double[] normsA = rowNorms(a, "A"), normsB = rowNorms(b, "B");
            Matrix unitA = uploadNormalised(backend, arena, a, normsA);   // (F_A, D) unit rows (zero rows stay zero)
            Matrix unitB = uploadNormalised(backend, arena, b, normsB);   // (F_B, D)
            DotScan scan = pairCut == Float.POSITIVE_INFINITY
                    ? new DotScan(backend.maxDots(unitA, unitB, tile.rows(), tile.cols()), new long[0])
                    : backend.scanDots(unitA, unitB, tile.rows(), tile.cols(), pairCut);
            DotMaxima maxima = scan.maxima();
            MaxCosine max = new MaxCosine(atMostOne(maxima.maxOverB()), maxima.argmaxInB(), atMostOne(maxima.maxOverA()), maxima.argmaxInA());
            return new Result(max, scan.keysAbove(), normsA, normsB);
        }
    }

    /** Caps the values at 1 in place: a float32 cosine of unit rows can round a few units of 2⁻²⁴ above the true one, which never exceeds 1. */
    private static float[] atMostOne(float[] cosines) {
        for (int i = 0; i < cosines.length; i++) cosines[i] = Math.min(1f, cosines[i]);
        return cosines;
    }

    /** float64 norms of the rows; rejects non-finite entries. */
    private static double[] rowNorms(Matrix m, String name) {
        double[] norms = new double[m.rows()];
        int d = m.cols();
        MemorySegment s = m.data();
        IntStream.range(0, m.rows()).parallel().forEach(r -> {
            double sum = 0;
            for (long e = (long) r * d, end = e + d; e < end; e++) {
                double v = s.getAtIndex(FLOAT, e);
                if (!Double.isFinite(v)) throw new IllegalArgumentException("row " + r + " of decoder " + name + " holds a non-finite value (" + v + ")");
                sum += v * v;
            }
            norms[r] = Math.sqrt(sum);
        });
        return norms;
    }

    /** The rows scaled to unit norm in float64, rounded to float32, copied to the backend. */
    private static Matrix uploadNormalised(Backend backend, Arena arena, Matrix m, double[] norms) {
        int d = m.cols();
        Matrix unit = Matrix.allocate(arena, m.rows(), d);
        MemorySegment src = m.data(), dst = unit.data();
        IntStream.range(0, m.rows()).parallel().forEach(r -> {
            double inv = norms[r] == 0 ? 0 : 1 / norms[r];
            for (long e = (long) r * d, end = e + d; e < end; e++) dst.setAtIndex(FLOAT, e, (float) (src.getAtIndex(FLOAT, e) * inv));
        });
        Matrix onBackend = backend.allocate(arena, m.rows(), d);
        backend.upload(unit, onBackend);
        return onBackend;
    }
}
