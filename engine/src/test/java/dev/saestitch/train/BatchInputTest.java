package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The read-ahead of {@link BatchInput}: the batches arrive in the feed's order, scaled; the
 * position is the one after the batch in use (not after the batch read ahead); and a feed's
 * failure surfaces at the step whose batch failed, as the same exception.
 */
class BatchInputTest {

    private static final int D = 5, B = 4;
    private static final float[] DATA = SparseFeatureData.generate(3, 40, D, 6, 2);

    /** An InMemoryFeed that fails on its {@code failAt}-th batch (0-based). */
    private static final class FailingFeed implements BatchFeed {
        private final InMemoryFeed inner = new InMemoryFeed(DATA, D, 1);
        private final int failAt;
        private int served;

        FailingFeed(int failAt) { this.failAt = failAt; }

        @Override public int dim() { return D; }
        @Override public void next(Matrix hostBatch) {
            if (served++ == failAt) throw new IllegalArgumentException("row " + served + " is not finite");
            inner.next(hostBatch);
        }
        @Override public long[] position() { return inner.position(); }
        @Override public void seek(long[] position) { inner.seek(position); }
    }

    @Test
    void batchesComeInOrderScaledWithTheirPosition() {
        Backend backend = TestSupport.cpu();
        InMemoryFeed reference = new InMemoryFeed(DATA, D, 1);
        try (Arena arena = Arena.ofConfined(); BatchInput input = new BatchInput(backend, new InMemoryFeed(DATA, D, 1), B, 2f)) {
            Matrix expected = Matrix.allocate(arena, B, D), got = Matrix.allocate(arena, B, D);
            for (int step = 0; step < 25; step++) {
                input.next();
                reference.next(expected);
                backend.download(input.scaled(), got);
                float[] e = expected.toArray();
                for (int i = 0; i < e.length; i++) e[i] *= 2f;
                assertArrayEquals(e, got.toArray(), "batch " + step);
                assertArrayEquals(reference.position(), input.position(), "position after batch " + step);
            }
        }
    }

    @Test
    void aFailingReadSurfacesAtItsOwnStep() {
        try (BatchInput input = new BatchInput(TestSupport.cpu(), new FailingFeed(3), B, 1f)) {
            for (int step = 0; step < 3; step++) input.next();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, input::next);
            assertEquals("row 4 is not finite", e.getMessage());
        }
    }
}
