/*
 * saestitch CUDA kernels: the C ABI that dev.saestitch.bindings.kernels.saestitch_kernels_h binds.
 *
 * Conventions (every function):
 *  - returns an int status, the cudaError_t of its own launches (0 = cudaSuccess), never an
 *    earlier call's error left in the thread's last error; asynchronous failures surface at the
 *    caller's next stream synchronize;
 *  - takes the cudaStream_t to queue on as its last argument, as void* (NULL = legacy stream);
 *  - every pointer except those documented as host pointers is device memory;
 *  - matrices are row-major float32; element counts are int64_t, rows and columns int32_t;
 *  - sparse codes are CSR: row_start int32[rows + 1], indices int32[nnz], values float32[nnz],
 *    nnz = row_start[rows] (read on the device, never needed on the host).
 * Each op's semantics are those of the same-named method of dev.saestitch.backend.Backend, whose
 * CPU implementation (CpuBackend) the GPU tests hold these to.
 */
#ifndef SAESTITCH_KERNELS_H
#define SAESTITCH_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this ABI; bump when a signature changes. *version is a host pointer. */
int sae_abi_version(int32_t* version);

/* ---- element-wise (n elements) ---- */
int sae_fill(float* m, int64_t n, float value, void* stream);
int sae_axpy(float alpha, const float* x, float* y, int64_t n, void* stream);             /* y += alpha·x */
int sae_scale(float* m, int64_t n, float s, void* stream);
int sae_subtract(const float* a, const float* b, float* out, int64_t n, void* stream);    /* out = a − b */
int sae_clamp_min(float* m, int64_t n, float floor, void* stream);                      /* max(floor, m); NaN stays */
int sae_multiply(const float* a, const float* b, float* out, int64_t n, void* stream);
int sae_divide(const float* a, const float* b, float* out, int64_t n, void* stream);      /* 0 where b = 0 */
int sae_greater_equal(const float* a, int64_t n, float t, float* mask, void* stream);
/* sum + err += x in double-float arithmetic (TwoSum, then Fast2Sum): the pair keeps ~48 bits of the total */
int sae_add_compensated(const float* x, float* sum, float* err, int64_t n, void* stream);

/* ---- rows and columns of a (rows, cols) matrix ---- */
int sae_add_row_vector(float* m, int32_t rows, int32_t cols, const float* row, float alpha, void* stream);
/* out[c] = alpha·Σ_r m[r, c] + beta·out[c], summed in float64 */
int sae_column_sums(const float* m, int32_t rows, int32_t cols, float alpha, float beta, float* out, void* stream);
int sae_row_norms(const float* m, int32_t rows, int32_t cols, float* out, void* stream);
int sae_row_squared_distances(const float* a, const float* b, int32_t rows, int32_t cols, float* out, void* stream);
/* *out (one device double) = Σ m², in float64 */
int sae_sum_squares(const float* m, int64_t n, double* out, void* stream);
/* dst[r, :] += alpha·per_row[r]·src[r, :] */
int sae_add_scaled_rows(const float* src, const float* per_row, float alpha, float* dst, int32_t rows, int32_t cols, void* stream);

/* ---- optimiser ---- */
/* Adam with the host's bias corrections folded in: step_size = lr/(1−β1^t), root_c2 = sqrt(1−β2^t). */
int sae_adam(float* param, const float* grad, float* m, float* v, int64_t n,
             float step_size, float root_c2, float beta1, float beta2, float eps, void* stream);
int sae_remove_parallel_component(const float* rows, float* grad, int32_t n_rows, int32_t cols, void* stream);
int sae_normalise_rows(float* rows, int32_t n_rows, int32_t cols, void* stream);
/* The three above in one pass over the decoder: per row, grad loses its component along the row
 * (written back), Adam updates the row, the row is scaled to unit norm. */
int sae_adam_unit_rows(float* rows, float* grad, float* m, float* v, int32_t n_rows, int32_t cols,
                       float step_size, float root_c2, float beta1, float beta2, float eps, void* stream);

/* ---- activation rules: z (rows, cols) → CSR codes; entries of a row in ascending latent order ---- */
/* Number of entries sae_select_above / sae_select_band will write: row_start is filled (counts,
 * then an exclusive scan), so the host reads row_start[rows] to size indices and values. */
int sae_count_above(const float* z, int32_t rows, int32_t cols, const float* threshold, int32_t* row_start, void* stream);
int sae_count_band(const float* z, int32_t rows, int32_t cols, const float* centre, float half_width, int32_t* row_start, void* stream);
/* Entries z > threshold[i] (threshold NULL: 0), after sae_count_above filled row_start. */
int sae_select_above(const float* z, int32_t rows, int32_t cols, const float* threshold,
                     const int32_t* row_start, int32_t* indices, float* values, void* stream);
/* Entries |z − centre[i]| < half_width, after sae_count_band filled row_start. */
int sae_select_band(const float* z, int32_t rows, int32_t cols, const float* centre, float half_width,
                    const int32_t* row_start, int32_t* indices, float* values, void* stream);

/* Words of the int32 workspace that sae_select_topk and sae_select_batch_topk need; *words is a host pointer. */
int sae_select_workspace(int32_t rows, int64_t* words);
/* Per row, the k largest positive entries among latents with eligible[i] ≠ 0 (eligible NULL: all);
 * a row with fewer such entries keeps them all. Room for rows·k entries. Radix select (3 passes
 * of 11, 11 and 10 bits over the float's bits) per row, then an ordered compaction. */
int sae_select_topk(const float* z, int32_t rows, int32_t cols, int32_t k, const float* eligible,
                    int32_t* workspace, int32_t* row_start, int32_t* indices, float* values, void* stream);
