// saestitch CUDA kernels. The C ABI and each op's contract are in saestitch_kernels.h; this file
// holds the kernels and their launchers. One translation unit so that the Maven build's nvcc run
// stays short.
#include "saestitch_kernels.h"

#include <cuda_runtime.h>
#include <math_constants.h>
#include <stdint.h>

namespace {

constexpr int ABI_VERSION = 7;
constexpr int THREADS = 256;
constexpr int WARPS = THREADS / 32;
constexpr int MAX_GRID = 4096;  // grid-stride loops above this: many elements per thread, no 2³¹ grid limit

// Radix select over the bits of positive floats (order-preserving as unsigned integers):
// three passes of 11, 11 and 10 bits, from the top.
constexpr int PASSES = 3;
__constant__ int PASS_SHIFT[PASSES] = {21, 10, 0};
constexpr int BINS = 2048;
// Workspace layout (int32 words): histogram, select state, then two arrays of one word per row.
constexpr int64_t WS_HIST = 0, WS_STATE = BINS, WS_ROWS = BINS + 16;
// Select state words.
enum { ST_PREFIX = 0, ST_MASK, ST_REMAINING, ST_DONE, ST_MIN_KEPT };

// The stream of an entry point's launches, and a clean slate for their status: an error that an
// earlier runtime call of this host thread left (a failed cudaMalloc the caller already reported)
// is cleared, so that launched() after each launch reports that launch's own status.
inline cudaStream_t launch_stream(void* s) {
    static_cast<void>(cudaGetLastError());
    return static_cast<cudaStream_t>(s);
}

inline int grid_for(int64_t n, int threads = THREADS) {
    int64_t blocks = (n + threads - 1) / threads;
    return static_cast<int>(blocks < 1 ? 1 : (blocks > MAX_GRID ? MAX_GRID : blocks));
}

// The status of the launch just made (see launch_stream).
inline int launched() { return static_cast<int>(cudaGetLastError()); }

__device__ __forceinline__ int64_t global_thread() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t grid_threads() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Sum over the block (THREADS threads); every thread gets the total.
template <typename T>
__device__ T block_sum(T v) {
    __shared__ T partial[WARPS];
    __shared__ T total;
    v = warp_sum(v);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();  // partial may still be read by a previous call
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        T s = lane < WARPS ? partial[lane] : T(0);
        s = warp_sum(s);
        if (lane == 0) total = s;
    }
    __syncthreads();
    return total;
}

// Exclusive prefix sum of v over the block in thread order; *total gets the block's sum.
__device__ uint32_t block_exclusive_sum(uint32_t v, uint32_t* total) {
    __shared__ uint32_t warp_sums[WARPS];
    __shared__ uint32_t sum;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    uint32_t inc = v;
    for (int o = 1; o < 32; o <<= 1) {
        uint32_t t = __shfl_up_sync(0xffffffffu, inc, o);
        if (lane >= o) inc += t;
    }
    __syncthreads();  // warp_sums may still be read by a previous call
    if (lane == 31) warp_sums[warp] = inc;
    __syncthreads();
    if (threadIdx.x == 0) {
        uint32_t s = 0;
        for (int w = 0; w < WARPS; w++) {
            uint32_t c = warp_sums[w];
            warp_sums[w] = s;
            s += c;
        }
        sum = s;
    }
    __syncthreads();
    *total = sum;
    return warp_sums[warp] + inc - v;
}

// The ordered compactions visit a row in tiles of COMPACT_TILE latents, PER_THREAD consecutive
// ones per thread, so that thread order is latent order; a tile that keeps nothing (most of them
// in a wide sparse row) costs one barrier, a tile that keeps something one more prefix sum.
constexpr int PER_THREAD = 4;
constexpr int COMPACT_TILE = THREADS * PER_THREAD;

// Writes this thread's kept elements (bits of `kept`, from latent `first`) after those of the
// threads before it, from out; returns the tile's count (the same in every thread).
__device__ uint32_t write_kept(uint32_t kept, int first, const float* row, int32_t out, int32_t* indices, float* values) {
    uint32_t total;
    uint32_t at = out + block_exclusive_sum(__popc(kept), &total);
    for (int j = 0; j < PER_THREAD; j++)
        if (kept >> j & 1u) {
            indices[at] = first + j;
            values[at] = row[first + j];
            at++;
        }
    return total;
}

// ---------------------------------------------------------------- element-wise

__global__ void k_fill(float* m, int64_t n, float value) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) m[i] = value;
}
__global__ void k_axpy(float alpha, const float* x, float* y, int64_t n) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) y[i] += alpha * x[i];
}
__global__ void k_scale(float* m, int64_t n, float s) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) m[i] *= s;
}
__global__ void k_subtract(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) out[i] = a[i] - b[i];
}
// NaN stays NaN, as on the CPU (Math.max): fmaxf would turn it into the floor and hide a diverging run.
__global__ void k_clamp_min(float* m, int64_t n, float floor) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        float v = m[i];
        m[i] = v < floor ? floor : v;
    }
}
__global__ void k_multiply(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) out[i] = a[i] * b[i];
}
__global__ void k_divide(const float* a, const float* b, float* out, int64_t n) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        float den = b[i];
        out[i] = den == 0.f ? 0.f : a[i] / den;
    }
}
__global__ void k_greater_equal(const float* a, int64_t n, float t, float* mask) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) mask[i] = a[i] >= t ? 1.f : 0.f;
}
// No products here, so nothing can be contracted into an FMA: each error term is exact.
__global__ void k_add_compensated(const float* x, float* sum, float* err, int64_t n) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        float a = sum[i], b = x[i];
        float s = a + b, bb = s - a;
        float e = (a - (s - bb)) + (b - bb) + err[i];
        float hi = s + e;
        sum[i] = hi;
        err[i] = e - (hi - s);
    }
}

// ---------------------------------------------------------------- rows and columns

__global__ void k_add_row_vector(float* m, int32_t rows, int32_t cols, const float* row, float alpha) {
    int64_t n = static_cast<int64_t>(rows) * cols;
    for (int64_t i = global_thread(); i < n; i += grid_threads()) m[i] += alpha * row[i % cols];
}

// Block (32, 8): 32 columns, 8 row phases summed in float64, then combined in shared memory.
__global__ void k_column_sums(const float* m, int32_t rows, int32_t cols, float alpha, float beta, float* out) {
    __shared__ double part[8][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    double s = 0;
    if (c < cols)
        for (int r = threadIdx.y; r < rows; r += 8) s += m[static_cast<int64_t>(r) * cols + c];
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        double t = 0;
        for (int y = 0; y < 8; y++) t += part[y][threadIdx.x];
        float old = beta == 0.f ? 0.f : beta * out[c];
        out[c] = static_cast<float>(alpha * t) + old;
    }
}

// One warp per row; float64 sums.
__global__ void k_row_norms(const float* m, int32_t rows, int32_t cols, float* out) {
    int r = blockIdx.x * WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* p = m + static_cast<int64_t>(r) * cols;
    double s = 0;
    for (int c = lane; c < cols; c += 32) s += static_cast<double>(p[c]) * p[c];
    s = warp_sum(s);
    if (lane == 0) out[r] = static_cast<float>(sqrt(s));
}

