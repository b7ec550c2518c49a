package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * One blockwise pass over the cosine matrix C = Â·B̂ᵀ (Â, B̂: the rows of A and B scaled to unit
 * norm) that never holds C. For each tile, one backend GEMM into a tile buffer, a download, then
 * one fused scan of the tile (parallel over its rows) that updates the running row maxima, the
 * running column maxima and, when asked, collects the pairs whose float32 cosine exceeds a cut.
 *
 * <p>Rows are normalised on the host in float64 (a zero row stays zero, so its cosines are 0),
 * then uploaded. Tiles are visited in increasing row and column order and a maximum is replaced
 * only by a strictly larger value, so ties go to the smallest index.
 */
final class CosineScan {

    /** What one pass produces: both maxima, the pairs above the cut, and the float64 row norms. */
    record Result(MaxCosine maxCosine, IntPairList pairs, double[] normsA, double[] normsB) {}

    private static final int MIN_ROWS_PER_CHUNK = 16;

    private CosineScan() {}

    /**
     * @param a       (F_A, D) host matrix
     * @param b       (F_B, D) host matrix
     * @param pairCut collect (i, j) with float32 cos > pairCut; +∞ collects nothing
     */
    static Result run(Backend backend, Matrix a, Matrix b, TileShape tile, float pairCut) {
        if (a.cols() != b.cols()) throw new IllegalArgumentException("decoder rows differ in dimension: " + a.shape() + " vs " + b.shape());
        if (a.rows() == 0 || b.rows() == 0) throw new IllegalArgumentException("dictionaries must be non-empty: " + a.shape() + " vs " + b.shape());
        int fa = a.rows(), fb = b.rows();
        int ta = Math.min(tile.rows(), fa), tb = Math.min(tile.cols(), fb);
        float[] rowMax = new float[fa], colMax = new float[fb];
        int[] rowArg = new int[fa], colArg = new int[fb];
        Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(rowArg, -1);
        Arrays.fill(colArg, -1);
        IntPairList pairs = new IntPairList();
        try (Arena arena = Arena.ofShared()) {
            double[] normsA = rowNorms(a, "A"), normsB = rowNorms(b, "B");
            Matrix unitA = uploadNormalised(backend, arena, a, normsA);   // (F_A, D) unit rows (zero rows stay zero)
            Matrix unitB = uploadNormalised(backend, arena, b, normsB);   // (F_B, D)
            Matrix deviceTile = backend.allocate(arena, ta, tb);
            Matrix hostTile = Matrix.allocate(arena, ta, tb);
            for (int i0 = 0; i0 < fa; i0 += ta) {
                int rows = Math.min(ta, fa - i0);
                for (int j0 = 0; j0 < fb; j0 += tb) {
                    int cols = Math.min(tb, fb - j0);
                    Matrix c = new Matrix(deviceTile.data(), rows, cols);      // (rows, cols) cosines, packed at the buffer's start
                    backend.gemm(false, true, 1f, unitA.rows(i0, rows), unitB.rows(j0, cols), 0f, c);
                    Matrix h = new Matrix(hostTile.data(), rows, cols);
                    backend.download(c, h);
                    scanTile(h, i0, j0, pairCut, rowMax, rowArg, colMax, colArg, pairs);
                }
            }
            return new Result(new MaxCosine(rowMax, rowArg, colMax, colArg), pairs, normsA, normsB);
        }
    }

    /** The fused scan: row chunks in parallel, each with its own column maxima and pair list, merged in row order. */
    private static void scanTile(Matrix tile, int i0, int j0, float pairCut,
                                 float[] rowMax, int[] rowArg, float[] colMax, int[] colArg, IntPairList pairs) {
        int rows = tile.rows(), cols = tile.cols();
        int chunks = Math.max(1, Math.min(2 * Runtime.getRuntime().availableProcessors(), rows / MIN_ROWS_PER_CHUNK));
        Chunk[] parts = new Chunk[chunks];
        IntStream.range(0, chunks).parallel().forEach(k -> {
            Chunk part = new Chunk(cols);
            float[] row = new float[cols];
            MemorySegment t = tile.data();
            for (int r = rows * k / chunks, end = rows * (k + 1) / chunks; r < end; r++) {
                MemorySegment.copy(t, FLOAT, (long) r * cols * Float.BYTES, row, 0, cols);
                int i = i0 + r;
                float best = rowMax[i];
                int arg = rowArg[i];
                for (int c = 0; c < cols; c++) {
                    float v = row[c];
                    if (v > best) { best = v; arg = j0 + c; }
                    if (v > part.colMax[c]) { part.colMax[c] = v; part.colArg[c] = i; }
                    if (v > pairCut) part.pairs.add(i, j0 + c);
                }
                rowMax[i] = best;   // rows are disjoint across chunks
                rowArg[i] = arg;
            }
            parts[k] = part;
        });
        for (Chunk part : parts) {
            for (int c = 0; c < cols; c++) {
                if (part.colMax[c] > colMax[j0 + c]) {
                    colMax[j0 + c] = part.colMax[c];
                    colArg[j0 + c] = part.colArg[c];
                }
            }
            pairs.addAll(part.pairs);
        }
    }

    /** One row chunk's partial column maxima over the tile's columns, and its pairs. */
    private static final class Chunk {
        final float[] colMax;
        final int[] colArg;
        final IntPairList pairs = new IntPairList();

        Chunk(int cols) {
            colMax = new float[cols];
            colArg = new int[cols];
            Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        }
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
