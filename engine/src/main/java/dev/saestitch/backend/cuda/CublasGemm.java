package dev.saestitch.backend.cuda;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.saestitch.bindings.cuda.CudaException.checkCublas;
import static dev.saestitch.bindings.cuda.cublas_api_h.CUBLAS_GEMM_DEFAULT;
import static dev.saestitch.bindings.cuda.cublas_api_h.CUBLAS_OP_N;
import static dev.saestitch.bindings.cuda.cublas_api_h.CUBLAS_OP_T;
import static dev.saestitch.bindings.cuda.cublas_api_h.CUDA_R_32F;
import static dev.saestitch.bindings.cuda.cublas_api_h.cublasCreate_v2;
import static dev.saestitch.bindings.cuda.cublas_api_h.cublasDestroy_v2;
import static dev.saestitch.bindings.cuda.cublas_api_h.cublasGemmEx;
import static dev.saestitch.bindings.cuda.cublas_api_h.cublasGetVersion_v2;
import static dev.saestitch.bindings.cuda.cublas_api_h.cublasSetStream_v2;

/** A cuBLAS handle bound to the backend's stream, doing row-major float32 products. */
final class CublasGemm implements AutoCloseable {

    private final MemorySegment handle;
    private final GemmPrecision precision;
    private final int version;

    CublasGemm(MemorySegment stream, GemmPrecision precision) {
        this.precision = precision;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            checkCublas(cublasCreate_v2(out), "cublasCreate_v2");
            handle = out.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment v = call.allocate(ValueLayout.JAVA_INT);
                checkCublas(cublasGetVersion_v2(handle, v), "cublasGetVersion_v2");
                version = v.get(ValueLayout.JAVA_INT, 0);
                checkCublas(cublasSetStream_v2(handle, stream), "cublasSetStream_v2");
            } catch (RuntimeException e) {
                cublasDestroy_v2(handle);  // the handle is nobody's yet; its status would hide the reason thrown here
                throw e;
            }
        }
    }

    GemmPrecision precision() { return precision; }

    /** e.g. 130100 for 13.1.0. */
    int version() { return version; }

    /**
     * C = alpha·op(A)·op(B) + beta·C on row-major matrices. cuBLAS is column-major, where a
     * row-major X is Xᵀ: so it computes Cᵀ = op(B)ᵀ·op(A)ᵀ, B first, with the same flags.
     * Shapes are checked by the caller; k = 0 is left to the caller too (cuBLAS wants ld ≥ 1).
     */
    void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        int m = c.cols(), n = c.rows(), k = transA ? a.rows() : a.cols();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment al = call.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), be = call.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
            checkCublas(cublasGemmEx(handle, transB ? CUBLAS_OP_T() : CUBLAS_OP_N(), transA ? CUBLAS_OP_T() : CUBLAS_OP_N(), m, n, k,
                    al, b.data(), CUDA_R_32F(), Math.max(1, b.cols()), a.data(), CUDA_R_32F(), Math.max(1, a.cols()),
                    be, c.data(), CUDA_R_32F(), Math.max(1, c.cols()), precision.computeType(), CUBLAS_GEMM_DEFAULT()),
                    "cublasGemmEx(" + (transA ? "Aᵀ" : "A") + (transB ? "Bᵀ" : "B") + ", " + c.shape() + " ← " + a.shape() + " · " + b.shape() + ")");
        }
    }

    @Override
    public void close() { checkCublas(cublasDestroy_v2(handle), "cublasDestroy_v2"); }
}