__global__ void k_row_squared_distances(const float* a, const float* b, int32_t rows, int32_t cols, float* out) {
    int r = blockIdx.x * WARPS + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (r >= rows) return;
    int64_t base = static_cast<int64_t>(r) * cols;
    double s = 0;
    for (int c = lane; c < cols; c += 32) {
        double d = static_cast<double>(a[base + c]) - b[base + c];
        s += d * d;
    }
    s = warp_sum(s);
    if (lane == 0) out[r] = static_cast<float>(s);
}

__global__ void k_sum_squares(const float* m, int64_t n, double* out) {
    double s = 0;
    for (int64_t i = global_thread(); i < n; i += grid_threads()) s += static_cast<double>(m[i]) * m[i];
    s = block_sum(s);
    if (threadIdx.x == 0) atomicAdd(out, s);
}

__global__ void k_add_scaled_rows(const float* src, const float* per_row, float alpha, float* dst, int32_t rows, int32_t cols) {
    int64_t n = static_cast<int64_t>(rows) * cols;
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        float f = alpha * per_row[i / cols];
        if (f != 0.f) dst[i] += f * src[i];
    }
}

// ---------------------------------------------------------------- optimiser

__device__ __forceinline__ float adam_element(float& p, float g, float& m, float& v,
                                              float step_size, float root_c2, float beta1, float beta2, float eps) {
    float mi = beta1 * m + (1 - beta1) * g;
    float vi = beta2 * v + (1 - beta2) * g * g;
    m = mi;
    v = vi;
    p -= step_size * mi / (sqrtf(vi) / root_c2 + eps);
    return p;
}

__global__ void k_adam(float* param, const float* grad, float* m, float* v, int64_t n,
                       float step_size, float root_c2, float beta1, float beta2, float eps) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        float p = param[i], mi = m[i], vi = v[i];
        adam_element(p, grad[i], mi, vi, step_size, root_c2, beta1, beta2, eps);
        param[i] = p;
        m[i] = mi;
        v[i] = vi;
    }
}

// One block per row.
__global__ void k_remove_parallel_component(const float* rows, float* grad, int32_t cols) {
    int64_t base = static_cast<int64_t>(blockIdx.x) * cols;
    double nn = 0, gn = 0;
    for (int c = threadIdx.x; c < cols; c += THREADS) {
        double r = rows[base + c];
        nn += r * r;
        gn += r * grad[base + c];
    }
    nn = block_sum(nn);
    gn = block_sum(gn);
    if (nn == 0) return;
    float coef = static_cast<float>(gn / nn);
    for (int c = threadIdx.x; c < cols; c += THREADS) grad[base + c] -= coef * rows[base + c];
}

__global__ void k_normalise_rows(float* rows, int32_t cols) {
    int64_t base = static_cast<int64_t>(blockIdx.x) * cols;
    double nn = 0;
    for (int c = threadIdx.x; c < cols; c += THREADS) nn += static_cast<double>(rows[base + c]) * rows[base + c];
    nn = block_sum(nn);
    if (nn == 0) return;
    float inv = static_cast<float>(1 / sqrt(nn));
    for (int c = threadIdx.x; c < cols; c += THREADS) rows[base + c] *= inv;
}

// One block per decoder row: project the gradient, Adam, renormalise.
__global__ void k_adam_unit_rows(float* rows, float* grad, float* m, float* v, int32_t cols,
                                 float step_size, float root_c2, float beta1, float beta2, float eps) {
    int64_t base = static_cast<int64_t>(blockIdx.x) * cols;
    double nn = 0, gn = 0;
    for (int c = threadIdx.x; c < cols; c += THREADS) {
        double r = rows[base + c];
        nn += r * r;
        gn += r * grad[base + c];
    }
    nn = block_sum(nn);
    gn = block_sum(gn);
    float coef = nn == 0 ? 0.f : static_cast<float>(gn / nn);
    double pn = 0;
    for (int c = threadIdx.x; c < cols; c += THREADS) {
        int64_t i = base + c;
        float r = rows[i], g = grad[i] - coef * r, mi = m[i], vi = v[i];
        grad[i] = g;
        adam_element(r, g, mi, vi, step_size, root_c2, beta1, beta2, eps);
        rows[i] = r;
        m[i] = mi;
        v[i] = vi;
        pn += static_cast<double>(r) * r;
    }
    pn = block_sum(pn);
    if (pn == 0) return;
    float inv = static_cast<float>(1 / sqrt(pn));
    for (int c = threadIdx.x; c < cols; c += THREADS) rows[base + c] *= inv;
}

// ---------------------------------------------------------------- selection rules

// Whether latent i of value v is kept (k_count_rule counts, k_write_rule writes in latent order).
struct AboveRule {
    const float* threshold;
    __device__ bool keep(float v, int i) const { return v > (threshold ? threshold[i] : 0.f); }
};
struct BandRule {
    const float* centre;
    float half_width;
    __device__ bool keep(float v, int i) const { return fabsf(v - centre[i]) < half_width; }
};

template <typename Rule>
__global__ void k_count_rule(const float* z, int32_t cols, Rule rule, int32_t* row_start) {
    const float* row = z + static_cast<int64_t>(blockIdx.x) * cols;
    int count = 0;
    for (int i = threadIdx.x; i < cols; i += THREADS) count += rule.keep(row[i], i);
    count = block_sum(count);
    if (threadIdx.x == 0) row_start[blockIdx.x + 1] = count;
}

template <typename Rule>
__global__ void k_write_rule(const float* z, int32_t cols, Rule rule, const int32_t* row_start, int32_t* indices, float* values) {
    const float* row = z + static_cast<int64_t>(blockIdx.x) * cols;
    int32_t out = row_start[blockIdx.x];
    for (int tile = 0; tile < cols; tile += COMPACT_TILE) {
        int first = tile + threadIdx.x * PER_THREAD;
        uint32_t kept = 0;
        for (int j = 0; j < PER_THREAD; j++)
            if (first + j < cols && rule.keep(row[first + j], first + j)) kept |= 1u << j;
        if (!__syncthreads_or(kept != 0)) continue;
        out += write_kept(kept, first, row, out, indices, values);
    }
}

// ---- radix select (TopK, BatchTopK, aux-k) ----

__device__ __forceinline__ bool candidate(float v, const float* eligible, int i) {
    return v > 0.f && (eligible == nullptr || eligible[i] != 0.f);  // NaN is never a candidate
}

// Run by one warp: walks the histogram from the top bin down to the bin holding the
// `remaining`-th largest. Returns that bin, sets *above to the count in higher bins and *total
// to the histogram's sum.
__device__ int find_bin(const uint32_t* hist, int bins, uint32_t remaining, uint32_t* above, uint32_t* total) {
    int lane = threadIdx.x & 31;
    int per_lane = bins / 32;  // lane 0 holds the highest bins
    int hi = bins - lane * per_lane;
    uint32_t s = 0;
    for (int b = hi - per_lane; b < hi; b++) s += hist[b];
    // inclusive scan from lane 0 (top) upwards
    uint32_t inc = s;
    for (int o = 1; o < 32; o <<= 1) {
        uint32_t t = __shfl_up_sync(0xffffffffu, inc, o);
        if (lane >= o) inc += t;
    }
    *total = __shfl_sync(0xffffffffu, inc, 31);
    uint32_t exc = inc - s;
    uint32_t crossing = __ballot_sync(0xffffffffu, exc < remaining && inc >= remaining);
    int owner = crossing ? __ffs(crossing) - 1 : 31;
    int bin = 0;
    uint32_t acc = __shfl_sync(0xffffffffu, exc, owner);
    if (lane == owner) {
        int top = bins - owner * per_lane;
        bin = top - per_lane;
        for (int b = top - 1; b >= top - per_lane; b--) {
            if (acc + hist[b] >= remaining) { bin = b; break; }
            acc += hist[b];
        }
    }
    bin = __shfl_sync(0xffffffffu, bin, owner);
    *above = __shfl_sync(0xffffffffu, acc, owner);
    return bin;
}