/* The rows·k largest positive entries of the whole batch; ties at the cut taken in row-major
 * order. Room for rows·k entries. *cut (a device float) receives the smallest kept value, NaN
 * when nothing is positive. The same radix select over the whole batch: three histogram passes,
 * no sort. */
int sae_select_batch_topk(const float* z, int32_t rows, int32_t cols, int32_t k,
                          int32_t* workspace, int32_t* row_start, int32_t* indices, float* values, float* cut, void* stream);

/* ---- sparse products (codes have `rows` rows over `latents` latents) ---- */
/* out (rows, d) = codes·w + bias (bias NULL: none); w (latents, d); fp32 accumulation. */
int sae_sparse_decode(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows,
                      const float* w, int32_t d, const float* bias, float* out, void* stream);
/* Words of the int32 workspace sae_sparse_transpose_product needs for codes over `latents`
 * latents with room for `capacity` entries (nnz ≤ capacity); *words is a host pointer. */
int sae_transpose_workspace(int32_t latents, int64_t capacity, int64_t* words);
/* out (latents, d) += alpha·codesᵀ·dense, dense (rows, d). The codes are transposed into the
 * workspace (count per latent, scan, scatter), then one block per latent sums its entries' dense
 * rows and adds to its output row once: no atomics on out. The order of the terms within a
 * latent varies from run to run. */
int sae_sparse_transpose_product(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows,
                                 int32_t latents, int64_t capacity, float alpha, const float* dense, int32_t d,
                                 int32_t* workspace, float* out, void* stream);
/* out_values[e] = ⟨a[row(e), :], w[index(e), :]⟩ summed in float64; a (rows, d), w (latents, d). */
int sae_sampled_dot(const int32_t* row_start, const int32_t* indices, int32_t rows,
                    const float* a, const float* w, int32_t d, float* out_values, void* stream);
/* dense (rows, latents) = the codes, zeros elsewhere (dense is cleared first): for the dense
 * path of the sparse products, taken when the codes are too dense for gathers to win. */
int sae_scatter_dense(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows, int32_t latents,
                      float* dense, void* stream);
/* values[e] = dense[row(e), index(e)], dense (rows, latents): sampled dots from a full product. */
int sae_gather_dense(const int32_t* row_start, const int32_t* indices, int32_t rows, const float* dense, int32_t latents,
                     float* values, void* stream);
/* out[i] += alpha·Σ_{e: index i} values[e]. */
int sae_sparse_column_sums(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows,
                           float alpha, float* out, void* stream);
/* out[i] += alpha·(entries of latent i), the count exact (int32 in scratch, latents + 1 words) and
 * alpha·count added once, as the CPU backend. */
int sae_sparse_column_counts(const int32_t* row_start, const int32_t* indices, int32_t rows, int32_t latents, float alpha,
                             int32_t* scratch, float* out, void* stream);
/* out[i] += alpha·Σ_{e: index i} a[e]·b[e], accumulated in float64 in scratch (latents doubles). */
int sae_sparse_column_products(const int32_t* row_start, const int32_t* indices, const float* a_values, const float* b_values,
                               int32_t rows, int32_t latents, float alpha, double* scratch, float* out, void* stream);
/* values[e] += alpha·per_latent[index(e)]. */
int sae_sparse_add_by_latent(const int32_t* row_start, const int32_t* indices, float* values, int32_t rows,
                             float alpha, const float* per_latent, void* stream);
/* since_fired[i] = min(1e12, since_fired[i] + tokens), then 0 where latent i has an entry. */
int sae_update_since_fired(const int32_t* row_start, const int32_t* indices, int32_t rows, int32_t latents,
                           float tokens, float* since_fired, void* stream);

/* ---- composite codes: several sources' codes over the same rows, renamed into one numbering ----
 * position (one float per latent of a source) holds the latent's number in the composite, an
 * integer below 2^24, or -1 to drop it. Row r of the result holds, source by source in call
 * order, the source's kept entries of row r in their order. Three steps: */
/* once per source: out_row_start[r + 1] += the kept entries of row r (zero-fill out_row_start first) */
int sae_remap_count(const int32_t* row_start, const int32_t* indices, int32_t rows, const float* position,
                    int32_t* out_row_start, void* stream);
/* then once: out_row_start becomes the row starts (out_row_start[0] = 0), cursor[r] = out_row_start[r] */
int sae_remap_offsets(int32_t* out_row_start, int32_t rows, int32_t* cursor, void* stream);
/* then once per source, in the same order: row r's kept entries written from cursor[r] on, renamed; cursor advanced */
int sae_remap_write(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows, const float* position,
                    int32_t* cursor, int32_t* out_indices, float* out_values, void* stream);

/* ---- max cosine between two dictionaries, one tile of S = A_tile·B_tileᵀ at a time ---- */
/* The running maxima are packed keys, one uint64 per row of A (its max over B's rows) and per
 * row of B (its max over A's rows), zero-filled to start: the high word orders the float value,
 * the low word holds ~index, so an atomicMax keeps the largest value and, among equal values, the
 * smallest index (as visiting tiles in order and replacing only on a strictly larger value would).
 * s (tile_rows, tile_cols) with leading dimension ld holds rows row_offset.. of A against rows
 * col_offset.. of B. One pass over the tile: each block reads a 32-row strip of 4-column groups once
 * and folds it into both directions. NaN never wins. */
int sae_tile_max(const float* s, int32_t tile_rows, int32_t tile_cols, int32_t ld, int32_t row_offset, int32_t col_offset,
                 uint64_t* row_keys, uint64_t* col_keys, void* stream);
/* max[i], arg[i] from keys[i]: −∞ and −1 where no value was folded in. */
int sae_unpack_max_keys(const uint64_t* keys, int32_t n, float* max, int32_t* arg, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* SAESTITCH_KERNELS_H */
