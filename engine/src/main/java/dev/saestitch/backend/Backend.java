package dev.saestitch.backend;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The operations an SAE training step and the dictionary tools need, on one kind of memory.
 * The CPU backend works on host memory; the CUDA backend (a later module) on device memory, so
 * callers move data only through {@link #upload} and {@link #download}. Every operation has a CPU
 * implementation that the others are tested against.
 *
 * <p>Shapes use the SPEC's names: B batch rows, D input dimension, F latents.
 */
public interface Backend extends AutoCloseable {

    /** "cpu" or "cuda". */
    String name();

    /** One line saying what runs and why (BLAS library and threads, or the device). */
    String describe();

    /**
     * A short line for every command's stderr: the backend, its BLAS or device, and threads,
     * without the reasons (why CUDA or BLAS is not available), which {@link #describe()} gives.
     */
    String summary();

    // ---- memory ----

    /** A zero-filled matrix in this backend's memory, owned by {@code arena}, which must be shared: backends work on several threads. */
    Matrix allocate(Arena arena, int rows, int cols);

    /** Sparse codes in this backend's memory with room for {@code capacity} entries; they grow on demand. */
    SparseCodes newCodes(int batch, int latents, long capacity);

    /** Copies a host matrix into a matrix of this backend. */
    void upload(Matrix host, Matrix dst);

    /** Copies a matrix of this backend into a host matrix. */
    void download(Matrix src, Matrix host);

    /** dst = src, both in this backend's memory. */
    void copy(Matrix src, Matrix dst);

    /** Waits for queued work; surfaces asynchronous errors. */
    void synchronize();

    // ---- dense ----

    /** C = alpha·op(A)·op(B) + beta·C, op(X) = Xᵀ when the flag is set. */
    void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c);

    /** m[r, :] += alpha·row for every row r; {@code row} is (1, m.cols). */
    void addRowVector(Matrix m, Matrix row, float alpha);

    /** y += alpha·x (same shape). */
    void axpy(float alpha, Matrix x, Matrix y);

    /** m ·= s. */
    void scale(Matrix m, float s);

    /** out = a − b (same shape; out may alias a or b). */
    void subtract(Matrix a, Matrix b, Matrix out);

    /** m = max(m, floor) element-wise. */
    void clampMin(Matrix m, float floor);

    /** out[0, c] = alpha·Σ_r m[r, c] + beta·out[0, c]. */
    void columnSums(Matrix m, float alpha, float beta, Matrix out);

    /** out[0, r] = ‖m[r, :]‖₂. */
    void rowNorms(Matrix m, Matrix out);

    /** out[0, r] = ‖a[r, :] − b[r, :]‖² (the per-sample sse). */
    void rowSquaredDistances(Matrix a, Matrix b, Matrix out);

    /** Σ m², accumulated in float64. */
    double sumSquares(Matrix m);

    // ---- activation rules: pre-activations z (B, F) → sparse codes ----

    /** Entries with z[b, i] > θ_i (θ = 0 when {@code threshold} is null): ReLU and JumpReLU. */
    void selectAbove(Matrix z, Matrix threshold, SparseCodes out);

    /**
     * Per row, the k largest positive entries among latents with eligible[0, i] ≠ 0 (all latents
     * when {@code eligible} is null): TopK, and aux-k over dead latents. Rows may hold fewer than k.
     */
    void selectTopK(Matrix z, int k, Matrix eligible, SparseCodes out);

    /**
     * The B·k largest positive entries of the whole batch (BatchTopK), without a full sort.
     * @return the smallest kept value, or NaN when nothing is positive
     */
    float selectBatchTopK(Matrix z, int k, SparseCodes out);

    /** Entries with |z[b, i] − centre[0, i]| < halfWidth, their values set to z (JumpReLU's STE window). */
    void selectBand(Matrix z, Matrix centre, float halfWidth, SparseCodes out);

    // ---- sparse products ----

    /** out = codes·W (+ bias broadcast over rows when not null); W is (F, D), out (B, D). */
    void sparseDecode(SparseCodes codes, Matrix w, Matrix bias, Matrix out);

    /** out += alpha·codesᵀ·dense; dense is (B, D), out (F, D); touches only rows of active latents. */
    void sparseTransposeProduct(SparseCodes codes, float alpha, Matrix dense, Matrix out);

    /** out.value[e] = ⟨a[row(e), :], w[index(e), :]⟩ with out taking the pattern of {@code pattern}. */
    void sampledDot(SparseCodes pattern, Matrix a, Matrix w, SparseCodes out);

    /** out[0, i] += alpha·Σ over entries e with index i of value[e]. */
    void sparseColumnSums(SparseCodes codes, float alpha, Matrix out);

    /**
     * out[0, i] += alpha·Σ over entries e with index i of a.value[e]·b.value[e], where {@code b} has
     * the pattern of {@code a} (as {@link #sampledDot} writes it; b may be a). Sums per latent of
     * f·⟨r, W⟩ and f², the one-pass Δmse of adding a latent (SPEC §2).
     */
    void sparseColumnProducts(SparseCodes a, SparseCodes b, float alpha, Matrix out);

    /** sinceFired[0, i] = 0 where latent i fired in {@code codes}, else += tokens. */
    void updateSinceFired(SparseCodes codes, float tokens, Matrix sinceFired);

    /** mask[0, i] = 1 where a[0, i] ≥ t, else 0. */
    void greaterEqual(Matrix a, float t, Matrix mask);

    // ---- optimiser ----

    /**
     * One Adam update, bias-corrected: m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
     * p −= lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps).
     */
    void adam(Matrix param, Matrix grad, Matrix m, Matrix v, float lr, float beta1, float beta2, float eps, long t);

    /** Removes from each row of {@code grad} its component along the same row of {@code rows}. */
    void removeParallelComponent(Matrix rows, Matrix grad);

    /** Scales each row to unit norm (rows of zero norm are left alone). */
    void normaliseRows(Matrix rows);

    // ---- element-wise and sparse helpers of the analytic SAE gradients ----

    /** m[:] = value (e.g. zeroing a gradient before sparse ops accumulate into it). */
    void fill(Matrix m, float value);

    /** out = a ⊙ b element-wise (same shape; out may alias a or b). */
    void multiply(Matrix a, Matrix b, Matrix out);

    /** out = a / b element-wise, 0 where b is 0 (same shape; out may alias a or b). */
    void divide(Matrix a, Matrix b, Matrix out);

    /** dst[r, :] += alpha·perRow[0, r]·src[r, :]; src and dst have the same shape, perRow has one value per row. */
    void addScaledRows(Matrix src, Matrix perRow, float alpha, Matrix dst);

    /** codes.value[e] += alpha·perLatent[0, index(e)] for every stored entry e. */
    void sparseAddByLatent(SparseCodes codes, float alpha, Matrix perLatent);

    /** out[0, i] += alpha·(number of entries with index i). */
    void sparseColumnCounts(SparseCodes codes, float alpha, Matrix out);

    // ---- totals over many batches, kept in this backend's memory ----

    /**
     * sum + error += x element-wise in double-float arithmetic (Knuth's TwoSum, then a
     * renormalising Fast2Sum): the unevaluated pair (sum, error) holds the running total to about
     * 48 significant bits (error ≤ ~2⁻⁴⁸·|total| per addition), so float32 per-batch sums add up
     * across batches as accurately as in float64, without leaving the backend. Read the total as
     * (double) sum + (double) error. All three have the same shape.
     */
    void addCompensated(Matrix x, Matrix sum, Matrix error);

    /**
     * The codes of a composite SAE from its sources' codes over the same rows: row r of
     * {@code out} holds, source by source in order, the entries of parts[s]'s row r whose latent i
     * has positions[s][0, i] ≥ 0, renamed to that number (an integer below 2²⁴ held as a float;
     * −1 drops the entry), in their order. positions[s] is (1, parts[s].latents()).
     */
    void gatherCodes(SparseCodes[] parts, Matrix[] positions, SparseCodes out);

    // ---- fused steps: each default composes the ops above; a backend may override it with one pass ----

    /**
     * The decoder's Adam step under the unit-norm constraint, as {@link #removeParallelComponent}
     * (grad keeps the projected gradient), then {@link #adam}, then {@link #normaliseRows}.
     */
    default void adamUnitRows(Matrix rows, Matrix grad, Matrix m, Matrix v, float lr, float beta1, float beta2, float eps, long t) {
        removeParallelComponent(rows, grad);
        adam(rows, grad, m, v, lr, beta1, beta2, eps, t);
        normaliseRows(rows);
    }

    /**
     * The row and column maxima of a·bᵀ and their arguments (ties to the smallest index), computed
     * in tiles of at most (tileRows, tileCols) so that the (F_A, F_B) product is never held.
     * The default downloads each tile ({@link TiledProducts}) and folds it on the host.
     *
     * @param a (F_A, D) in this backend's memory, finite
     * @param b (F_B, D) in this backend's memory, finite
     */
    default DotMaxima maxDots(Matrix a, Matrix b, int tileRows, int tileCols) {
        HostTileMaxima maxima = new HostTileMaxima(a.rows(), b.rows());
        TiledProducts.forEachTile(this, a, b, tileRows, tileCols, maxima::fold);
        return maxima.result();
    }

    /**
     * {@link #maxDots} and, from the same pass, every entry of a·bᵀ above {@code cut} (its key
     * i·F_B + j). The default downloads each tile and scans it on the host.
     *
     * @param cut collect entries with ⟨a_i, b_j⟩ &gt; cut
     */
    default DotScan scanDots(Matrix a, Matrix b, int tileRows, int tileCols, float cut) {
        HostTileMaxima maxima = new HostTileMaxima(a.rows(), b.rows());
        List<long[]> above = new ArrayList<>();
        TiledProducts.forEachTile(this, a, b, tileRows, tileCols, (tile, i0, j0) -> {
            maxima.fold(tile, i0, j0);
            above.add(HostTileMaxima.keysAbove(tile, i0, j0, b.rows(), cut));
        });
        return new DotScan(maxima.result(), KeyList.concat(above));
    }

    @Override default void close() {}
}