// Per row: the cut (bits T) and how many entries equal to T the row keeps. workspace rows arrays:
// A = T, B = ties kept. Counts go to row_start[r + 1].
__global__ void k_topk_cut(const float* z, int32_t cols, int32_t k, const float* eligible,
                           uint32_t* cut_bits, uint32_t* ties_kept, int32_t* row_start) {
    __shared__ uint32_t hist[BINS];
    __shared__ uint32_t s_prefix, s_mask, s_remaining, s_all;
    const float* row = z + static_cast<int64_t>(blockIdx.x) * cols;
    if (threadIdx.x == 0) { s_prefix = 0; s_mask = 0; s_remaining = k; s_all = 0; }
    for (int pass = 0; pass < PASSES; pass++) {
        int shift = PASS_SHIFT[pass], bins = pass == PASSES - 1 ? BINS / 2 : BINS;
        for (int b = threadIdx.x; b < BINS; b += THREADS) hist[b] = 0;
        __syncthreads();
        uint32_t prefix = s_prefix, mask = s_mask;
        for (int i = threadIdx.x; i < cols; i += THREADS) {
            float v = row[i];
            if (!candidate(v, eligible, i)) continue;
            uint32_t b = __float_as_uint(v);
            if ((b & mask) == prefix) atomicAdd(&hist[(b >> shift) & (bins - 1)], 1u);
        }
        __syncthreads();
        if (threadIdx.x < 32) {
            uint32_t above, total;
            int bin = find_bin(hist, bins, s_remaining, &above, &total);
            if (threadIdx.x == 0) {
                if (pass == 0 && total <= static_cast<uint32_t>(k)) {
                    s_all = total + 1;  // keep every candidate: cut 0, no ties
                } else {
                    s_prefix |= static_cast<uint32_t>(bin) << shift;
                    s_mask |= static_cast<uint32_t>(bins - 1) << shift;
                    s_remaining -= above;
                }
            }
        }
        __syncthreads();
        if (s_all) break;
    }
    if (threadIdx.x == 0) {
        int r = blockIdx.x;
        if (s_all) {
            cut_bits[r] = 0;
            ties_kept[r] = 0;
            row_start[r + 1] = static_cast<int32_t>(s_all - 1);
        } else {
            cut_bits[r] = s_prefix;
            ties_kept[r] = s_remaining;
            row_start[r + 1] = k;
        }
    }
}

// Ordered compaction of a row against its cut: bits > T, or = T among the first ties_kept[r]
// (global_cut: one T for all rows, in cut_bits[0]).
__global__ void k_write_cut(const float* z, int32_t cols, const float* eligible, const uint32_t* cut_bits, bool global_cut,
                            const uint32_t* ties_kept, const int32_t* row_start, int32_t* indices, float* values) {
    int r = blockIdx.x;
    const float* row = z + static_cast<int64_t>(r) * cols;
    uint32_t t = global_cut ? cut_bits[0] : cut_bits[r], ties = ties_kept[r];
    int32_t out = row_start[r];
    uint32_t ties_seen = 0;
    for (int tile = 0; tile < cols; tile += COMPACT_TILE) {
        int first = tile + threadIdx.x * PER_THREAD;
        uint32_t above = 0, tie = 0;
        for (int j = 0; j < PER_THREAD; j++) {
            int i = first + j;
            if (i >= cols) break;
            float v = row[i];
            if (!candidate(v, eligible, i)) continue;
            uint32_t b = __float_as_uint(v);
            if (b > t) above |= 1u << j;
            else if (b == t) tie |= 1u << j;
        }
        if (!__syncthreads_or((above | tie) != 0)) continue;
        uint32_t kept = above;
        if (__syncthreads_or(tie != 0)) {  // the first `ties` entries equal to the cut, in latent order
            uint32_t tie_total;
            uint32_t rank = ties_seen + block_exclusive_sum(__popc(tie), &tie_total);
            for (int j = 0; j < PER_THREAD; j++)
                if (tie >> j & 1u) {
                    if (rank < ties) kept |= 1u << j;
                    rank++;
                }
            ties_seen += tie_total;
        }
        out += write_kept(kept, first, row, out, indices, values);
    }
}

// BatchTopK pass: global histogram of the digit of candidates that match the prefix so far.
__global__ void k_batch_hist(const float* z, int64_t n, int pass, uint32_t* hist, const uint32_t* state) {
    __shared__ uint32_t local[BINS];
    if (state[ST_DONE]) return;
    int shift = PASS_SHIFT[pass], bins = pass == PASSES - 1 ? BINS / 2 : BINS;
    for (int b = threadIdx.x; b < BINS; b += THREADS) local[b] = 0;
    __syncthreads();
    uint32_t prefix = state[ST_PREFIX], mask = state[ST_MASK];
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        float v = z[i];
        if (!(v > 0.f)) continue;
        uint32_t b = __float_as_uint(v);
        if ((b & mask) == prefix) atomicAdd(&local[(b >> shift) & (bins - 1)], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < bins; b += THREADS)
        if (local[b]) atomicAdd(&hist[b], local[b]);
}

// One block: pick the bin of this pass, update the state, clear the histogram for the next pass.
__global__ void k_batch_find(int pass, uint32_t budget, uint32_t* hist, uint32_t* state) {
    int shift = PASS_SHIFT[pass], bins = pass == PASSES - 1 ? BINS / 2 : BINS;
    if (!state[ST_DONE] && threadIdx.x < 32) {
        uint32_t above, total;
        int bin = find_bin(hist, bins, state[ST_REMAINING], &above, &total);
        if (threadIdx.x == 0) {
            if (pass == 0 && total <= budget) {
                state[ST_DONE] = 1;  // keep every positive entry: cut 0, no ties
                state[ST_PREFIX] = 0;
                state[ST_REMAINING] = 0;
            } else {
                state[ST_PREFIX] |= static_cast<uint32_t>(bin) << shift;
                state[ST_MASK] |= static_cast<uint32_t>(bins - 1) << shift;
                state[ST_REMAINING] -= above;
            }
        }
    }
    __syncthreads();
    for (int b = threadIdx.x; b < BINS; b += blockDim.x) hist[b] = 0;
}

