package dev.saestitch.data;

import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BatcherTest {

    /** Row r holds (r mod 2^16, r / 2^16, 0.5): exact in float, so a batch tells which rows it holds. */
    private record IdSource(long rows) implements ActivationSource {
        @Override public int dim() { return 3; }
        @Override public void read(long[] ids, int from, Matrix out) {
            for (int i = 0; i < out.rows(); i++) {
                long id = ids[from + i];
                if (id < 0 || id >= rows) throw new IndexOutOfBoundsException("row " + id);
                out.set(i, 0, id & 0xFFFF);
                out.set(i, 1, id >>> 16);
                out.set(i, 2, 0.5f);
            }
        }
        @Override public String describe() { return "ids 0.." + rows; }

        static long idOf(Matrix m, int row) { return (long) m.get(row, 0) + ((long) m.get(row, 1) << 16); }
    }

    private static List<Long> take(Batcher batcher, Matrix out, int batches) {
        List<Long> ids = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            batcher.next(out);
            for (int i = 0; i < out.rows(); i++) ids.add(IdSource.idOf(out, i));
        }
        return ids;
    }

    @Test
    void everyEpochVisitsEveryRowExactlyOnceInANewOrder() {
        int n = 10_007, batch = 97;
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, batch, 3);
            Batcher batcher = new Batcher(new IdSource(n), 42);
            int batches = (3 * n + batch - 1) / batch;  // batches straddle the epoch boundaries
            List<Long> ids = take(batcher, out, batches);
            for (int e = 0; e < 3; e++) {
                BitSet seen = new BitSet(n);
                for (long id : ids.subList(e * n, (e + 1) * n)) {
                    assertFalse(seen.get((int) id), "row " + id + " twice in epoch " + e);
                    seen.set((int) id);
                }
                assertEquals(n, seen.cardinality(), "rows seen in epoch " + e);
            }
            assertNotEquals(ids.subList(0, n), ids.subList(n, 2 * n), "epochs 0 and 1 in the same order");
            assertEquals((long) batches * batch, batcher.tokensSeen());
            assertEquals(new Batcher.Position(batches * batch / n, batches * batch % n), batcher.position());
        }
    }

    @Test
    void theSameSeedGivesTheSameStreamAndAnotherSeedAnother() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, 64, 3);
            IdSource source = new IdSource(1001);
            List<Long> a = take(new Batcher(source, 9), out, 40);
            List<Long> b = take(new Batcher(source, 9), out, 40);
            List<Long> c = take(new Batcher(source, 10), out, 40);
            assertEquals(a, b);
            assertNotEquals(a, c);
        }
    }

    @Test
    void aResumedBatcherSeesExactlyTheFollowingBatches() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, 64, 3);
            IdSource source = new IdSource(1001);
            Batcher original = new Batcher(source, 5);
            take(original, out, 50);  // 3200 rows: epoch 3, offset 197
            Batcher.Position saved = original.position();
            assertEquals(new Batcher.Position(3, 197), saved);
            List<Long> expected = take(original, out, 30);
            Batcher resumed = new Batcher(source, 5, saved);
            assertEquals(3200, resumed.tokensSeen());
            assertEquals(expected, take(resumed, out, 30));
            assertEquals(original.position(), resumed.position());
        }
    }

    @Test
    void batchesLargerThanTheSourceWrapIntoLaterEpochs() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, 7, 3);
            List<Long> ids = take(new Batcher(new IdSource(3), 1), out, 3);  // 21 rows = 7 epochs of 3
            for (int e = 0; e < 7; e++)
                assertEquals(List.of(0L, 1L, 2L), ids.subList(3 * e, 3 * e + 3).stream().sorted().toList());
        }
    }

    @Test
    void rejectsAMismatchedBatchAndAnOutOfRangePosition() {
        IdSource source = new IdSource(10);
        try (Arena arena = Arena.ofConfined()) {
            Matrix wrong = Matrix.allocate(arena, 4, 2);
            assertThrows(IllegalArgumentException.class, () -> new Batcher(source, 1).next(wrong));
        }
        assertThrows(IllegalArgumentException.class, () -> new Batcher(source, 1, new Batcher.Position(0, 10)));
        assertThrows(IllegalArgumentException.class, () -> new Batcher.Position(-1, 0));
    }
}
