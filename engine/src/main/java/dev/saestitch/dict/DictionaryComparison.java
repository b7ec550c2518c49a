package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

/**
 * The weight-space comparison of a large SAE L with a small SAE S (SPEC §2), from one blockwise
 * pass over their decoder cosines: the max cosines in both directions (float32) and every
 * (L, S) pair with cosine ≥ θ, its cosine recomputed in float64.
 *
 * <p>The pass collects all pairs whose float32 cosine exceeds θ − {@link MaxCosine#errorBound},
 * then recomputes those in float64, so the decisions built on this comparison
 * ({@link LatentClasses}, {@link Families}) are those of an exact float64 computation whatever
 * the precision of the backend's GEMM. Those pairs are few for θ near the papers' 0.7.
 *
 * @param maxCosine rows of A are L-latents, rows of B are S-latents: {@code maxOverB[i]} is m_i
 */
public record DictionaryComparison(MaxCosine maxCosine, CosinePairs pairs, double threshold, int largeLatents, int smallLatents) {

    /** The papers' threshold θ. */
    public static final double DEFAULT_THRESHOLD = 0.7;

    /**
     * @param large (F_L, D) decoder rows of L, host memory, any norm
     * @param small (F_S, D) decoder rows of S
     * @param threshold θ in (0, 1]
     */
    public static DictionaryComparison compare(Backend backend, Matrix large, Matrix small, double threshold, TileShape tile) {
        if (!(threshold > 0 && threshold <= 1)) throw new IllegalArgumentException("cosine threshold must be in (0, 1], got " + threshold);
        float cut = (float) (threshold - MaxCosine.errorBound(large.cols()));
        CosineScan.Result scan = CosineScan.run(backend, large, small, tile, cut);
        CosinePairs pairs = CosinePairs.refine(scan.pairKeys(), large, scan.normsA(), small, scan.normsB(), threshold);
        return new DictionaryComparison(scan.maxCosine(), pairs, threshold, large.rows(), small.rows());
    }

    /** θ = 0.7 and tiles of {@link TileShape#DEFAULT_BUDGET_BYTES}. */
    public static DictionaryComparison compare(Backend backend, Matrix large, Matrix small) {
        return compare(backend, large, small, DEFAULT_THRESHOLD, TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, large.rows(), small.rows()));
    }
}