// Per row: entries above the cut (to row_start[r + 1]) and entries at it (to row_ties[r]);
// the smallest kept value above the cut into state[ST_MIN_KEPT].
__global__ void k_batch_row_counts(const float* z, int32_t cols, uint32_t* state, int32_t* row_start, uint32_t* row_ties) {
    const float* row = z + static_cast<int64_t>(blockIdx.x) * cols;
    uint32_t t = state[ST_PREFIX];
    int above = 0, ties = 0;
    uint32_t min_bits = 0xffffffffu;
    for (int i = threadIdx.x; i < cols; i += THREADS) {
        float v = row[i];
        if (!(v > 0.f)) continue;
        uint32_t b = __float_as_uint(v);
        if (b > t) { above++; min_bits = min(min_bits, b); }
        else if (b == t) ties++;
    }
    above = block_sum(above);
    ties = block_sum(ties);
    for (int o = 16; o > 0; o >>= 1) min_bits = min(min_bits, __shfl_xor_sync(0xffffffffu, min_bits, o));
    if ((threadIdx.x & 31) == 0 && min_bits != 0xffffffffu) atomicMin(&state[ST_MIN_KEPT], min_bits);
    if (threadIdx.x == 0) {
        row_start[blockIdx.x + 1] = above;
        row_ties[blockIdx.x] = ties;
    }
}

// One block: each row's share of the ties (in row order), row_start as counts (above + ties
// kept), and the cut's value.
__global__ void k_batch_ties(int32_t rows, const uint32_t* state, const uint32_t* row_ties, uint32_t* ties_kept,
                             int32_t* row_start, float* cut) {
    __shared__ uint32_t carry;
    __shared__ uint32_t buf[THREADS];
    uint32_t allowed = state[ST_REMAINING];
    if (threadIdx.x == 0) carry = 0;
    __syncthreads();
    for (int base = 0; base < rows; base += THREADS) {
        int r = base + threadIdx.x;
        uint32_t c = r < rows ? row_ties[r] : 0;
        buf[threadIdx.x] = c;
        __syncthreads();
        for (int o = 1; o < THREADS; o <<= 1) {
            uint32_t add = threadIdx.x >= o ? buf[threadIdx.x - o] : 0;
            __syncthreads();
            buf[threadIdx.x] += add;
            __syncthreads();
        }
        if (r < rows) {
            uint32_t before = carry + buf[threadIdx.x] - c;
            uint32_t kept = before >= allowed ? 0 : min(c, allowed - before);
            ties_kept[r] = kept;
            row_start[r + 1] += static_cast<int32_t>(kept);
        }
        __syncthreads();
        if (threadIdx.x == THREADS - 1) carry += buf[THREADS - 1];
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        uint32_t t = state[ST_PREFIX], min_above = state[ST_MIN_KEPT];
        uint32_t smallest = allowed > 0 ? t : min_above;
        *cut = smallest == 0xffffffffu ? CUDART_NAN_F : __uint_as_float(smallest);
    }
}

__global__ void k_batch_init(uint32_t* hist, uint32_t* state, uint32_t budget) {
    if (threadIdx.x == 0) {
        state[ST_PREFIX] = 0;
        state[ST_MASK] = 0;
        state[ST_REMAINING] = budget;
        state[ST_DONE] = 0;
        state[ST_MIN_KEPT] = 0xffffffffu;
    }
    for (int b = threadIdx.x; b < BINS; b += blockDim.x) hist[b] = 0;
}

// ---------------------------------------------------------------- sparse products

constexpr int STAGE = 128;  // entries of a row staged in shared memory at a time

// init + Σ over entries [start, end) of value·src[index, c], for this thread's column c (< d or
// not: every thread of the block must call it, since it stages the entries through shared memory).
__device__ float staged_gather(float init, const int32_t* index, const float* value, int32_t start, int32_t end,
                               const float* src, int32_t d, int c, int32_t* s_idx, float* s_val) {
    float acc = init;
    for (int e0 = start; e0 < end; e0 += STAGE) {
        int n = min(STAGE, end - e0);
        __syncthreads();
        for (int j = threadIdx.x; j < n; j += THREADS) {
            s_idx[j] = index[e0 + j];
            s_val[j] = value[e0 + j];
        }
        __syncthreads();
        if (c < d)
            for (int j = 0; j < n; j++) acc += s_val[j] * src[static_cast<int64_t>(s_idx[j]) * d + c];
    }
    return acc;
}

// One block per code row; threads over the output columns, in chunks of THREADS.
__global__ void k_sparse_decode(const int32_t* row_start, const int32_t* indices, const float* values,
                                const float* w, int32_t d, const float* bias, float* out) {
    __shared__ int32_t s_idx[STAGE];
    __shared__ float s_val[STAGE];
    int r = blockIdx.x;
    int32_t start = row_start[r], end = row_start[r + 1];
    float* o = out + static_cast<int64_t>(r) * d;
    for (int c0 = 0; c0 < d; c0 += THREADS) {
        int c = c0 + threadIdx.x;
        // The bias first, as the CPU backend sums.
        float acc = staged_gather(bias != nullptr && c < d ? bias[c] : 0.f, indices, values, start, end, w, d, c, s_idx, s_val);
        if (c < d) o[c] = acc;
    }
}

// ---- the transpose product through a CSC copy of the codes ----

constexpr int SCAN_THREADS = 1024;

// One block of SCAN_THREADS: data[0..n) becomes its inclusive prefix sum. The launch bounds let
// nvcc budget registers for a block of 1024 threads (without them it may use more than such a
// block can have, and the launch fails with too many resources requested). Each thread owns a
// contiguous run (data stays in L2 for the sizes here: rows or latents, up to a few hundred K).
__global__ void __launch_bounds__(SCAN_THREADS) k_inclusive_scan(int32_t* data, int32_t n) {
    __shared__ int32_t warp_total[SCAN_THREADS / 32];
    int per = (n + SCAN_THREADS - 1) / SCAN_THREADS;
    int begin = min(n, static_cast<int>(threadIdx.x) * per), end = min(n, begin + per);
    int32_t run = 0;
    for (int i = begin; i < end; i++) run += data[i];
    // exclusive scan of the runs' totals across the block
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int32_t inc = run;
    for (int o = 1; o < 32; o <<= 1) {
        int32_t t = __shfl_up_sync(0xffffffffu, inc, o);
        if (lane >= o) inc += t;
    }
    if (lane == 31) warp_total[warp] = inc;
    __syncthreads();
    if (warp == 0) {
        int32_t w = warp_total[lane], wi = w;
        for (int o = 1; o < 32; o <<= 1) {
            int32_t t = __shfl_up_sync(0xffffffffu, wi, o);
            if (lane >= o) wi += t;
        }
        warp_total[lane] = wi - w;  // exclusive
    }
    __syncthreads();
    int32_t acc = warp_total[warp] + inc - run;
    for (int i = begin; i < end; i++) {
        acc += data[i];
        data[i] = acc;
    }
}

// Entries per latent, into offsets[i + 1] (zeroed before).
__global__ void k_count_latents(const int32_t* row_start, int32_t rows, const int32_t* indices, int32_t* offsets) {
    int64_t nnz = row_start[rows];
    for (int64_t e = global_thread(); e < nnz; e += grid_threads()) atomicAdd(offsets + indices[e] + 1, 1);
}

// One block per code row: each entry goes to its latent's next free slot (cursor zeroed before).
__global__ void k_scatter_latents(const int32_t* row_start, const int32_t* indices, const float* values, const int32_t* offsets,
                                  int32_t* cursor, int32_t* csc_row, float* csc_value) {
    int r = blockIdx.x;
    for (int e = row_start[r] + threadIdx.x, end = row_start[r + 1]; e < end; e += THREADS) {
        int i = indices[e];
        int at = offsets[i] + atomicAdd(cursor + i, 1);
        csc_row[at] = r;
        csc_value[at] = values[e];
    }
}

