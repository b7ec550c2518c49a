package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;

/**
 * The batch a step trains on: the next rows of the feed, read into host memory, uploaded and
 * multiplied by the input scale once. The SAEs of a {@link TrainerGroup} share one, so that a
 * ladder pays for reading, uploading and normalising each batch once; they only read it.
 */
final class BatchInput implements AutoCloseable {

    private final Backend backend;
    private final BatchFeed feed;
    private final float scale;
    private final Arena arena = Arena.ofShared(); // shared: a feed may fill the batch from several threads
    private final Matrix host;     // (B, D) host staging
    private final Matrix scaled;   // (B, D) on the backend: x·s

    BatchInput(Backend backend, BatchFeed feed, int batch, float scale) {
        this.backend = backend;
        this.feed = feed;
        this.scale = scale;
        host = Matrix.allocate(arena, batch, feed.dim());
        scaled = backend.allocate(arena, batch, feed.dim());
    }

    BatchFeed feed() { return feed; }

    /** The input scale s every batch is multiplied by. */
    float scale() { return scale; }

    /** Reads, uploads and scales the next batch into {@link #scaled()}. */
    void next() {
        feed.next(host);
        backend.upload(host, scaled);
        if (scale != 1f) backend.scale(scaled, scale);
    }

    /** (B, D): the current batch, scaled; readers must not write to it. */
    Matrix scaled() { return scaled; }

    @Override public void close() { arena.close(); }
}
