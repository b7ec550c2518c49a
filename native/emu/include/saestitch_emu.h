// The emulated CUDA device, seen from a kernel source: force-included (g++ -include) before
// saestitch_kernels.cu, so that g++ compiles the .cu unchanged apart from the kernel<<<...>>>(...)
// launches, which emu/rewrite.pl turns into calls of emu::launch. Each CUDA thread of a block is a
// fiber (see runtime.cpp); __shared__ is per OS thread, and an OS thread runs one block at a time.
#pragma once

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __constant__
#define __shared__ static thread_local
#define __launch_bounds__(...)

// ---- runtime API types (the subset the kernels' host code uses) ----

enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchOutOfResources = 701,
    cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3, cudaMemcpyDefault = 4 };
enum cudaDeviceAttr {
    cudaDevAttrMaxThreadsPerBlock = 1, cudaDevAttrMaxBlockDimX = 2, cudaDevAttrMaxBlockDimY = 3, cudaDevAttrMaxBlockDimZ = 4,
    cudaDevAttrMaxGridDimX = 5, cudaDevAttrMaxGridDimY = 6, cudaDevAttrMaxGridDimZ = 7, cudaDevAttrMaxSharedMemoryPerBlock = 8,
    cudaDevAttrWarpSize = 10, cudaDevAttrMultiProcessorCount = 16, cudaDevAttrComputeCapabilityMajor = 75, cudaDevAttrComputeCapabilityMinor = 76,
};
typedef struct CUstream_st* cudaStream_t;

extern "C" {
cudaError_t cudaMalloc(void** p, size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaGetLastError(void);
cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device);
}

#define CUDART_NAN_F __builtin_nanf("")
#define CUDART_INF_F __builtin_inff()

struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) float4 { float x, y, z, w; };

namespace emu {

// What the fiber running now sees as threadIdx etc. (set by the scheduler).
struct ThreadView { uint3 thread_idx; uint3 block_idx; dim3 block_dim; dim3 grid_dim; };
ThreadView& view();

void syncthreads();
int syncthreads_or(int predicate);
uint64_t warp_exchange(unsigned mask, uint64_t value, int source_lane, const char* what);
unsigned warp_ballot(unsigned mask, int predicate);
int lane_id();

// A launch: checks the configuration, runs every block (blocks on several OS threads, the threads
// of a block as fibers) and sets the calling thread's last error. bounds: the kernel's
// __launch_bounds__ (0 for none), found by rewrite.pl.
struct Config {
    dim3 grid, block;
    size_t shared;
    cudaStream_t stream;
    Config(dim3 g, dim3 b, size_t s = 0, cudaStream_t st = nullptr) : grid(g), block(b), shared(s), stream(st) {}
};
void run(const Config& c, int bounds, const char* where, const char* kernel, void (*body)(void*), void* closure);

template <typename F>
void launch(const Config& c, int bounds, const char* where, const char* kernel, F&& f) {
    using G = std::decay_t<F>;
    G g(std::forward<F>(f));
    run(c, bounds, where, kernel, [](void* p) { (*static_cast<G*>(p))(); }, &g);
}

template <typename T>
T shuffle(unsigned mask, T v, int source_lane, const char* what) {
    static_assert(sizeof(T) <= 8, "a shuffle moves at most 64 bits");
    uint64_t bits = 0;
    memcpy(&bits, &v, sizeof(T));
    bits = warp_exchange(mask, bits, source_lane, what);
    T out;
    memcpy(&out, &bits, sizeof(T));
    return out;
}

}  // namespace emu

#define threadIdx (::emu::view().thread_idx)
#define blockIdx (::emu::view().block_idx)
#define blockDim (::emu::view().block_dim)
#define gridDim (::emu::view().grid_dim)

inline void __syncthreads() { ::emu::syncthreads(); }
inline int __syncthreads_or(int p) { return ::emu::syncthreads_or(p); }
template <typename T> T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    int lane = ::emu::lane_id();
    return ::emu::shuffle(mask, v, (lane & ~(width - 1)) + (src & (width - 1)), "__shfl_sync");
}
template <typename T> T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    int lane = ::emu::lane_id(), src = lane ^ lane_mask;
    return ::emu::shuffle(mask, v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane, "__shfl_xor_sync");
}
template <typename T> T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    int lane = ::emu::lane_id(), in_segment = lane & (width - 1);
    return ::emu::shuffle(mask, v, in_segment >= static_cast<int>(delta) ? lane - static_cast<int>(delta) : lane, "__shfl_up_sync");
}
inline unsigned __ballot_sync(unsigned mask, int predicate) { return ::emu::warp_ballot(mask, predicate); }

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }

// CUDA's min and max overloads for every arithmetic type (mixed types: the usual conversions).
template <typename A, typename B> inline std::common_type_t<A, B> min(A a, B b) {
    using C = std::common_type_t<A, B>;
    return static_cast<C>(b) < static_cast<C>(a) ? static_cast<C>(b) : static_cast<C>(a);
}
template <typename A, typename B> inline std::common_type_t<A, B> max(A a, B b) {
    using C = std::common_type_t<A, B>;
    return static_cast<C>(a) < static_cast<C>(b) ? static_cast<C>(b) : static_cast<C>(a);
}

// Atomics: real ones, since the blocks of a launch run on several OS threads. The value's type
// follows the pointer's, as CUDA's overloads convert it.
namespace emu { template <typename T> struct same { using type = T; }; }
template <typename T> inline T atomicAdd(T* p, typename emu::same<T>::type v) {
    if constexpr (std::is_integral_v<T>) {
        return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
    } else {
        T old, next;
        __atomic_load(p, &old, __ATOMIC_RELAXED);
        do next = old + v;
        while (!__atomic_compare_exchange(p, &old, &next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
        return old;
    }
}
template <typename T> inline T atomicMax(T* p, typename emu::same<T>::type v) {
    T old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (old < v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
    return old;
}
template <typename T> inline T atomicMin(T* p, typename emu::same<T>::type v) {
    T old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (v < old && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
    return old;
}
