package dev.saestitch.train;

import dev.saestitch.data.ActivationSource;
import dev.saestitch.data.Batcher;
import dev.saestitch.data.DataFingerprint;
import dev.saestitch.tensor.Matrix;

/** Training batches drawn by a {@link Batcher}: every row once per epoch, in a seeded order. */
public final class ShuffledFeed implements BatchFeed {

    private final ActivationSource source;
    private final long seed;
    private Batcher batcher;
    private FeedIdentity identity;    // computed on the first checkpoint or resume: it reads sampled rows

    public ShuffledFeed(ActivationSource source, long seed) {
        this.source = source;
        this.seed = seed;
        this.batcher = new Batcher(source, seed);
    }

    @Override public int dim() { return source.dim(); }

    @Override public void next(Matrix hostBatch) { batcher.next(hostBatch); }

    @Override public long[] position() {
        Batcher.Position p = batcher.position();
        return new long[] {p.epoch(), p.offset()};
    }

    @Override public FeedIdentity identity() {
        if (identity == null) identity = new FeedIdentity(source.describe(), source.rows(), source.dim(), DataFingerprint.of(source), seed);
        return identity;
    }

    @Override public void seek(long[] position) {
        if (position.length != 2) throw new IllegalArgumentException("a shuffled feed position is (epoch, offset), got " + position.length + " numbers");
        batcher = new Batcher(source, seed, new Batcher.Position(position[0], position[1]));
    }
}