// One block per latent: out[i, :] += alpha·Σ_entries value·dense[row, :], entries staged in shared memory.
__global__ void k_gather_latents(const int32_t* offsets, const int32_t* csc_row, const float* csc_value, float alpha,
                                 const float* dense, int32_t d, float* out) {
    __shared__ int32_t s_row[STAGE];
    __shared__ float s_val[STAGE];
    int i = blockIdx.x;
    int32_t start = offsets[i], end = offsets[i + 1];
    if (start == end) return;
    float* o = out + static_cast<int64_t>(i) * d;
    for (int c0 = 0; c0 < d; c0 += THREADS) {
        int c = c0 + threadIdx.x;
        float acc = staged_gather(0.f, csc_row, csc_value, start, end, dense, d, c, s_row, s_val);
        if (c < d) o[c] += alpha * acc;
    }
}

// One block per row; a warp per entry. Sums in float64, as the CPU backend: the products of a
// gradient and a decoder row can cancel, and a float32 sum would lose what remains.
__global__ void k_sampled_dot(const int32_t* row_start, const int32_t* indices, const float* a, const float* w, int32_t d,
                              float* out_values) {
    int r = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const float* x = a + static_cast<int64_t>(r) * d;
    for (int e = row_start[r] + warp, end = row_start[r + 1]; e < end; e += WARPS) {
        const float* wr = w + static_cast<int64_t>(indices[e]) * d;
        double s = 0;
        for (int c = lane; c < d; c += 32) s += static_cast<double>(x[c]) * wr[c];
        s = warp_sum(s);
        if (lane == 0) out_values[e] = static_cast<float>(s);
    }
}

// One block per code row, a thread per entry.
__global__ void k_scatter_dense(const int32_t* row_start, const int32_t* indices, const float* values, int32_t latents, float* dense) {
    int r = blockIdx.x;
    float* d = dense + static_cast<int64_t>(r) * latents;
    for (int e = row_start[r] + threadIdx.x, end = row_start[r + 1]; e < end; e += THREADS) d[indices[e]] = values[e];
}

__global__ void k_gather_dense(const int32_t* row_start, const int32_t* indices, const float* dense, int32_t latents, float* values) {
    int r = blockIdx.x;
    const float* d = dense + static_cast<int64_t>(r) * latents;
    for (int e = row_start[r] + threadIdx.x, end = row_start[r + 1]; e < end; e += THREADS) values[e] = d[indices[e]];
}

// Grid-stride over all entries; nnz read on the device.
__global__ void k_sparse_column_sums(const int32_t* row_start, int32_t rows, const int32_t* indices, const float* values,
                                     float alpha, float* out) {
    int64_t nnz = row_start[rows];
    for (int64_t e = global_thread(); e < nnz; e += grid_threads()) atomicAdd(out + indices[e], alpha * values[e]);
}

// out[i] += alpha·count[i], the count exact: the CPU's value (adding alpha once per entry in
// float32 drifts by hundreds of ulps at thousands of entries, in an order that varies).
__global__ void k_add_counts(const int32_t* counts, int32_t latents, float alpha, float* out) {
    for (int64_t i = global_thread(); i < latents; i += grid_threads())
        if (counts[i] != 0) out[i] += static_cast<float>(alpha * static_cast<double>(counts[i]));
}

__global__ void k_sparse_column_products(const int32_t* row_start, int32_t rows, const int32_t* indices, const float* a,
                                         const float* b, double* scratch) {
    int64_t nnz = row_start[rows];
    for (int64_t e = global_thread(); e < nnz; e += grid_threads())
        atomicAdd(scratch + indices[e], static_cast<double>(a[e]) * b[e]);
}

// ---- composite codes: one thread per row walks its entries in order (rows hold k to a few hundred)

__global__ void k_remap_count(const int32_t* row_start, const int32_t* indices, int32_t rows, const float* position, int32_t* out_row_start) {
    for (int64_t r = global_thread(); r < rows; r += grid_threads()) {
        int32_t kept = 0;
        for (int32_t e = row_start[r], end = row_start[r + 1]; e < end; e++) kept += position[indices[e]] >= 0.f;
        out_row_start[r + 1] += kept;
    }
}
__global__ void k_copy_ints(const int32_t* src, int32_t n, int32_t* dst) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) dst[i] = src[i];
}
__global__ void k_remap_write(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows, const float* position,
                              int32_t* cursor, int32_t* out_indices, float* out_values) {
    for (int64_t r = global_thread(); r < rows; r += grid_threads()) {
        int32_t at = cursor[r];
        for (int32_t e = row_start[r], end = row_start[r + 1]; e < end; e++) {
            float p = position[indices[e]];
            if (p < 0.f) continue;
            out_indices[at] = static_cast<int32_t>(p);
            out_values[at++] = values[e];
        }
        cursor[r] = at;
    }
}
__global__ void k_add_scratch(const double* scratch, int32_t latents, float alpha, float* out) {
    for (int64_t i = global_thread(); i < latents; i += grid_threads())
        if (scratch[i] != 0) out[i] += static_cast<float>(alpha * scratch[i]);
}

__global__ void k_sparse_add_by_latent(const int32_t* row_start, int32_t rows, const int32_t* indices, float* values,
                                       float alpha, const float* per_latent) {
    int64_t nnz = row_start[rows];
    for (int64_t e = global_thread(); e < nnz; e += grid_threads()) values[e] += alpha * per_latent[indices[e]];
}

__global__ void k_age(float* since_fired, int32_t latents, float tokens) {
    for (int64_t i = global_thread(); i < latents; i += grid_threads()) since_fired[i] = fminf(1e12f, since_fired[i] + tokens);
}

__global__ void k_fired(const int32_t* row_start, int32_t rows, const int32_t* indices, float* since_fired) {
    int64_t nnz = row_start[rows];
    for (int64_t e = global_thread(); e < nnz; e += grid_threads()) since_fired[indices[e]] = 0.f;
}

// ---------------------------------------------------------------- max cosine tiles

constexpr int TILE_STRIP = 32;       // rows of the tile per block
constexpr int TILE_GROUP = 4;        // consecutive columns per thread (one float4 when aligned)

// (value, index) → a key whose unsigned order is value first, then the smaller index; 0 = none.
// −0 is keyed as +0 (v + 0 is +0 for both zeros): the two compare equal on the CPU, so an index
// that ties at zero must not win by the sign of its zero.
__device__ __forceinline__ unsigned long long max_key(float v, int32_t index) {
    uint32_t b = __float_as_uint(v + 0.f);
    uint32_t ordered = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    return (static_cast<unsigned long long>(ordered) << 32) | (0xffffffffu - static_cast<uint32_t>(index));
}

