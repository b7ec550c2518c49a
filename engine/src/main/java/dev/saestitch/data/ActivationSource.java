package dev.saestitch.data;

import dev.saestitch.tensor.Matrix;

/**
 * N activation vectors of dimension D with random access by row, so that a batcher can shuffle
 * them without loading them into the heap. File sources are memory-mapped; the synthetic world
 * computes row r from (seed, r) alone.
 */
public interface ActivationSource extends AutoCloseable {

    /** D, the activation dimension. */
    int dim();

    /** N, the number of rows. */
    long rows();

    /** Copies row ids[from + i] into row i of {@code out}, for i in [0, out.rows()). */
    void read(long[] ids, int from, Matrix out);

    /** One line naming the source, e.g. the file and its dtype. */
    String describe();

    @Override default void close() {}
}
