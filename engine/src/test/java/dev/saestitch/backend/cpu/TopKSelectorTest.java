package dev.saestitch.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TopKSelectorTest {

    /** The reference: positive entries sorted by value descending, then index ascending; the first k, in index order. */
    private static int[] expected(float[] row, int k) {
        List<Integer> positive = new ArrayList<>();
        for (int i = 0; i < row.length; i++) if (row[i] > 0) positive.add(i);
        positive.sort(Comparator.<Integer>comparingDouble(i -> -row[i]).thenComparingInt(i -> i));
        return positive.subList(0, Math.min(k, positive.size())).stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** The row through {@link TopKSelector#selectRow} (wholeRow) or entry by entry through offer, as aux-k's column list does. */
    private static int[] selected(float[] row, TopKSelector top, boolean wholeRow) {
        RowChunks.Chunk chunk = new RowChunks.Chunk(0, 1);
        if (wholeRow) top.selectRow(row, row.length, chunk);
        else {
            top.clear();
            float floor = top.floor();
            for (int i = 0; i < row.length; i++) {
                if (row[i] > floor) {
                    top.offer(row[i], i);
                    floor = top.floor();
                }
            }
            top.drainInto(chunk);
        }
        chunk.endRow(0);
        for (int e = 0; e < chunk.size; e++) assertEquals(row[chunk.indices[e]], chunk.values[e]);
        return java.util.Arrays.copyOf(chunk.indices, chunk.size);
    }

    @Test
    void keepsTheKLargestPositivesOfWideRowsWithTiesToTheSmallestIndex() {
        Random rnd = new Random(13);
        int f = 3000;
        for (int k : new int[] {1, 7, 32, 400}) {
            TopKSelector top = new TopKSelector(k);   // reused across rows, as the backend does
            for (int trial = 0; trial < 40; trial++) {
                float[] row = new float[f];
                int levels = trial % 4 == 0 ? 5 : 0;  // every fourth row: few distinct values, many ties at the cut
                double positiveShare = trial % 5 == 1 ? 0.004 : 0.5;   // some rows with fewer than k positives
                for (int i = 0; i < f; i++) {
                    double g = Math.abs(rnd.nextGaussian()) * (rnd.nextDouble() < positiveShare ? 1 : -1);
                    // A rising trend makes the floor climb late, so the buffer fills and shrinks many times.
                    if (trial % 3 == 2) g += g > 0 ? i * 1e-3 : 0;
                    row[i] = levels > 0 ? (float) Math.rint(g * levels) : (float) g;
                }
                assertArrayEquals(expected(row, k), selected(row, top, true), "k " + k + " trial " + trial);
                assertArrayEquals(expected(row, k), selected(row, top, false), "k " + k + " trial " + trial + ", offered");
            }
        }
    }

    @Test
    void rescansARowWhoseSampledFloorLeavesFewerThanK() {
        int f = 3000, k = 32, stride = f / (8 * k);
        float[] row = new float[f];
        Random rnd = new Random(5);
        // Large values exactly where the floor is sampled, small positives elsewhere: 7 entries beat the guess.
        for (int i = 0; i < f; i++) row[i] = i % stride == 0 ? 10 + rnd.nextFloat() : rnd.nextFloat();
        assertArrayEquals(expected(row, k), selected(row, new TopKSelector(k), true));
    }
}
