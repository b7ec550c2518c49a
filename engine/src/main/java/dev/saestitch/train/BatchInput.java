package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The batch a step trains on: the next rows of the feed, read into host memory, uploaded and
 * multiplied by the input scale once. The SAEs of a {@link TrainerGroup} share one, so that a
 * ladder pays for reading, uploading and normalising each batch once; they only read it.
 *
 * <p>While a step trains on one batch, a background thread reads the next from the feed (a
 * memory-mapped file's rows, or the synthetic world's, which are computed): reading no longer
 * adds to the step's time. The batches and their order are the feed's, so training is
 * bit-identical; {@link #position()} is the feed's position after the batch in use, not after
 * the one read ahead, so a checkpoint resumes where the training stands.
 */
final class BatchInput implements AutoCloseable {

    private final Backend backend;
    private final BatchFeed feed;
    private final float scale;
    private final Arena arena = Arena.ofShared(); // shared: the reader thread fills the host buffers
    private final Matrix[] host = new Matrix[2];  // (B, D) host buffers: one uploaded, one being read
    private final Matrix scaled;                  // (B, D) on the backend: x·s
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "batch-reader");
        t.setDaemon(true);
        return t;
    });
    private Future<long[]> ahead;   // the read of the next batch into host[1], with the feed's position after it
    private long[] position;        // the feed's position after the batch in use

    BatchInput(Backend backend, BatchFeed feed, int batch, float scale) {
        this.backend = backend;
        this.feed = feed;
        this.scale = scale;
        host[0] = Matrix.allocate(arena, batch, feed.dim());
        host[1] = Matrix.allocate(arena, batch, feed.dim());
        scaled = backend.allocate(arena, batch, feed.dim());
    }

    BatchFeed feed() { return feed; }

    /** The input scale s every batch is multiplied by. */
    float scale() { return scale; }

    /** Reads (or takes the batch read ahead), uploads and scales the next batch into {@link #scaled()}, and starts reading the one after. */
    void next() {
        if (ahead == null) {
            feed.next(host[1]);
            position = feed.position();
        } else {
            position = await(ahead);
        }
        Matrix batch = host[1];
        host[1] = host[0];
        host[0] = batch;
        backend.upload(batch, scaled);
        if (scale != 1f) backend.scale(scaled, scale);
        Matrix target = host[1];
        ahead = reader.submit(() -> {
            feed.next(target);
            return feed.position();
        });
    }

    /** The feed's position after the batch now in {@link #scaled()} (the feed's own when no batch was read yet). */
    long[] position() {
        settle();
        return position != null ? position.clone() : feed.position();
    }

    /** The feed's identity, asked once no read is under way (it may read the source itself). */
    FeedIdentity identity() {
        settle();
        return feed.identity();
    }

    /** Waits until the read ahead, if any, is done; its failure is left for the step that would use the batch. */
    private void settle() {
        if (ahead == null) return;
        try {
            ahead.get();
        } catch (ExecutionException ignored) {
            // Thrown again by next(), at the step the batch was for.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading a batch", e);
        }
    }

    /** (B, D): the current batch, scaled; readers must not write to it. */
    Matrix scaled() { return scaled; }

    private static long[] await(Future<long[]> read) {
        try {
            return read.get();
        } catch (ExecutionException e) {
            // The feed's own exception (a malformed row, an unreadable file), as a read in this thread would have thrown it.
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException("reading a batch failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading a batch", e);
        }
    }

    /** Waits for a read still under way (its buffer and the caller's source must outlive it), then frees the buffers. */
    @Override public void close() {
        reader.shutdown();
        try {
            settle();
        } finally {
            arena.close();
        }
    }
}
