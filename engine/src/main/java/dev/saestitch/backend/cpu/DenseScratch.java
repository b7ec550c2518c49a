package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A (B, F) buffer the CPU backend reuses for the dense form of codes that are too dense for its
 * sparse loops. It owns its memory and grows it on demand, so steady-state steps allocate nothing.
 */
final class DenseScratch implements AutoCloseable {

    private Arena arena = Arena.ofShared();
    private MemorySegment memory = MemorySegment.NULL;

    /** A (rows, cols) view of the buffer; its contents are whatever the last user left. */
    synchronized Matrix matrix(int rows, int cols) {
        long bytes = (long) rows * cols * Float.BYTES;
        if (memory.byteSize() < bytes) {
            arena.close();
            arena = Arena.ofShared();
            memory = arena.allocate(bytes, 64);
        }
        return new Matrix(memory.asSlice(0, bytes), rows, cols);
    }

    /** The codes as a dense (B, F) matrix: zeros, then every stored value at its place. */
    Matrix scatter(SparseCodes codes) {
        Matrix dense = matrix(codes.rows(), codes.latents());
        dense.data().fill((byte) 0);
        int f = codes.latents();
        Parallel.forRange(codes.rows(), 64, (from, to) -> {
            for (int r = from; r < to; r++)
                for (int e = codes.rowStart(r), end = codes.rowStart(r + 1); e < end; e++)
                    dense.data().setAtIndex(Matrix.FLOAT, (long) r * f + codes.index(e), codes.value(e));
        });
        return dense;
    }

    @Override public synchronized void close() { arena.close(); }
}
