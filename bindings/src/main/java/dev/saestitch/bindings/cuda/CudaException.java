package dev.saestitch.bindings.cuda;

/**
 * A CUDA runtime, cuBLAS or saestitch kernel call returned an error status. The message names
 * the call, the status's name and the library's description of it, e.g.
 * {@code cudaMalloc(8589934592 bytes): cudaErrorMemoryAllocation (2): out of memory}.
 */
public final class CudaException extends RuntimeException {

    private final String call;
    private final int status;

    public CudaException(String call, int status, String name, String description) {
        super(call + ": " + name + " (" + status + "): " + description);
        this.call = call;
        this.status = status;
    }

    /** The failed call, as the caller named it. */
    public String call() { return call; }

    /** The cudaError_t or cublasStatus_t value. */
    public int status() { return status; }

    /**
     * Throws unless {@code status} is cudaSuccess. Also for our kernels, whose entry points return
     * the cudaError_t of their launches.
     */
    public static void check(int status, String call) {
        if (status == 0) return;
        throw new CudaException(call, status, cuda_runtime_api_h.cudaGetErrorName(status).getString(0),
                cuda_runtime_api_h.cudaGetErrorString(status).getString(0));
    }

    /** Throws unless {@code status} is CUBLAS_STATUS_SUCCESS. */
    public static void checkCublas(int status, String call) {
        if (status == 0) return;
        throw new CudaException(call, status, cublas_api_h.cublasGetStatusName(status).getString(0),
                cublas_api_h.cublasGetStatusString(status).getString(0));
    }
}
