package dev.saestitch.backend.cuda;

import dev.saestitch.bindings.cuda.cublas_api_h;
import dev.saestitch.input.InputException;

import java.util.Locale;

/**
 * How cuBLAS may compute the float32 products: FP32 (the default, exact float32 arithmetic),
 * TF32 (tensor cores, 10-bit mantissa inputs, relative error near 3e-4) or BF16 (tensor cores,
 * 7-bit mantissa inputs, near 1e-3 to 1e-2). Chosen by {@value #PROPERTY} / {@value #ENV}.
 */
public enum GemmPrecision {
    FP32, TF32, BF16;

    public static final String PROPERTY = "sae.cuda.precision";
    public static final String ENV = "SAESTITCH_CUDA_PRECISION";

    /** The cublasComputeType_t for cublasGemmEx. */
    int computeType() {
        return switch (this) {
            case FP32 -> cublas_api_h.CUBLAS_COMPUTE_32F();
            case TF32 -> cublas_api_h.CUBLAS_COMPUTE_32F_FAST_TF32();
            case BF16 -> cublas_api_h.CUBLAS_COMPUTE_32F_FAST_16BF();
        };
    }

    /** The setting ({@value #PROPERTY}, else {@value #ENV}, else FP32). */
    public static GemmPrecision configured() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) p = System.getenv(ENV);
        if (p == null || p.isBlank()) return FP32;
        try {
            return valueOf(p.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InputException(PROPERTY + " / " + ENV + " is '" + p + "': expected fp32, tf32 or bf16", e);
        }
    }
}
