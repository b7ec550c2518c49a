package dev.saestitch.bindings.cuda;

import dev.saestitch.bindings.NativeLibraryException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Calls through the CUDA bindings that run on any machine with libcudart, GPU or not: the
 * runtime's version, its device count (an error status without a device, which must become a
 * CudaException naming the call and the error), and the kernels' host-side entry points.
 */
class CudaCallsTest {

    private static void requireLibrary(String name) {
        try {
            CudaLibraries.byName(name);
        } catch (NativeLibraryException e) {
            abort(name + " is not available here: " + e.getMessage());
        }
    }

    @Test
    void runtimeVersionIsTwelveOrLater() {
        requireLibrary("cudart");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            CudaException.check(cuda_runtime_api_h.cudaRuntimeGetVersion(v), "cudaRuntimeGetVersion");
            assertTrue(v.get(ValueLayout.JAVA_INT, 0) >= 12000, "runtime version " + v.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void deviceCountOrAnErrorWithItsNameAndDescription() {
        requireLibrary("cudart");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            int status = cuda_runtime_api_h.cudaGetDeviceCount(count);
            if (status == 0) {
                assertTrue(count.get(ValueLayout.JAVA_INT, 0) >= 0);
                return;
            }
            String name = cuda_runtime_api_h.cudaGetErrorName(status).getString(0);
            var e = assertThrows(CudaException.class, () -> CudaException.check(status, "cudaGetDeviceCount"));
            assertTrue(name.startsWith("cudaError"), name);
            assertEquals("cudaGetDeviceCount: " + name + " (" + status + "): " + cuda_runtime_api_h.cudaGetErrorString(status).getString(0), e.getMessage());
            assertEquals(status, e.status());
        }
    }

    @Test
    void kernelLibraryReportsItsAbiAndWorkspace() {
        requireLibrary("saestitch_kernels");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment abi = arena.allocate(ValueLayout.JAVA_INT), words = arena.allocate(ValueLayout.JAVA_LONG);
            CudaException.check(saestitch_kernels_h.sae_abi_version(abi), "sae_abi_version");
            assertEquals(7, abi.get(ValueLayout.JAVA_INT, 0), "ABI_VERSION in saestitch_kernels.cu (and CudaDevice.KERNELS_ABI)");
            // 2048 histogram bins + 16 state words + two words per row (see saestitch_kernels.cu).
            CudaException.check(saestitch_kernels_h.sae_select_workspace(37, words), "sae_select_workspace");
            assertEquals(2048 + 16 + 2 * 37, words.get(ValueLayout.JAVA_LONG, 0));
            // offsets (F + 1) and cursor (F) per latent, a row and a value per entry.
            CudaException.check(saestitch_kernels_h.sae_transpose_workspace(53, 1000, words), "sae_transpose_workspace");
            assertEquals(2 * 53 + 1 + 2 * 1000, words.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void aKernelLaunchWithoutADeviceIsAnErrorStatusNotACrash() {
        requireLibrary("saestitch_kernels");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            if (cuda_runtime_api_h.cudaGetDeviceCount(count) == 0 && count.get(ValueLayout.JAVA_INT, 0) > 0)
                abort("this machine has a CUDA device: the no-device path cannot be seen here");
            int status = saestitch_kernels_h.sae_fill(MemorySegment.NULL, 1000, 1f, MemorySegment.NULL);
            var e = assertThrows(CudaException.class, () -> CudaException.check(status, "sae_fill"));
            assertTrue(e.getMessage().startsWith("sae_fill: cudaError"), e.getMessage());
        }
    }
}
