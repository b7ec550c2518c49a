package dev.saestitch.meta;

import dev.saestitch.data.ActivationSource;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.BatchFeed;
import dev.saestitch.train.ShuffledFeed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The decoder rows of an SAE as the samples of a meta-SAE (SPEC §5): one sample per latent,
 * scaled to unit norm so that every latent's direction counts the same whatever its norm (a
 * ReLU SAE's rows range over two orders of magnitude; a meta-SAE decomposes directions, not
 * norms). A row of zero norm stays zero. The copy is owned by this source, so the SAE may be
 * closed once it is made; its shared arena lets a batcher read from several threads.
 */
public final class DecoderRows implements ActivationSource {

    private final Arena arena = Arena.ofShared();
    private final Matrix unitRows;   // (F, D) the SAE's decoder rows at unit norm
    private final String description;
    private final int zeroRows;

    private DecoderRows(Matrix source, String description) {
        if (source.rows() < 1) throw new IllegalArgumentException("a meta-SAE needs at least one decoder row, got " + source.shape());
        unitRows = Matrix.allocate(arena, source.rows(), source.cols());
        int zeros = 0;
        for (int r = 0; r < source.rows(); r++) {
            double ss = 0;
            for (int c = 0; c < source.cols(); c++) ss += (double) source.get(r, c) * source.get(r, c);
            if (!Double.isFinite(ss)) {
                arena.close();
                throw new IllegalArgumentException(description + ": decoder row " + r + " is not finite");
            }
            if (ss == 0) {
                zeros++;
                continue;
            }
            double inv = 1 / Math.sqrt(ss);
            for (int c = 0; c < source.cols(); c++) unitRows.set(r, c, (float) (source.get(r, c) * inv));
        }
        if (zeros == source.rows()) {
            arena.close();
            throw new InputException(description + ": every decoder row is zero");
        }
        this.zeroRows = zeros;
        this.description = description;
    }

    /** A unit-norm copy of {@code sae}'s decoder rows. */
    public static DecoderRows of(Sae sae) {
        return new DecoderRows(sae.wDec(), "decoder rows of the " + sae);
    }

    /** A unit-norm copy of the rows of {@code dictionary} (F, D), named {@code description} in messages. */
    public static DecoderRows of(Matrix dictionary, String description) {
        return new DecoderRows(dictionary, description);
    }

    /** (F, D) the rows at unit norm, owned by this source. */
    public Matrix unitRows() { return unitRows; }

    /** Rows of zero norm in the SAE, left at zero. */
    public int zeroRows() { return zeroRows; }

    /** The training stream: every row once per epoch, reshuffled each epoch from {@code seed}. */
    public BatchFeed feed(long seed) { return new ShuffledFeed(this, seed); }

    @Override public int dim() { return unitRows.cols(); }

    @Override public long rows() { return unitRows.rows(); }

    @Override public void read(long[] ids, int from, Matrix out) {
        if (out.cols() != dim()) throw new IllegalArgumentException("a " + out.shape() + " batch for rows of dimension " + dim() + " from " + describe());
        long rowBytes = (long) dim() * Float.BYTES;
        for (int i = 0; i < out.rows(); i++) {
            long id = ids[from + i];
            if (id < 0 || id >= rows()) throw new IndexOutOfBoundsException("row " + id + " of " + rows() + " in " + describe());
            MemorySegment.copy(unitRows.data(), id * rowBytes, out.data(), i * rowBytes, rowBytes);
        }
    }

    @Override public String describe() { return description + " (" + unitRows.shape() + ", unit norm)"; }

    @Override public void close() { arena.close(); }
}