// grid (column groups / THREADS, row strips): each thread reads TILE_GROUP columns of TILE_STRIP
// rows, keeps its columns' maxima in registers, and reduces each row across the block.
template <bool VEC>
__global__ void k_tile_max(const float* s, int32_t tile_rows, int32_t tile_cols, int32_t ld, int32_t row_offset, int32_t col_offset,
                           unsigned long long* row_keys, unsigned long long* col_keys) {
    __shared__ unsigned long long strip[TILE_STRIP][WARPS];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int c0 = (blockIdx.x * THREADS + threadIdx.x) * TILE_GROUP;
    int r0 = blockIdx.y * TILE_STRIP;
    int rows = min(TILE_STRIP, tile_rows - r0);
    unsigned long long col_best[TILE_GROUP] = {0, 0, 0, 0};
    for (int rr = 0; rr < rows; rr++) {
        const float* p = s + static_cast<int64_t>(r0 + rr) * ld + c0;
        float v[TILE_GROUP];
        if (VEC && c0 + TILE_GROUP <= tile_cols) {
            float4 q = *reinterpret_cast<const float4*>(p);
            v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w;
        } else {
#pragma unroll
            for (int g = 0; g < TILE_GROUP; g++) v[g] = c0 + g < tile_cols ? p[g] : CUDART_NAN_F;
        }
        unsigned long long row_best = 0;
#pragma unroll
        for (int g = 0; g < TILE_GROUP; g++) {
            // NaN, a column past the tile, or −∞: the host fold starts at −∞ with index −1 and
            // takes only greater values, so a row of −∞ keeps −1.
            if (!(v[g] > -CUDART_INF_F)) continue;
            row_best = max(row_best, max_key(v[g], col_offset + c0 + g));
            col_best[g] = max(col_best[g], max_key(v[g], row_offset + r0 + rr));
        }
        for (int o = 16; o > 0; o >>= 1) row_best = max(row_best, __shfl_xor_sync(0xffffffffu, row_best, o));
        if (lane == 0) strip[rr][warp] = row_best;
    }
    __syncthreads();
    if (threadIdx.x < rows) {
        unsigned long long best = 0;
        for (int w = 0; w < WARPS; w++) best = max(best, strip[threadIdx.x][w]);
        if (best) atomicMax(row_keys + row_offset + r0 + threadIdx.x, best);
    }
#pragma unroll
    for (int g = 0; g < TILE_GROUP; g++)
        if (col_best[g]) atomicMax(col_keys + col_offset + c0 + g, col_best[g]);
}

__global__ void k_unpack_max_keys(const unsigned long long* keys, int32_t n, float* max_out, int32_t* arg) {
    for (int64_t i = global_thread(); i < n; i += grid_threads()) {
        unsigned long long k = keys[i];
        if (k == 0) {
            max_out[i] = -CUDART_INF_F;
            arg[i] = -1;
            continue;
        }
        uint32_t ordered = static_cast<uint32_t>(k >> 32);
        uint32_t b = (ordered & 0x80000000u) ? (ordered & 0x7fffffffu) : ~ordered;
        max_out[i] = __uint_as_float(b);
        arg[i] = static_cast<int32_t>(0xffffffffu - static_cast<uint32_t>(k));
    }
}

}  // namespace

// ================================================================ C entry points

