package dev.saestitch.train;

import dev.saestitch.tensor.Matrix;

import java.util.SplittableRandom;

/** A {@link BatchFeed} over rows in the heap, reshuffled every epoch from (seed, epoch); position = {epoch, offset}. */
final class InMemoryFeed implements BatchFeed {

    private final float[] data;
    private final int rows, dim;
    private final long seed;
    private long epoch;
    private int offset;
    private int[] order;

    InMemoryFeed(float[] data, int dim, long seed) {
        this.data = data;
        this.dim = dim;
        this.rows = data.length / dim;
        this.seed = seed;
        this.order = permutation(0);
    }

    @Override public int dim() { return dim; }

    @Override public void next(Matrix hostBatch) {
        for (int r = 0; r < hostBatch.rows(); r++) {
            int src = order[offset];
            for (int c = 0; c < dim; c++) hostBatch.set(r, c, data[src * dim + c]);
            if (++offset == rows) {
                offset = 0;
                order = permutation(++epoch);
            }
        }
    }

    @Override public long[] position() { return new long[] {epoch, offset}; }

    @Override public FeedIdentity identity() {
        return new FeedIdentity("test rows", rows, dim, Integer.toHexString(java.util.Arrays.hashCode(data)), seed);
    }

    @Override public void seek(long[] position) {
        if (position[1] >= rows) throw new IllegalArgumentException("offset " + position[1] + " is not below " + rows + " rows");
        epoch = position[0];
        offset = (int) position[1];
        order = permutation(epoch);
    }

    private int[] permutation(long e) {
        SplittableRandom rng = new SplittableRandom(seed * 31 + e);
        int[] p = new int[rows];
        for (int i = 0; i < rows; i++) p[i] = i;
        for (int i = rows - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
