package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * Passes over the rows of the assignment matrix as costs to minimise (entries negated when
 * maximising), in parallel over blocks of rows, each row copied once into a float32 buffer. The
 * matrix stays where it is: at n = 16384 it is 1 GiB, and a pass streams it once.
 */
final class CostRows {

    private static final int ROWS_PER_CHUNK = 64;

    private final Matrix matrix;
    private final boolean negate;

    CostRows(Matrix matrix, boolean maximise) {
        this.matrix = matrix;
        this.negate = maximise;
    }

    float cost(int i, int j) {
        float e = matrix.get(i, j);
        return negate ? -e : e;
    }

    /**
     * For each row i, the (at most) k columns with the least reduced cost cost[i, j] − w_j, among
     * those below {@code limit[i]} and not already edges of row i in {@code exclude}; ties keep
     * the smaller column. Checks that every entry is finite.
     *
     * @param w       (m) column prices, or null for zeros
     * @param limit   (n) strict upper bound on the reduced costs picked, or null for none
     * @param exclude edges not to pick again, or null
     * @throws IllegalArgumentException naming the first non-finite entry found
     */
    RowPicks smallest(int k, double[] w, double[] limit, CandidateGraph exclude) {
        int n = matrix.rows(), m = matrix.cols();
        int[][] cols = new int[n][];
        float[][] costs = new float[n][];
        int chunks = (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        try {
            IntStream.range(0, chunks).parallel().forEach(chunk -> {
                Selection sel = new Selection(k, m);
                for (int i = chunk * ROWS_PER_CHUNK, end = Math.min(n, i + ROWS_PER_CHUNK); i < end; i++) {
                    double bound = limit == null ? Double.POSITIVE_INFINITY : limit[i];
                    load(i, sel.row);
                    if (w == null) sel.pickLeast(i, bound);
                    else if (leastReduced(sel.row, w) < bound) sel.pickLeastReduced(w, bound, exclude, i);
                    cols[i] = sel.cols();
                    costs[i] = sel.costs();
                }
            });
        } catch (WrongThreadException e) {
            throw new IllegalArgumentException("linear assignment reads the matrix on several threads: allocate it from Arena.ofShared(), not a confined arena", e);
        }
        return new RowPicks(cols, costs);
    }

    private void load(int i, float[] row) {
        MemorySegment.copy(matrix.data(), FLOAT, (long) i * row.length * Float.BYTES, row, 0, row.length);
        if (negate) for (int j = 0; j < row.length; j++) row[j] = -row[j];
    }

    private static double leastReduced(float[] row, double[] w) {
        double min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < row.length; j++) min = Math.min(min, row[j] - w[j]);
        return min;
    }

    /** One thread's row buffer and a bounded max-heap of the k least values seen in the row. */
    private final class Selection {
        final float[] row;
        private final int k;
        private final double[] value;   // (k) heap of the kept values, largest at 0
        private final int[] col;
        private final int[] mark;       // (m) row + 1 for the columns excluded in that row
        private int size;

        Selection(int k, int m) {
            this.row = new float[m];
            this.k = k;
            this.value = new double[k];
            this.col = new int[k];
            this.mark = new int[m];
        }

        /** The k least entries of the row; all must be finite. */
        void pickLeast(int i, double bound) {
            size = 0;
            double top = bound;
            for (int j = 0; j < row.length; j++) {
                float c = row[j];
                if (c < top && c > Float.NEGATIVE_INFINITY) top = offer(c, j, bound);
                else if (!Float.isFinite(c)) throw notFinite(i, j, c);
            }
        }

        private IllegalArgumentException notFinite(int i, int j, float c) {
            return new IllegalArgumentException("assignment matrix entry (" + i + ", " + j + ") is not finite: " + (negate ? -c : c));
        }

        /** The k least reduced costs row[j] − w[j] below the bound, skipping row i's edges in {@code exclude}. */
        void pickLeastReduced(double[] w, double bound, CandidateGraph exclude, int i) {
            size = 0;
            if (exclude != null) for (int e = exclude.start[i]; e < exclude.start[i + 1]; e++) mark[exclude.col[e]] = i + 1;
            double top = bound;
            for (int j = 0; j < row.length; j++) {
                double h = row[j] - w[j];
                if (h < top && mark[j] != i + 1) top = offer(h, j, bound);
            }
        }

        /** Keeps (h, j), dropping the largest kept when full; returns the value a newcomer must beat. */
        private double offer(double h, int j, double bound) {
            if (size < k) {
                value[size] = h;
                col[size] = j;
                siftUp(size++);
            } else {
                value[0] = h;
                col[0] = j;
                siftDown(0);
            }
            return size < k ? bound : value[0];
        }

        private void siftUp(int c) {
            while (c > 0) {
                int p = (c - 1) / 2;
                if (!above(c, p)) return;
                swap(c, p);
                c = p;
            }
        }

        private void siftDown(int p) {
            while (true) {
                int l = 2 * p + 1, r = l + 1, big = p;
                if (l < size && above(l, big)) big = l;
                if (r < size && above(r, big)) big = r;
                if (big == p) return;
                swap(p, big);
                p = big;
            }
        }

        /** Heap order: larger value first, then larger column, so the smaller column survives a tie. */
        private boolean above(int a, int b) {
            return value[a] > value[b] || (value[a] == value[b] && col[a] > col[b]);
        }

        private void swap(int a, int b) {
            double tv = value[a];
            value[a] = value[b];
            value[b] = tv;
            int tc = col[a];
            col[a] = col[b];
            col[b] = tc;
        }

        int[] cols() { return Arrays.copyOf(col, size); }

        float[] costs() {
            float[] c = new float[size];
            for (int t = 0; t < size; t++) c[t] = row[col[t]];
            return c;
        }
    }
}
