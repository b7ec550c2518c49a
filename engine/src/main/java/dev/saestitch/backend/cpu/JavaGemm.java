package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.FloatArrays;
import dev.saestitch.tensor.Matrix;

/**
 * The portable product, used when no BLAS library loads. Both operands are first laid out so
 * that every output element is a dot product of two contiguous float arrays, then rows of C are
 * computed in parallel. Slow next to BLAS (a few GFLOP/s) but exact to float32 accumulation.
 */
public final class JavaGemm implements Gemm {

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        int k = Gemm.checkShapes(transA, transB, a, b, c);
        int m = c.rows(), n = c.cols();
        float[] rowsA = layout(a, !transA, m, k);   // (m, k): row i of op(A)
        float[] colsB = layout(b, transB, n, k);    // (n, k): column j of op(B)
        Parallel.forRange(m, Math.max(1, 4096 / Math.max(1, n)), (from, to) -> {
            for (int i = from; i < to; i++) {
                int ai = i * k;
                for (int j = 0; j < n; j++) {
                    float dot = FloatArrays.dot(rowsA, ai, colsB, j * k, k);
                    float old = beta == 0f ? 0f : beta * c.get(i, j);
                    c.set(i, j, alpha * dot + old);
                }
            }
        });
    }

    /** The matrix as an (outer, inner) row-major array; {@code asStored} says whether x already is. */
    private static float[] layout(Matrix x, boolean asStored, int outer, int inner) {
        if (asStored) return x.toArray();
        float[] out = new float[outer * inner];
        for (int r = 0; r < x.rows(); r++)
            for (int col = 0; col < x.cols(); col++) out[col * inner + r] = x.get(r, col);
        return out;
    }


    @Override public String describe() { return "portable Java GEMM (" + Parallel.threads() + " threads)"; }

    @Override public String summary() { return "portable Java GEMM"; }
}
