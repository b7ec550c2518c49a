package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.MemorySegment;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The B·k largest positive entries of a (B, F) batch, exactly, in one pass over it and without a
 * sort. A strided sample of the batch gives a floor below which the kept entries almost surely
 * do not go; one pass collects the candidates above that floor (about 1.25·B·k of them), a
 * selection among the candidates finds the cut, and ties at the cut are taken in row-major
 * order. If the floor was too high (fewer than B·k candidates) the pass is redone with floor 0.
 */
final class BatchTopK {

    /** Entries in the sample that sets the floor. */
    private static final int SAMPLE = 1 << 16;
    /** Aim for this many candidates per kept entry, plus a few standard deviations of the sample. */
    private static final double HEADROOM = 1.25;

    private BatchTopK() {}

    /** @return the smallest kept value, or NaN when nothing is positive */
    static float select(Matrix z, int k, SparseCodes out) {
        long budget = (long) z.rows() * k;
        float floor = sampledFloor(z, budget);
        RowChunks.Chunk[] candidates = above(z, floor);
        long count = RowChunks.size(candidates);
        if (count < budget && floor > 0f) {
            candidates = above(z, 0f);
            count = RowChunks.size(candidates);
        }
        if (count <= budget) {
            RowChunks.write(candidates, z.rows(), out);
            float min = Float.NaN;
            for (RowChunks.Chunk c : candidates)
                for (int i = 0; i < c.size; i++) min = Float.isNaN(min) ? c.values[i] : Math.min(min, c.values[i]);
            return min;
        }
        float cut = kthLargest(candidates, (int) count, budget);
        long above = 0;
        for (RowChunks.Chunk c : candidates)
            for (int i = 0; i < c.size; i++) if (c.values[i] > cut) above++;
        long[] tiesLeft = {budget - above};
        for (RowChunks.Chunk c : candidates)
            c.retain(v -> v > cut || (v == cut && tiesLeft[0]-- > 0));
        RowChunks.write(candidates, z.rows(), out);
        return cut;
    }

    private static RowChunks.Chunk[] above(Matrix z, float floor) {
        return RowChunks.scan(z, true, () -> (r, row, chunk) -> {
            for (int i = 0; i < row.length; i++) if (row[i] > floor) chunk.add(i, row[i]);
        });
    }

    /**
     * A value that about HEADROOM·budget entries exceed, from every s-th entry (s coprime with F so
     * the sample visits every column); 0 when the sample has too few positives to tell.
     */
    private static float sampledFloor(Matrix z, long budget) {
        long n = z.size();
        if (n <= SAMPLE) return 0f;
        long stride = n / SAMPLE;
        while (gcd(stride, z.cols()) != 1) stride++;
        MemorySegment d = z.data();
        float[] sample = new float[SAMPLE];
        int m = 0;
        for (long i = 0; i < n && m < SAMPLE; i += stride) {
            float v = d.getAtIndex(FLOAT, i);
            if (v > 0f) sample[m++] = v;
        }
        double expected = (double) budget / n * Math.min(SAMPLE, (n + stride - 1) / stride);
        long rank = (long) Math.ceil(HEADROOM * expected + 5 * Math.sqrt(expected) + 16);
        if (rank >= m) return 0f;
        return Quickselect.select(sample, m, (int) (m - rank));
    }

    /** The budget-th largest of the candidates' values. */
    private static float kthLargest(RowChunks.Chunk[] candidates, int count, long budget) {
        float[] all = new float[count];
        int p = 0;
        for (RowChunks.Chunk c : candidates) {
            System.arraycopy(c.values, 0, all, p, c.size);
            p += c.size;
        }
        return Quickselect.select(all, count, (int) (count - budget));
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
