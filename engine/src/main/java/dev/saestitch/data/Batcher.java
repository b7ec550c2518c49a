package dev.saestitch.data;

import dev.saestitch.input.InputException;
import dev.saestitch.tensor.Matrix;

/**
 * Streams shuffled batches from an {@link ActivationSource} into a caller-owned matrix, reading
 * only the rows of each batch (the source stays on disk or is computed on demand).
 *
 * <p>Epoch e visits the rows in the order of a {@link KeyedPermutation} keyed by (seed, e), so
 * each epoch sees every row exactly once and epochs are shuffled differently. Batches run across
 * epoch boundaries (a batch may end one epoch and start the next), so every batch is full and no
 * row is dropped. The whole state is a {@link Position}: a run resumed from a saved position sees
 * exactly the batches the original run would have seen next. Not thread-safe; the source is not
 * owned (the caller closes it).
 */
public final class Batcher {

    /** Where the stream stands: the epoch, and how many rows of it have been delivered. */
    public record Position(long epoch, long offset) {
        public Position {
            if (epoch < 0 || offset < 0)
                throw new IllegalArgumentException("batcher position (epoch " + epoch + ", offset " + offset + ") must be non-negative");
        }
    }

    private static final long PERMUTATION_SALT = 0x42415443484552L;

    private final ActivationSource source;
    private final long seed;
    private final long rows;
    private long epoch;
    private long offset;
    private KeyedPermutation order;
    private long[] ids = new long[0];

    /** A batcher at the start of epoch 0. */
    public Batcher(ActivationSource source, long seed) {
        this(source, seed, new Position(0, 0));
    }

    /** A batcher resuming at {@code start}, e.g. a position saved with a checkpoint. */
    public Batcher(ActivationSource source, long seed, Position start) {
        this.source = source;
        this.seed = seed;
        this.rows = source.rows();
        if (rows < 1) throw new InputException("cannot batch " + source.describe() + ": it has no rows");
        if (start.offset() >= rows)
            throw new IllegalArgumentException("batcher position offset " + start.offset() + " is not below the source's "
                    + rows + " rows (" + source.describe() + ")");
        this.epoch = start.epoch();
        this.offset = start.offset();
        this.order = permutation(epoch);
    }

    /** Fills every row of {@code out} (B×D) with the next B rows of the shuffled stream. */
    public void next(Matrix out) {
        if (out.cols() != source.dim())
            throw new IllegalArgumentException("batch of " + out.cols() + " columns for " + source.describe()
                    + " of dimension " + source.dim());
        int batch = out.rows();
        if (ids.length < batch) ids = new long[batch];
        for (int i = 0; i < batch; i++) {
            ids[i] = order.apply(offset);
            if (++offset == rows) {
                offset = 0;
                order = permutation(++epoch);
            }
        }
        source.read(ids, 0, out);
    }

    public Position position() { return new Position(epoch, offset); }

    /** Rows delivered since position (0, 0), a resumed run included. */
    public long tokensSeen() { return Math.addExact(Math.multiplyExact(epoch, rows), offset); }

    private KeyedPermutation permutation(long e) {
        return new KeyedPermutation(rows, Seeds.derive(seed, PERMUTATION_SALT, e));
    }
}
