package dev.saestitch.backend.cuda;

import dev.saestitch.backend.BackendUnavailableException;
import dev.saestitch.bindings.NativeLibraryException;
import dev.saestitch.bindings.cuda.CudaException;
import dev.saestitch.bindings.cuda.CudaLibraries;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.saestitch.bindings.cuda.CudaException.check;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaDevAttrComputeCapabilityMajor;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaDevAttrComputeCapabilityMinor;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaDevAttrMultiProcessorCount;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaDeviceGetAttribute;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaDriverGetVersion;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaGetDeviceCount;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaGetDeviceProperties;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemGetInfo;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaRuntimeGetVersion;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaSetDevice;
import static dev.saestitch.bindings.cuda.saestitch_kernels_h.sae_abi_version;

/**
 * The GPU the CUDA backend runs on (device 0) and the library versions, read once. {@link #probe}
 * throws {@link BackendUnavailableException} with the reason whenever the backend cannot run
 * here: a library missing, no device, a device older than the kernels' sm_80, or a kernel library
 * of another ABI.
 */
record CudaDevice(String name, int major, int minor, int multiprocessors, long totalBytes, int runtimeVersion, int driverVersion) {

    /** The ABI of native/src/saestitch_kernels.h these bindings were written for. */
    static final int KERNELS_ABI = 7;
    /** cudaDeviceProp is about 1 KB in CUDA 12 and 13; its name (char[256]) comes first. */
    private static final long PROPERTIES_BYTES = 16 * 1024;

    static CudaDevice probe() {
        try {
            CudaLibraries.cudart();
            CudaLibraries.cublas();
            CudaLibraries.kernels();
        } catch (NativeLibraryException e) {
            throw new BackendUnavailableException("CUDA libraries: " + e.getMessage());
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment i = call.allocate(ValueLayout.JAVA_INT);
            check(cudaGetDeviceCount(i), "cudaGetDeviceCount");
            if (i.get(ValueLayout.JAVA_INT, 0) == 0) throw new BackendUnavailableException("no CUDA device: cudaGetDeviceCount found none");
            return open(call, i);
        } catch (CudaException e) {  // no device, or one that does not answer (busy, prohibited, a broken driver): the CPU runs instead
            throw new BackendUnavailableException("no usable CUDA device: " + e.getMessage());
        }
    }

    /** Device 0's description, after cudaGetDeviceCount found it; {@code i} is an int of scratch. */
    private static CudaDevice open(Arena call, MemorySegment i) {
        check(cudaSetDevice(0), "cudaSetDevice(0)");
        int major = attribute(call, cudaDevAttrComputeCapabilityMajor()), minor = attribute(call, cudaDevAttrComputeCapabilityMinor());
        MemorySegment properties = call.allocate(PROPERTIES_BYTES);
        check(cudaGetDeviceProperties(properties, 0), "cudaGetDeviceProperties(0)");
        String name = properties.getString(0);
        if (major < 8)
            throw new BackendUnavailableException(name + " has compute capability " + major + "." + minor + "; the kernels are built for 8.0 and newer");
        MemorySegment free = call.allocate(ValueLayout.JAVA_LONG), total = call.allocate(ValueLayout.JAVA_LONG);
        check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
        check(cudaRuntimeGetVersion(i), "cudaRuntimeGetVersion");
        int runtime = i.get(ValueLayout.JAVA_INT, 0);
        check(cudaDriverGetVersion(i), "cudaDriverGetVersion");
        int driver = i.get(ValueLayout.JAVA_INT, 0);
        check(sae_abi_version(i), "sae_abi_version");
        int abi = i.get(ValueLayout.JAVA_INT, 0);
        if (abi != KERNELS_ABI)
            throw new BackendUnavailableException(CudaLibraries.kernels().location() + " has kernel ABI " + abi + ", this engine needs "
                    + KERNELS_ABI + ": rebuild native/ from the same checkout");
        return new CudaDevice(name, major, minor, attribute(call, cudaDevAttrMultiProcessorCount()), total.get(ValueLayout.JAVA_LONG, 0), runtime, driver);
    }

    private static int attribute(Arena call, int attribute) {
        MemorySegment v = call.allocate(ValueLayout.JAVA_INT);
        check(cudaDeviceGetAttribute(v, attribute, 0), "cudaDeviceGetAttribute(" + attribute + ")");
        return v.get(ValueLayout.JAVA_INT, 0);
    }

    /** e.g. "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB), CUDA runtime 13.0, driver 13.0". */
    String describe() {
        return String.format("%s (sm_%d%d, %d SMs, %.1f GiB), CUDA runtime %s, driver %s", name, major, minor, multiprocessors,
                totalBytes / (double) (1L << 30), version(runtimeVersion), version(driverVersion));
    }

    /** 13000 → "13.0". */
    static String version(int v) { return v / 1000 + "." + (v % 1000) / 10; }
}
