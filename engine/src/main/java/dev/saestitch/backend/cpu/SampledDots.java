package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

/**
 * The sparse form of {@code sampledDot}: for each entry e of row r of the pattern, a_r · w_j with
 * j its latent, written to out's value at e (out already holds the pattern's rows and indices).
 * Every form gives, bit for bit, the float32 rounding of the float64 sum taken in column order
 * ({@link CpuBackend#dot}), so training runs do not depend on which one ran.
 */
interface SampledDots {

    /** @param a (B, D) and w (F, D) host matrices in shared arenas */
    void compute(SparseCodes pattern, Matrix a, Matrix w, SparseCodes out);

    /** The SIMD form where the JVM has the Vector API ({@link VectorModule}), else the scalar one. */
    static SampledDots fastest() {
        return VectorModule.present() ? new VectorSampledDots() : new ScalarSampledDots();
    }
}
