// The emulated device's own checks, built and run by build.sh: each diagnostic it promises fires
// on a kernel that breaks the rule (and only then), and the thread order reaches a kernel that
// forgot a __syncthreads. Compiled like saestitch_kernels.cu (rewrite.pl, then g++ with
// saestitch_emu.h force-included). Exits 1 naming the first check that fails.
#include <cuda_runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace {

__global__ void k_block_sum(const int* in, int* out) {
    __shared__ int partial[8];
    int v = in[blockIdx.x * blockDim.x + threadIdx.x];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        int s = 0;
        for (int w = 0; w < 8; w++) s += partial[w];
        out[blockIdx.x] = s;
    }
}

__global__ void k_partial_barrier(int* out) {
    if (threadIdx.x < 16) return;
    __syncthreads();
    out[0] = 1;
}

__global__ void k_deadlock(int* out) {
    if (threadIdx.x == 0) __syncthreads();
    else out[0] = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x), 0);
}

__global__ void k_exited_lane(int* out) {
    if (threadIdx.x == 5) return;
    out[threadIdx.x] = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x), 0);
}

__global__ void __launch_bounds__(512) k_bounded(int* out) { out[threadIdx.x] = 1; }
__global__ void k_unbounded(int* out) { out[threadIdx.x] = 1; }

// Thread t writes s[t] and, with no barrier between, reads s[t + 1]: right only when t + 1 ran
// first (reverse order), wrong in forward order.
__global__ void k_missing_barrier(int* out) {
    __shared__ int s[257];
    s[threadIdx.x] = static_cast<int>(threadIdx.x) + 1;
    s[256] = 257;
    out[threadIdx.x] = s[threadIdx.x + 1];
}

int failures = 0;

void expect(bool ok, const char* what) {
    if (!ok) {
        fprintf(stderr, "native/emu selftest: FAILED: %s\n", what);
        failures++;
    }
}

int launch_status() { return static_cast<int>(cudaGetLastError()); }

}  // namespace

int main() {
    int *in, *out;
    cudaMalloc(reinterpret_cast<void**>(&in), 4 * 256 * sizeof(int));
    cudaMalloc(reinterpret_cast<void**>(&out), 512 * sizeof(int));
    for (int i = 0; i < 4 * 256; i++) in[i] = i % 7;  // the emulated device memory is host memory

    k_block_sum<<<4, 256>>>(in, out);
    expect(launch_status() == cudaSuccess, "a correct block reduction launches");
    for (int b = 0; b < 4; b++) {
        int s = 0;
        for (int i = 0; i < 256; i++) s += in[b * 256 + i];
        expect(out[b] == s, "a correct block reduction sums its block");
    }

    fprintf(stderr, "native/emu selftest: the next four lines are expected diagnostics\n");
    k_partial_barrier<<<1, 64>>>(out);
    expect(launch_status() == cudaErrorLaunchFailure, "a __syncthreads reached by part of the block fails the launch");
    k_deadlock<<<1, 32>>>(out);
    expect(launch_status() == cudaErrorLaunchFailure, "a barrier against a warp collective is a deadlock");
    k_exited_lane<<<1, 32>>>(out);
    expect(launch_status() == cudaErrorLaunchFailure, "a shuffle whose mask names an exited lane fails the launch");
    k_unbounded<<<1, 512>>>(out);
    expect(launch_status() == cudaErrorLaunchOutOfResources, "512 threads without __launch_bounds__ are refused");
    k_bounded<<<1, 512>>>(out);
    expect(launch_status() == cudaSuccess, "512 threads with __launch_bounds__(512) launch");

    int max_y = 0;
    cudaDeviceGetAttribute(&max_y, cudaDevAttrMaxGridDimY, 0);
    fprintf(stderr, "native/emu selftest: and this one\n");
    k_bounded<<<dim3(1, max_y + 1), 1>>>(out);
    expect(launch_status() == cudaErrorInvalidConfiguration, "gridDim.y over the device's limit is refused");

    // The thread order is read once per process: this binary runs with the order build.sh sets.
    const char* order = getenv("SAESTITCH_EMU_ORDER");
    k_missing_barrier<<<1, 256>>>(out);
    expect(launch_status() == cudaSuccess, "a racy kernel still launches");
    int right = 0;
    for (int t = 0; t < 256; t++) right += out[t] == t + 2;
    if (order && strcmp(order, "reverse") == 0) expect(right == 256, "in reverse order the racy kernel reads what it needs");
    if (order && strcmp(order, "forward") == 0) expect(right < 256, "in forward order the missing barrier shows");

    cudaFree(in);
    cudaFree(out);
    if (failures == 0) fprintf(stderr, "native/emu selftest: all checks passed (order %s)\n", order ? order : "random");
    return failures == 0 ? 0 : 1;
}
