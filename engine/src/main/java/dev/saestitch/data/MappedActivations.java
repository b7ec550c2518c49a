package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Activations in a memory-mapped tensor of 2 or more dimensions, (N, D) or (batch, seq, D) as a
 * model's hooks produce them: a C-order tensor is read as N = product of the leading dimensions
 * rows of its last dimension D, a flat view of the same bytes. Rows are converted to float32 as
 * they are read; the file itself never enters the heap. The source owns the mapping through a
 * shared arena, so several threads may read at once.
 */
abstract class MappedActivations implements ActivationSource {

    private final Arena arena;
    private final MappedTensor tensor; // (..., D), any dtype readable as float32, read as (N, D)
    private final int dim;
    private final long rows;

    /** Takes ownership of {@code arena}, which must hold {@code tensor}'s mapping; see {@link ActivationFiles#requireUsable}. */
    MappedActivations(Arena arena, MappedTensor tensor) {
        this.arena = arena;
        this.tensor = tensor;
        this.dim = Math.toIntExact(tensor.dim(tensor.rank() - 1));
        this.rows = tensor.elementCount() / dim;
    }

    @Override public int dim() { return dim; }

    @Override public long rows() { return rows; }

    @Override public void read(long[] ids, int from, Matrix out) {
        if (!arena.scope().isAlive()) throw new IllegalStateException(describe() + " is closed");
        if (out.cols() != dim) throw new IllegalArgumentException("a " + out.shape() + " batch for rows of dimension " + dim + " from " + describe());
        long n = rows();
        long rowBytes = (long) dim * Float.BYTES;
        try {
            for (int i = 0; i < out.rows(); i++) {
                long id = ids[from + i];
                if (id < 0 || id >= n) throw new IndexOutOfBoundsException("row " + id + " of " + n + " in " + describe());
                tensor.readRow(id, out.data(), i * rowBytes);
                requireFinite(out.data(), i * rowBytes, id);
            }
        } catch (InternalError e) {
            // The JVM turns the SIGBUS of a mapped page that no longer exists into an InternalError ("a fault occurred in an unsafe memory access").
            throw new SaeFileException(tensor.file(), "changed or was cut short while being read (" + sizeNow() + ", its tensor alone is "
                    + tensor.bytes().byteSize() + " bytes); do not rewrite a file that a command is reading", e);
        }
    }

    private String sizeNow() {
        try {
            return "now " + java.nio.file.Files.size(tensor.file()) + " bytes";
        } catch (java.io.IOException e) {
            return "now unreadable: " + e.getMessage();
        }
    }

    /**
     * Refuses a row holding NaN or ±Inf (after the conversion to float32, so an F64 value beyond
     * float32's range counts too): one would turn every metric computed from it into NaN. Checked
     * here, where every command's rows pass, while the row is still in cache.
     */
    private void requireFinite(MemorySegment data, long offset, long row) {
        long j = MappedTensor.firstNonFinite(data, offset, dim);
        if (j >= 0)
            throw new SaeFileException(tensor.file(), where(row, (int) j) + " is " + data.get(ValueLayout.JAVA_FLOAT, offset + j * Float.BYTES)
                    + " (as float32); activations must be finite");
    }

    /** "row 7, column 3" of the (N, D) view, plus the element's own index for a tensor of 3 or more dimensions. */
    private String where(long row, int col) {
        String what = (tensor.name() == null ? "" : "tensor '" + tensor.name() + "' ") + "row " + row + ", column " + col;
        if (tensor.rank() <= 2) return what;
        long[] index = new long[tensor.rank()];
        index[index.length - 1] = col;
        long rest = row;
        for (int d = index.length - 2; d >= 0; d--) {
            index[d] = rest % tensor.dim(d);
            rest /= tensor.dim(d);
        }
        return what + " (element " + Arrays.toString(index) + ")";
    }

    /** e.g. {@code acts.npy F16 [8, 128, 512] read as 1024 rows of 512}; the last part only when flattened. */
    @Override public String describe() {
        String flat = tensor.rank() > 2 ? " read as " + rows + " rows of " + dim : "";
        return tensor.file() + " " + tensor.describe() + flat;
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
