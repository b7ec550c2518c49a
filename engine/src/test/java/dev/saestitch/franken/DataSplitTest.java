package dev.saestitch.franken;

import dev.saestitch.data.ActivationSource;
import dev.saestitch.input.InputException;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.ShuffledFeed;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** {@link RowRange} reads the rows it says, and {@link DataSplit}'s fitted and held-out rows are disjoint and complete. */
class DataSplitTest {

    /** Row r is (r, 2r + 1). */
    private record Numbered(long rows) implements ActivationSource {
        @Override public int dim() { return 2; }
        @Override public void read(long[] ids, int from, Matrix out) {
            for (int i = 0; i < out.rows(); i++) {
                long r = ids[from + i];
                if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("row " + r);
                out.set(i, 0, r);
                out.set(i, 1, 2 * r + 1);
            }
        }
        @Override public String describe() { return "numbered rows"; }
    }

    /** The row numbers of one epoch of {@code source} in a shuffled order. */
    private static Set<Long> epoch(ActivationSource source) {
        try (Arena arena = Arena.ofShared()) {
            Matrix m = Matrix.allocate(arena, (int) source.rows(), 2);
            new ShuffledFeed(source, 3).next(m);
            Set<Long> seen = new TreeSet<>();
            for (int r = 0; r < m.rows(); r++) {
                assertEquals(2 * m.get(r, 0) + 1, m.get(r, 1));
                assertTrue(seen.add((long) m.get(r, 0)), "row " + m.get(r, 0) + " twice in one epoch");
            }
            return seen;
        }
    }

    @Test
    void rowRangeShiftsIdsAndRefusesOthers() {
        RowRange range = new RowRange(new Numbered(100), 10, 5);
        assertEquals(5, range.rows());
        try (Arena arena = Arena.ofShared()) {
            Matrix m = Matrix.allocate(arena, 3, 2);
            range.read(new long[] {9, 4, 0, 2}, 1, m);
            assertArrayEquals(new float[] {14, 29, 10, 21, 12, 25}, m.toArray());
            assertThrows(IndexOutOfBoundsException.class, () -> range.read(new long[] {5, 0, 0}, 0, m));
        }
        assertThrows(IllegalArgumentException.class, () -> new RowRange(new Numbered(100), 98, 5));
        assertThrows(IllegalArgumentException.class, () -> new RowRange(new Numbered(100), 3, 0));
    }

    @Test
    void heldOutRowsAreTheTailAndDisjointFromTheFittedOnes() {
        DataSplit split = DataSplit.of(new Numbered(100), 30, 8, 1);   // at most a quarter: 25 rows
        assertEquals(25, split.heldOut().rows());
        assertEquals(75, split.fit().rows());
        assertEquals(8, split.evalBatch());
        assertEquals(24, split.evaluatedRows());
        assertEquals(LongStream.range(0, 75).boxed().collect(Collectors.toSet()), epoch(split.fit()));
        assertEquals(LongStream.range(75, 100).boxed().collect(Collectors.toSet()), epoch(split.heldOut()));
        DataSplit small = DataSplit.of(new Numbered(100), 10, 4096, 1);
        assertEquals(10, small.heldOut().rows());
        assertEquals(10, small.evalBatch(), "a batch is never larger than the held-out rows");
        assertThrows(InputException.class, () -> DataSplit.of(new Numbered(1), 10, 8, 1));
    }
}
