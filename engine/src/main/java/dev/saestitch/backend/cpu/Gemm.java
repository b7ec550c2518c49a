package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;

/** A dense float32 matrix product on host memory: C = alpha·op(A)·op(B) + beta·C. */
public interface Gemm {

    void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c);

    /**
     * Runs {@code body}, in which each product runs on the thread that calls it alone: for callers
     * that run independent products on all cores themselves. The portable product has no threads
     * of its own to turn off (its rows are split over the fork-join pool, which nests).
     */
    default void oneThreadPerCall(Runnable body) { body.run(); }

    /** One line naming the implementation, e.g. "OpenBLAS 0.3.30 (2 threads)". */
    String describe();

    /** Its name in a few words, e.g. "OpenBLAS 0.3.30, Haswell kernels". */
    String summary();

    /** Checks that op(A)·op(B) fits into C and returns the inner dimension. */
    static int checkShapes(boolean transA, boolean transB, Matrix a, Matrix b, Matrix c) {
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb || m != c.rows() || n != c.cols())
            throw new IllegalArgumentException("gemm shapes: op(A) " + m + "x" + k + ", op(B) " + kb + "x" + n + ", C " + c.shape());
        return k;
    }
}
