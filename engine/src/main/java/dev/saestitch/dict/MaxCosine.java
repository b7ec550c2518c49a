package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

/**
 * Decoder cosine similarity between two dictionaries A (F_A, D) and B (F_B, D), in both
 * directions: for every row i of A, {@code maxOverB[i] = max_j cos(A_i, B_j)} and its argmax
 * {@code argmaxInB[i]}; for every row j of B, {@code maxOverA[j]} and {@code argmaxInA[j]}.
 *
 * <p>Rows need not have unit norm; a row of zero norm has cosine 0 with every row. Ties go to the
 * smallest index. Values come from a float32 GEMM of the normalised rows, within
 * {@link #errorBound(int)} of the exact cosines, and are capped at 1.
 */
public record MaxCosine(float[] maxOverB, int[] argmaxInB, float[] maxOverA, int[] argmaxInA) {

    /**
     * Both directions from one blockwise pass over the cosine matrix (see {@link CosineScan}).
     * @param a (F_A, D) host matrix, rows in any norm
     * @param b (F_B, D) host matrix, rows in any norm
     */
    public static MaxCosine compute(Backend backend, Matrix a, Matrix b, TileShape tile) {
        return CosineScan.run(backend, a, b, tile, Float.POSITIVE_INFINITY).maxCosine();
    }

    /**
     * A bound on |cosine from the backend's GEMM − exact cosine| for rows of dimension {@code d}:
     * float32 accumulation of a unit-vector dot product errs by at most about d·2⁻²⁴, doubled
     * here; the 2⁻⁸ term covers GEMMs that round their inputs to TF32 (2⁻¹¹ per input) on GPUs.
     */
    public static double errorBound(int d) {
        return 0x1p-8 + d * 0x1p-23;
    }

    /** As {@link #compute(Backend, Matrix, Matrix, TileShape)} with tiles of {@link TileShape#DEFAULT_BUDGET_BYTES}. */
    public static MaxCosine compute(Backend backend, Matrix a, Matrix b) {
        return compute(backend, a, b, TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, a.rows(), b.rows()));
    }
}
