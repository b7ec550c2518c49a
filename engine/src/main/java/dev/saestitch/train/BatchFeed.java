package dev.saestitch.train;

import dev.saestitch.tensor.Matrix;

/**
 * The stream of training batches, in host memory. The trainer records {@link #position()} in
 * its checkpoints and calls {@link #seek} on resume, so a resumed run sees exactly the batches
 * the uninterrupted run would have seen.
 */
public interface BatchFeed {

    /** D, the dimension of each row. */
    int dim();

    /** Fills every row of {@code hostBatch} (B×D) with the next B rows of the stream. */
    void next(Matrix hostBatch);

    /** Where the stream stands, as a few numbers that {@link #seek} accepts. */
    long[] position();

    /**
     * Moves the stream to a position returned earlier by {@link #position()}.
     *
     * @throws IllegalArgumentException for a position this stream cannot have (e.g. past the end of its data)
     */
    void seek(long[] position);

    /**
     * The data and order this stream serves, recorded in checkpoints and compared on resume. A
     * feed that cannot say (a test or benchmark feed) cannot be checkpointed.
     */
    default FeedIdentity identity() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no identity, so a run on it cannot be checkpointed");
    }
}
