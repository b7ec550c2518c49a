package dev.saestitch.backend.cuda;

import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Function;

import static dev.saestitch.bindings.cuda.CudaException.check;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaFree;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMalloc;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemcpyAsync;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemcpyDeviceToDevice;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemcpyDeviceToHost;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemcpyHostToDevice;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemsetAsync;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaStreamSynchronize;

/**
 * Device memory and the copies between it and the host, all queued on one stream.
 *
 * <p>An allocation is a {@link MemorySegment} whose address is the device pointer and whose size
 * is the allocation's, tied to the caller's arena with {@code cudaFree} as its cleanup (the
 * arena's closing frees it; never the garbage collector). Such a segment must never be read or
 * written on the host: only handed to CUDA calls.
 */
final class DeviceMemory implements SparseCodes.Memory {

    private static final System.Logger LOG = System.getLogger(DeviceMemory.class.getName());

    private final MemorySegment stream;

    DeviceMemory(MemorySegment stream) { this.stream = stream; }

    MemorySegment stream() { return stream; }

    /** {@code bytes} of zero-filled device memory, freed when {@code arena} closes. */
    @Override
    public MemorySegment allocate(Arena arena, long bytes) {
        MemorySegment pointer;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            // At least 4 bytes: cudaMalloc(0) gives NULL, and every buffer should have an address.
            check(cudaMalloc(out, Math.max(bytes, 4)), "cudaMalloc(" + bytes + " bytes)");
            pointer = out.get(ValueLayout.ADDRESS, 0);
        }
        MemorySegment owned = pointer.reinterpret(bytes, arena, DeviceMemory::free);
        check(cudaMemsetAsync(owned, 0, bytes, stream), "cudaMemsetAsync(" + bytes + " bytes)");
        return owned;
    }

    private static void free(MemorySegment pointer) {
        int status = cudaFree(pointer);
        // A cleanup action cannot throw to anyone: a failed free is logged (it means a sticky error already reported elsewhere).
        if (status != 0) LOG.log(System.Logger.Level.WARNING, "cudaFree(" + pointer + ") returned CUDA error " + status);
    }

    /** Every byte of {@code device} set to {@code value} (0xFF makes int32 −1s). */
    void fillBytes(MemorySegment device, int value) {
        check(cudaMemsetAsync(device, value, device.byteSize(), stream), "cudaMemsetAsync(" + device.byteSize() + " bytes)");
    }

    /**
     * Copies to the device and waits for it, so that the caller may release or reuse the host
     * memory on return: from pinned memory the copy engine reads the host bytes only when the
     * stream reaches the copy (pageable memory is staged before the call returns, but nothing
     * here may depend on which kind the caller's memory is).
     */
    void hostToDevice(MemorySegment host, MemorySegment device, long bytes) {
        check(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice(), stream), "cudaMemcpyAsync(host to device, " + bytes + " bytes)");
        synchronize();
    }

    /** Copies to the host and waits for it (the host reads right after). */
    void deviceToHost(MemorySegment device, MemorySegment host, long bytes) {
        check(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost(), stream), "cudaMemcpyAsync(device to host, " + bytes + " bytes)");
        synchronize();
    }

    void deviceToDevice(MemorySegment src, MemorySegment dst, long bytes) {
        check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice(), stream), "cudaMemcpyAsync(device to device, " + bytes + " bytes)");
    }

    void synchronize() { check(cudaStreamSynchronize(stream), "cudaStreamSynchronize"); }

    int readInt(MemorySegment device, long index) {
        return copyOut(device.asSlice(index * Integer.BYTES, Integer.BYTES), host -> host.get(ValueLayout.JAVA_INT, 0));
    }

    float readFloat(MemorySegment device) { return copyOut(device.asSlice(0, Float.BYTES), host -> host.get(ValueLayout.JAVA_FLOAT, 0)); }

    double readDouble(MemorySegment device) { return copyOut(device.asSlice(0, Double.BYTES), host -> host.get(ValueLayout.JAVA_DOUBLE, 0)); }

    /** A small device value copied into host memory (waiting for the stream), read there by {@code read}. */
    private <T> T copyOut(MemorySegment device, Function<MemorySegment, T> read) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment host = call.allocate(device.byteSize(), Long.BYTES);
            deviceToHost(device, host, device.byteSize());
            return read.apply(host);
        }
    }
}
