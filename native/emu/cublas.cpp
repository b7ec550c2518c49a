// A stand-in libcublas for the emulated device: the functions bindings/.../cublas.symbols binds.
// cublasGemmEx checks its arguments as cuBLAS does (operations, types, leading dimensions, device
// pointers) and computes with OpenBLAS's cblas_sgemm in column-major order. OpenBLAS is the one the
// JVM already opened (the engine loads the bundled libopenblas.so.0 before this library); it is
// found by its soname. TF32 and BF16 round the inputs' mantissas to 10 and 7 bits first, as the
// tensor cores read them.
#include "saestitch_emu.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <vector>

extern "C" int saestitch_emu_is_device_range(const void* p, size_t bytes);
extern "C" int saestitch_emu_known_stream(cudaStream_t s);
extern "C" void saestitch_emu_complete_uploads();

namespace {

enum Status { SUCCESS = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7, NOT_SUPPORTED = 15 };
enum { OP_N = 0, OP_T = 1, R_32F = 0, COMPUTE_32F = 68, COMPUTE_32F_FAST_16BF = 75, COMPUTE_32F_FAST_TF32 = 77 };
enum { CBLAS_COL_MAJOR = 102, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);

struct Handle {
    cudaStream_t stream = nullptr;
    Sgemm sgemm = nullptr;
};

Status invalid(const char* format, ...) __attribute__((format(printf, 1, 2)));
Status invalid(const char* format, ...) {
    char line[600];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    fprintf(stderr, "saestitch emulated cuBLAS: %s\n", line);
    return INVALID_VALUE;
}

// Round to nearest even, keeping `bits` bits of mantissa (NaN and infinities stay).
float round_mantissa(float v, int bits) {
    uint32_t u = __float_as_uint(v);
    if ((u & 0x7f800000u) == 0x7f800000u) return v;
    int drop = 23 - bits;
    uint32_t half = 1u << (drop - 1), keep_lsb = (u >> drop) & 1u;
    u = (u + half - 1 + keep_lsb) & ~((1u << drop) - 1);
    return __uint_as_float(u);
}

// The elements of a column-major (rows, cols) operand with leading dimension ld.
std::vector<float> rounded(const float* p, int rows, int cols, int ld, int bits) {
    std::vector<float> out(static_cast<size_t>(ld) * (cols - 1) + rows);
    for (int c = 0; c < cols; c++)
        for (int r = 0; r < rows; r++) out[static_cast<size_t>(c) * ld + r] = round_mantissa(p[static_cast<size_t>(c) * ld + r], bits);
    return out;
}

bool device_operand(const void* p, int rows, int cols, int ld) {
    if (rows == 0 || cols == 0) return true;
    return saestitch_emu_is_device_range(p, (static_cast<size_t>(ld) * (cols - 1) + rows) * sizeof(float));
}

}  // namespace

extern "C" {

int cublasCreate_v2(Handle** handle) {
    void* blas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
    Sgemm sgemm = blas ? reinterpret_cast<Sgemm>(dlsym(blas, "cblas_sgemm")) : nullptr;
    if (!sgemm) {
        fprintf(stderr, "saestitch emulated cuBLAS: libopenblas.so.0 is not loaded in this process; the emulated cuBLAS computes with it\n");
        return NOT_INITIALIZED;
    }
    *handle = new Handle{nullptr, sgemm};
    return SUCCESS;
}

int cublasDestroy_v2(Handle* handle) {
    if (!handle) return NOT_INITIALIZED;
    delete handle;
    return SUCCESS;
}

int cublasSetStream_v2(Handle* handle, cudaStream_t stream) {
    if (!handle) return NOT_INITIALIZED;
    if (!saestitch_emu_known_stream(stream)) return invalid("cublasSetStream: unknown stream %p", static_cast<void*>(stream));
    handle->stream = stream;
    return SUCCESS;
}

int cublasGetVersion_v2(Handle* handle, int* version) {
    if (!handle) return NOT_INITIALIZED;
    *version = 130000;
    return SUCCESS;
}

const char* cublasGetStatusName(int status) {
    switch (status) {
        case SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    }
    return "CUBLAS_STATUS_UNKNOWN";
}

const char* cublasGetStatusString(int status) {
    switch (status) {
        case SUCCESS: return "success";
        case NOT_INITIALIZED: return "the library was not initialized";
        case INVALID_VALUE: return "an invalid numeric value was used as an argument";
        case NOT_SUPPORTED: return "the functionality requested is not supported";
    }
    return "unknown error";
}

int cublasGemmEx(Handle* handle, int transa, int transb, int m, int n, int k, const void* alpha, const void* a, int atype, int lda,
                 const void* b, int btype, int ldb, const void* beta, void* c, int ctype, int ldc, int compute, int algo) {
    (void)algo;
    if (!handle) return NOT_INITIALIZED;
    saestitch_emu_complete_uploads();
    if ((transa != OP_N && transa != OP_T) || (transb != OP_N && transb != OP_T)) return invalid("cublasGemmEx: operations %d, %d", transa, transb);
    if (m < 0 || n < 0 || k < 0) return invalid("cublasGemmEx: m=%d n=%d k=%d", m, n, k);
    if (atype != R_32F || btype != R_32F || ctype != R_32F) return NOT_SUPPORTED;
    if (compute != COMPUTE_32F && compute != COMPUTE_32F_FAST_TF32 && compute != COMPUTE_32F_FAST_16BF) return NOT_SUPPORTED;
    int a_rows = transa == OP_N ? m : k, a_cols = transa == OP_N ? k : m;
    int b_rows = transb == OP_N ? k : n, b_cols = transb == OP_N ? n : k;
    if (lda < (a_rows > 1 ? a_rows : 1)) return invalid("cublasGemmEx: lda=%d for %d rows of A", lda, a_rows);
    if (ldb < (b_rows > 1 ? b_rows : 1)) return invalid("cublasGemmEx: ldb=%d for %d rows of B", ldb, b_rows);
    if (ldc < (m > 1 ? m : 1)) return invalid("cublasGemmEx: ldc=%d for %d rows of C", ldc, m);
    if (m == 0 || n == 0) return SUCCESS;
    if (!device_operand(a, a_rows, a_cols, lda) || !device_operand(b, b_rows, b_cols, ldb) || !device_operand(c, m, n, ldc))
        return invalid("cublasGemmEx: an operand is not (all) in device memory (A %p, B %p, C %p)", a, b, c);
    const float* pa = static_cast<const float*>(a);
    const float* pb = static_cast<const float*>(b);
    std::vector<float> ra, rb;
    if (compute != COMPUTE_32F && k > 0) {
        int bits = compute == COMPUTE_32F_FAST_TF32 ? 10 : 7;
        ra = rounded(pa, a_rows, a_cols, lda, bits);
        rb = rounded(pb, b_rows, b_cols, ldb, bits);
        pa = ra.data();
        pb = rb.data();
    }
    handle->sgemm(CBLAS_COL_MAJOR, transa == OP_N ? CBLAS_NO_TRANS : CBLAS_TRANS, transb == OP_N ? CBLAS_NO_TRANS : CBLAS_TRANS, m, n, k,
                  *static_cast<const float*>(alpha), pa, lda, pb, ldb, *static_cast<const float*>(beta), static_cast<float*>(c), ldc);
    return SUCCESS;
}

}  // extern "C"
