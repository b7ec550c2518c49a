package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The whole cosine matrix C = Â·B̂ᵀ of two sets of rows (Â, B̂: the rows scaled to unit norm on the
 * backend; a zero row stays zero, so its cosines are 0), in host memory for the assignment solver:
 * the GEMM runs on the backend in blocks of rows of at most {@link #BLOCK_BYTES}, each block
 * downloaded into its place. At 16384 × 16384 the matrix is 1 GiB.
 */
final class CosineMatrix {

    /** The most memory one block of C takes on the backend. */
    static final long BLOCK_BYTES = 64L << 20;

    private static final int ROWS_PER_CHUNK = 64;

    private CosineMatrix() {}

    /**
     * @param a     (F_A, D) host matrix, rows in any norm
     * @param b     (F_B, D) host matrix
     * @param arena shared arena that owns the result
     * @param what  names the rows in messages, e.g. "decoder"
     * @return (F_A, F_B) float32 cosines
     * @throws IllegalArgumentException when a row holds a non-finite value
     */
    static Matrix compute(Backend backend, Arena arena, Matrix a, Matrix b, String what) {
        int fa = a.rows(), fb = b.rows();
        Matrix c = Matrix.allocate(arena, fa, fb);
        try (Arena work = Arena.ofShared()) {
            Matrix unitA = unitRows(backend, work, a, what + " rows of the first SAE");   // (F_A, D)
            Matrix unitB = unitRows(backend, work, b, what + " rows of the second SAE");  // (F_B, D)
            int block = (int) Math.max(1, Math.min(fa, BLOCK_BYTES / ((long) fb * Float.BYTES)));
            Matrix buffer = backend.allocate(work, block, fb);
            for (int r0 = 0; r0 < fa; r0 += block) {
                int rows = Math.min(block, fa - r0);
                Matrix part = buffer.packed(rows, fb);   // (rows, F_B), packed at the buffer's start
                backend.gemm(false, true, 1f, unitA.rows(r0, rows), unitB, 0f, part);
                backend.download(part, c.rows(r0, rows));
            }
        }
        return c;
    }

    /**
     * A bound on |entry of {@link #compute} − float64 cosine| for rows of dimension {@code d}. The
     * CPU backend's float32 GEMM of unit rows errs by at most d·2⁻²⁴ and the float32 normalisation
     * by a few units of 2⁻²⁴ (both doubled here); other backends may round to TF32 and get
     * {@link MaxCosine#errorBound}.
     */
    static double errorBound(Backend backend, int d) {
        return backend.name().equals("cpu") ? (d + 8) * 0x1p-23 : MaxCosine.errorBound(d);
    }

    /**
     * Row and column maxima of {@code c}: {@code [0]} (F_A) the largest entry of each row,
     * {@code [1]} (F_B) of each column, at most 1 (a float32 cosine of unit rows can round a few
     * units of 2⁻²⁴ above the true one, which never exceeds 1). One pass, parallel over blocks of rows.
     */
    static float[][] maxima(Matrix c) {
        int rows = c.rows(), cols = c.cols();
        float[] rowMax = new float[rows];
        int chunks = (rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        float[][] partial = new float[chunks][];
        MemorySegment data = c.data();
        IntStream.range(0, chunks).parallel().forEach(k -> {
            float[] colMax = new float[cols], row = new float[cols];
            Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
            for (int i = k * ROWS_PER_CHUNK, end = Math.min(rows, i + ROWS_PER_CHUNK); i < end; i++) {
                MemorySegment.copy(data, FLOAT, (long) i * cols * Float.BYTES, row, 0, cols);
                float best = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < cols; j++) {
                    best = Math.max(best, row[j]);
                    colMax[j] = Math.max(colMax[j], row[j]);
                }
                rowMax[i] = Math.min(1f, best);
            }
            partial[k] = colMax;
        });
        float[] colMax = new float[cols];
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        for (float[] p : partial) for (int j = 0; j < cols; j++) colMax[j] = Math.min(1f, Math.max(colMax[j], p[j]));
        return new float[][] {rowMax, colMax};
    }

    /** The rows copied to the backend and scaled to unit norm there. */
    private static Matrix unitRows(Backend backend, Arena arena, Matrix m, String what) {
        Matrix unit = backend.allocate(arena, m.rows(), m.cols());
        backend.upload(m, unit);
        backend.normaliseRows(unit);
        if (!Double.isFinite(backend.sumSquares(unit))) throw new IllegalArgumentException("the " + what + " hold non-finite values");
        return unit;
    }
}
