package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.function.Function;

/**
 * Activations in a memory-mapped (N, D) tensor. Rows are converted to float32 as they are read;
 * the file itself never enters the heap. The source owns the mapping through a shared arena, so
 * several threads may read at once.
 */
abstract class MappedActivations implements ActivationSource {

    private final Arena arena;
    private final MappedTensor tensor; // (N, D), any dtype readable as float32
    private final int dim;

    /** Takes ownership of {@code arena}, which must hold {@code tensor}'s mapping. */
    MappedActivations(Arena arena, MappedTensor tensor) {
        this.arena = arena;
        this.tensor = tensor;
        this.dim = Math.toIntExact(tensor.dim(1));
    }

    @Override public int dim() { return dim; }

    @Override public long rows() { return tensor.dim(0); }

    @Override public void read(long[] ids, int from, Matrix out) {
        if (!arena.scope().isAlive()) throw new IllegalStateException(describe() + " is closed");
        if (out.cols() != dim) throw new IllegalArgumentException("a " + out.shape() + " batch for rows of dimension " + dim + " from " + describe());
        long n = rows();
        long rowBytes = (long) dim * Float.BYTES;
        for (int i = 0; i < out.rows(); i++) {
            long id = ids[from + i];
            if (id < 0 || id >= n) throw new IndexOutOfBoundsException("row " + id + " of " + n + " in " + describe());
            tensor.readRow(id, out.data(), i * rowBytes);
        }
    }

    @Override public String describe() {
        return tensor.file() + " " + tensor.describe();
    }

    @Override public void close() { arena.close(); }

    /** Opens a mapping into a fresh arena, closing the arena again if the file turns out to be unusable. */
    static <T> T withNewArena(Function<Arena, T> open) {
        Arena arena = Arena.ofShared();
        try {
            return open.apply(arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