extern "C" {

int sae_abi_version(int32_t* version) {
    *version = ABI_VERSION;
    return 0;
}

#define SAE_FLAT(kernel, n, ...)                                                            \
    do {                                                                                    \
        if ((n) <= 0) return 0;                                                             \
        kernel<<<grid_for(n), THREADS, 0, launch_stream(stream)>>>(__VA_ARGS__);                \
        return launched();                                                                  \
    } while (0)

int sae_fill(float* m, int64_t n, float value, void* stream) { SAE_FLAT(k_fill, n, m, n, value); }
int sae_axpy(float alpha, const float* x, float* y, int64_t n, void* stream) { SAE_FLAT(k_axpy, n, alpha, x, y, n); }
int sae_scale(float* m, int64_t n, float s, void* stream) { SAE_FLAT(k_scale, n, m, n, s); }
int sae_subtract(const float* a, const float* b, float* out, int64_t n, void* stream) { SAE_FLAT(k_subtract, n, a, b, out, n); }
int sae_clamp_min(float* m, int64_t n, float floor, void* stream) { SAE_FLAT(k_clamp_min, n, m, n, floor); }
int sae_multiply(const float* a, const float* b, float* out, int64_t n, void* stream) { SAE_FLAT(k_multiply, n, a, b, out, n); }
int sae_divide(const float* a, const float* b, float* out, int64_t n, void* stream) { SAE_FLAT(k_divide, n, a, b, out, n); }
int sae_greater_equal(const float* a, int64_t n, float t, float* mask, void* stream) { SAE_FLAT(k_greater_equal, n, a, n, t, mask); }
int sae_add_compensated(const float* x, float* sum, float* err, int64_t n, void* stream) { SAE_FLAT(k_add_compensated, n, x, sum, err, n); }

int sae_add_row_vector(float* m, int32_t rows, int32_t cols, const float* row, float alpha, void* stream) {
    SAE_FLAT(k_add_row_vector, static_cast<int64_t>(rows) * cols, m, rows, cols, row, alpha);
}

int sae_column_sums(const float* m, int32_t rows, int32_t cols, float alpha, float beta, float* out, void* stream) {
    if (cols <= 0) return 0;
    k_column_sums<<<(cols + 31) / 32, dim3(32, 8), 0, launch_stream(stream)>>>(m, rows, cols, alpha, beta, out);
    return launched();
}

int sae_row_norms(const float* m, int32_t rows, int32_t cols, float* out, void* stream) {
    if (rows <= 0) return 0;
    k_row_norms<<<(rows + WARPS - 1) / WARPS, THREADS, 0, launch_stream(stream)>>>(m, rows, cols, out);
    return launched();
}

int sae_row_squared_distances(const float* a, const float* b, int32_t rows, int32_t cols, float* out, void* stream) {
    if (rows <= 0) return 0;
    k_row_squared_distances<<<(rows + WARPS - 1) / WARPS, THREADS, 0, launch_stream(stream)>>>(a, b, rows, cols, out);
    return launched();
}

int sae_sum_squares(const float* m, int64_t n, double* out, void* stream) {
    int status = static_cast<int>(cudaMemsetAsync(out, 0, sizeof(double), launch_stream(stream)));
    if (status != 0) return status;
    SAE_FLAT(k_sum_squares, n, m, n, out);
}

int sae_add_scaled_rows(const float* src, const float* per_row, float alpha, float* dst, int32_t rows, int32_t cols, void* stream) {
    SAE_FLAT(k_add_scaled_rows, static_cast<int64_t>(rows) * cols, src, per_row, alpha, dst, rows, cols);
}

int sae_adam(float* param, const float* grad, float* m, float* v, int64_t n,
             float step_size, float root_c2, float beta1, float beta2, float eps, void* stream) {
    SAE_FLAT(k_adam, n, param, grad, m, v, n, step_size, root_c2, beta1, beta2, eps);
}

int sae_remove_parallel_component(const float* rows, float* grad, int32_t n_rows, int32_t cols, void* stream) {
    if (n_rows <= 0) return 0;
    k_remove_parallel_component<<<n_rows, THREADS, 0, launch_stream(stream)>>>(rows, grad, cols);
    return launched();
}

int sae_normalise_rows(float* rows, int32_t n_rows, int32_t cols, void* stream) {
    if (n_rows <= 0) return 0;
    k_normalise_rows<<<n_rows, THREADS, 0, launch_stream(stream)>>>(rows, cols);
    return launched();
}

int sae_adam_unit_rows(float* rows, float* grad, float* m, float* v, int32_t n_rows, int32_t cols,
                       float step_size, float root_c2, float beta1, float beta2, float eps, void* stream) {
    if (n_rows <= 0) return 0;
    k_adam_unit_rows<<<n_rows, THREADS, 0, launch_stream(stream)>>>(rows, grad, m, v, cols, step_size, root_c2, beta1, beta2, eps);
    return launched();
}

// ---- selection ----

// row_start[0] = 0, and row_start[1..rows] from counts to their inclusive scan.
static int scan_counts(int32_t* row_start, int32_t rows, cudaStream_t s) {
    if (int st = static_cast<int>(cudaMemsetAsync(row_start, 0, sizeof(int32_t), s))) return st;
    if (rows <= 0) return 0;
    k_inclusive_scan<<<1, SCAN_THREADS, 0, s>>>(row_start + 1, rows);
    return launched();
}

int sae_count_above(const float* z, int32_t rows, int32_t cols, const float* threshold, int32_t* row_start, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (rows > 0) {
        k_count_rule<<<rows, THREADS, 0, s>>>(z, cols, AboveRule{threshold}, row_start);
        if (int st = launched()) return st;
    }
    return scan_counts(row_start, rows, s);
}

int sae_count_band(const float* z, int32_t rows, int32_t cols, const float* centre, float half_width, int32_t* row_start, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (rows > 0) {
        k_count_rule<<<rows, THREADS, 0, s>>>(z, cols, BandRule{centre, half_width}, row_start);
        if (int st = launched()) return st;
    }
    return scan_counts(row_start, rows, s);
}

int sae_select_above(const float* z, int32_t rows, int32_t cols, const float* threshold,
                     const int32_t* row_start, int32_t* indices, float* values, void* stream) {
    if (rows <= 0) return 0;
    k_write_rule<<<rows, THREADS, 0, launch_stream(stream)>>>(z, cols, AboveRule{threshold}, row_start, indices, values);
    return launched();
}

int sae_select_band(const float* z, int32_t rows, int32_t cols, const float* centre, float half_width,
                    const int32_t* row_start, int32_t* indices, float* values, void* stream) {
    if (rows <= 0) return 0;
    k_write_rule<<<rows, THREADS, 0, launch_stream(stream)>>>(z, cols, BandRule{centre, half_width}, row_start, indices, values);
    return launched();
}

int sae_select_workspace(int32_t rows, int64_t* words) {
    *words = WS_ROWS + 2 * static_cast<int64_t>(rows < 0 ? 0 : rows);
    return 0;
}

int sae_select_topk(const float* z, int32_t rows, int32_t cols, int32_t k, const float* eligible,
                    int32_t* workspace, int32_t* row_start, int32_t* indices, float* values, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (k <= 0) return static_cast<int>(cudaErrorInvalidValue);
    uint32_t* ws = reinterpret_cast<uint32_t*>(workspace);
    uint32_t *cut = ws + WS_ROWS, *ties = ws + WS_ROWS + rows;
    if (rows > 0) {
        k_topk_cut<<<rows, THREADS, 0, s>>>(z, cols, k, eligible, cut, ties, row_start);
        if (int st = launched()) return st;
    }
    if (int st = scan_counts(row_start, rows, s)) return st;
    if (rows <= 0) return 0;
    k_write_cut<<<rows, THREADS, 0, s>>>(z, cols, eligible, cut, false, ties, row_start, indices, values);
    return launched();
}

int sae_select_batch_topk(const float* z, int32_t rows, int32_t cols, int32_t k,
                          int32_t* workspace, int32_t* row_start, int32_t* indices, float* values, float* cut, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (k <= 0) return static_cast<int>(cudaErrorInvalidValue);
    uint32_t* ws = reinterpret_cast<uint32_t*>(workspace);
    uint32_t *hist = ws + WS_HIST, *state = ws + WS_STATE, *row_ties = ws + WS_ROWS, *ties_kept = ws + WS_ROWS + rows;
    int64_t n = static_cast<int64_t>(rows) * cols;
    uint64_t budget64 = static_cast<uint64_t>(rows) * static_cast<uint64_t>(k);
    uint32_t budget = budget64 > 0x7fffffffull ? 0x7fffffffu : static_cast<uint32_t>(budget64);
    k_batch_init<<<1, THREADS, 0, s>>>(hist, state, budget);
    if (int st = launched()) return st;
    for (int pass = 0; pass < PASSES; pass++) {
        if (n > 0) {
            k_batch_hist<<<grid_for(n), THREADS, 0, s>>>(z, n, pass, hist, state);
            if (int st = launched()) return st;
        }
        k_batch_find<<<1, THREADS, 0, s>>>(pass, budget, hist, state);
        if (int st = launched()) return st;
    }
    if (rows > 0) {
        k_batch_row_counts<<<rows, THREADS, 0, s>>>(z, cols, state, row_start, row_ties);
        if (int st = launched()) return st;
    }
    k_batch_ties<<<1, THREADS, 0, s>>>(rows, state, row_ties, ties_kept, row_start, cut);
    if (int st = launched()) return st;
    if (int st = scan_counts(row_start, rows, s)) return st;
    if (rows <= 0) return 0;
    k_write_cut<<<rows, THREADS, 0, s>>>(z, cols, nullptr, state + ST_PREFIX, true, ties_kept, row_start, indices, values);
    return launched();
}

// ---- sparse products ----

// Entry kernels: a grid sized for the worst case they can see without reading nnz on the host.
static int entry_grid(int32_t rows) { return grid_for(static_cast<int64_t>(rows) * 64); }

int sae_sparse_decode(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows,
                      const float* w, int32_t d, const float* bias, float* out, void* stream) {
    if (rows <= 0 || d <= 0) return 0;
    k_sparse_decode<<<rows, THREADS, 0, launch_stream(stream)>>>(row_start, indices, values, w, d, bias, out);
    return launched();
}

int sae_transpose_workspace(int32_t latents, int64_t capacity, int64_t* words) {
    // offsets (latents + 1), cursor (latents), rows and values of the CSC copy (capacity each)
    *words = 2 * static_cast<int64_t>(latents < 0 ? 0 : latents) + 1 + 2 * (capacity < 0 ? 0 : capacity);
    return 0;
}

int sae_sparse_transpose_product(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows,
                                 int32_t latents, int64_t capacity, float alpha, const float* dense, int32_t d,
                                 int32_t* workspace, float* out, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (rows <= 0 || d <= 0 || latents <= 0) return 0;
    // Workspace: offsets (latents + 1) | cursor (latents) | CSC rows (capacity) | CSC values (capacity)
    int32_t *offsets = workspace, *cursor = offsets + latents + 1, *csc_row = cursor + latents;
    float* csc_value = reinterpret_cast<float*>(csc_row + capacity);
    if (int st = static_cast<int>(cudaMemsetAsync(offsets, 0, sizeof(int32_t) * (2 * static_cast<int64_t>(latents) + 1), s))) return st;
    k_count_latents<<<entry_grid(rows), THREADS, 0, s>>>(row_start, rows, indices, offsets);
    if (int st = launched()) return st;
    k_inclusive_scan<<<1, SCAN_THREADS, 0, s>>>(offsets + 1, latents);
    if (int st = launched()) return st;
    k_scatter_latents<<<rows, THREADS, 0, s>>>(row_start, indices, values, offsets, cursor, csc_row, csc_value);
    if (int st = launched()) return st;
    k_gather_latents<<<latents, THREADS, 0, s>>>(offsets, csc_row, csc_value, alpha, dense, d, out);
    return launched();
}

int sae_sampled_dot(const int32_t* row_start, const int32_t* indices, int32_t rows,
                    const float* a, const float* w, int32_t d, float* out_values, void* stream) {
    if (rows <= 0) return 0;
    k_sampled_dot<<<rows, THREADS, 0, launch_stream(stream)>>>(row_start, indices, a, w, d, out_values);
    return launched();
}


int sae_scatter_dense(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows, int32_t latents,
                      float* dense, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (rows <= 0 || latents <= 0) return 0;
    if (int st = static_cast<int>(cudaMemsetAsync(dense, 0, sizeof(float) * static_cast<int64_t>(rows) * latents, s))) return st;
    k_scatter_dense<<<rows, THREADS, 0, s>>>(row_start, indices, values, latents, dense);
    return launched();
}

int sae_gather_dense(const int32_t* row_start, const int32_t* indices, int32_t rows, const float* dense, int32_t latents,
                     float* values, void* stream) {
    if (rows <= 0 || latents <= 0) return 0;
    k_gather_dense<<<rows, THREADS, 0, launch_stream(stream)>>>(row_start, indices, dense, latents, values);
    return launched();
}

int sae_sparse_column_sums(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows,
                           float alpha, float* out, void* stream) {
    if (rows <= 0) return 0;
    k_sparse_column_sums<<<entry_grid(rows), THREADS, 0, launch_stream(stream)>>>(row_start, rows, indices, values, alpha, out);
    return launched();
}

int sae_remap_count(const int32_t* row_start, const int32_t* indices, int32_t rows, const float* position,
                    int32_t* out_row_start, void* stream) {
    if (rows <= 0) return 0;
    k_remap_count<<<grid_for(rows), THREADS, 0, launch_stream(stream)>>>(row_start, indices, rows, position, out_row_start);
    return launched();
}

int sae_remap_offsets(int32_t* out_row_start, int32_t rows, int32_t* cursor, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (int st = scan_counts(out_row_start, rows, s)) return st;
    if (rows <= 0) return 0;
    k_copy_ints<<<grid_for(rows), THREADS, 0, s>>>(out_row_start, rows, cursor);
    return launched();
}

int sae_remap_write(const int32_t* row_start, const int32_t* indices, const float* values, int32_t rows, const float* position,
                    int32_t* cursor, int32_t* out_indices, float* out_values, void* stream) {
    if (rows <= 0) return 0;
    k_remap_write<<<grid_for(rows), THREADS, 0, launch_stream(stream)>>>(row_start, indices, values, rows, position, cursor, out_indices, out_values);
    return launched();
}

int sae_sparse_column_counts(const int32_t* row_start, const int32_t* indices, int32_t rows, int32_t latents, float alpha,
                             int32_t* scratch, float* out, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (rows <= 0 || latents <= 0) return 0;
    // k_count_latents counts latent i into scratch[i + 1], as the CSC offsets of the transpose product.
    if (int st = static_cast<int>(cudaMemsetAsync(scratch, 0, sizeof(int32_t) * (static_cast<int64_t>(latents) + 1), s))) return st;
    k_count_latents<<<entry_grid(rows), THREADS, 0, s>>>(row_start, rows, indices, scratch);
    if (int st = launched()) return st;
    k_add_counts<<<grid_for(latents), THREADS, 0, s>>>(scratch + 1, latents, alpha, out);
    return launched();
}

int sae_sparse_column_products(const int32_t* row_start, const int32_t* indices, const float* a_values, const float* b_values,
                               int32_t rows, int32_t latents, float alpha, double* scratch, float* out, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (rows <= 0 || latents <= 0) return 0;
    if (int st = static_cast<int>(cudaMemsetAsync(scratch, 0, sizeof(double) * latents, s))) return st;
    k_sparse_column_products<<<entry_grid(rows), THREADS, 0, s>>>(row_start, rows, indices, a_values, b_values, scratch);
    if (int st = launched()) return st;
    k_add_scratch<<<grid_for(latents), THREADS, 0, s>>>(scratch, latents, alpha, out);
    return launched();
}

int sae_sparse_add_by_latent(const int32_t* row_start, const int32_t* indices, float* values, int32_t rows,
                             float alpha, const float* per_latent, void* stream) {
    if (rows <= 0) return 0;
    k_sparse_add_by_latent<<<entry_grid(rows), THREADS, 0, launch_stream(stream)>>>(row_start, rows, indices, values, alpha, per_latent);
    return launched();
}

int sae_update_since_fired(const int32_t* row_start, const int32_t* indices, int32_t rows, int32_t latents,
                           float tokens, float* since_fired, void* stream) {
    cudaStream_t s = launch_stream(stream);
    if (latents <= 0) return 0;
    k_age<<<grid_for(latents), THREADS, 0, s>>>(since_fired, latents, tokens);
    if (int st = launched()) return st;
    if (rows <= 0) return 0;
    k_fired<<<entry_grid(rows), THREADS, 0, s>>>(row_start, rows, indices, since_fired);
    return launched();
}

int sae_tile_max(const float* s, int32_t tile_rows, int32_t tile_cols, int32_t ld, int32_t row_offset, int32_t col_offset,
                 uint64_t* row_keys, uint64_t* col_keys, void* stream) {
    if (tile_rows <= 0 || tile_cols <= 0) return 0;
    int groups = (tile_cols + TILE_GROUP - 1) / TILE_GROUP;
    auto* rk = reinterpret_cast<unsigned long long*>(row_keys);
    auto* ck = reinterpret_cast<unsigned long long*>(col_keys);
    bool aligned = ld % TILE_GROUP == 0 && reinterpret_cast<uintptr_t>(s) % 16 == 0;
    // gridDim.y is limited (65535 on every GPU so far): a tall tile (a narrow B gives tiles of
    // millions of rows) goes in slices of that many row strips.
    int device = 0, max_grid_y = 0;
    if (int st = static_cast<int>(cudaGetDevice(&device))) return st;
    if (int st = static_cast<int>(cudaDeviceGetAttribute(&max_grid_y, cudaDevAttrMaxGridDimY, device))) return st;
    const int32_t max_slice = max_grid_y * TILE_STRIP;
    for (int32_t r0 = 0; r0 < tile_rows; r0 += max_slice) {
        int32_t rows = min(max_slice, tile_rows - r0);
        const float* slice = s + static_cast<int64_t>(r0) * ld;
        dim3 grid((groups + THREADS - 1) / THREADS, (rows + TILE_STRIP - 1) / TILE_STRIP);
        if (aligned) k_tile_max<true><<<grid, THREADS, 0, launch_stream(stream)>>>(slice, rows, tile_cols, ld, row_offset + r0, col_offset, rk, ck);
        else k_tile_max<false><<<grid, THREADS, 0, launch_stream(stream)>>>(slice, rows, tile_cols, ld, row_offset + r0, col_offset, rk, ck);
        if (int st = launched()) return st;
    }
    return 0;
}

int sae_unpack_max_keys(const uint64_t* keys, int32_t n, float* max, int32_t* arg, void* stream) {
    if (n <= 0) return 0;
    k_unpack_max_keys<<<grid_for(n), THREADS, 0, launch_stream(stream)>>>(reinterpret_cast<const unsigned long long*>(keys), n, max, arg);
    return launched();
}

}  // extern "C"
