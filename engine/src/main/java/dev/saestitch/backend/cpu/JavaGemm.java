package dev.saestitch.backend.cpu;

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
                    float dot = dot(rowsA, ai, colsB, j * k, k);
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

    private static float dot(float[] x, int xo, float[] y, int yo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[xo + i] * y[yo + i];
            s1 += x[xo + i + 1] * y[yo + i + 1];
            s2 += x[xo + i + 2] * y[yo + i + 2];
            s3 += x[xo + i + 3] * y[yo + i + 3];
        }
        for (; i < n; i++) s0 += x[xo + i] * y[yo + i];
        return (s0 + s1) + (s2 + s3);
    }

    @Override public String describe() { return "portable Java GEMM (" + Parallel.threads() + " threads)"; }
}
