package dev.saestitch.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A device scratch buffer owned by the backend that grows (never shrinks) to what an op asks for. */
final class DeviceBuffer implements AutoCloseable {

    private final DeviceMemory memory;
    private Arena arena;
    private MemorySegment segment;

    DeviceBuffer(DeviceMemory memory) { this.memory = memory; }

    /** At least {@code bytes} of device memory; the contents are undefined after a growth. */
    MemorySegment atLeast(long bytes) {
        if (segment == null || segment.byteSize() < bytes) {
            long grown = segment == null ? bytes : Math.max(bytes, segment.byteSize() * 3 / 2);  // amortised growth
            close();
            arena = Arena.ofShared();
            segment = memory.allocate(arena, grown);
        }
        return segment;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();  // cudaFree waits for the work that still uses it
        arena = null;
        segment = null;
    }
}
