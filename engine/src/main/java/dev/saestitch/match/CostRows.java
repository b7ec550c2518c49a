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
final class CostRows implements Pricing {

    private static final int ROWS_PER_CHUNK = 64;

    private final Matrix matrix;
    private final boolean negate;
    private final int[] ids;   // the assignment's row of each matrix row, null when they are the same

    CostRows(Matrix matrix, boolean maximise) {
        this(matrix, maximise, null);
    }

    /**
     * Some rows of the assignment matrix: row r of {@code matrix} is row {@code ids[r]} of the
     * assignment, which is what {@link #offenders} reads of u and the graph, and ranks ties by.
     */
    CostRows(Matrix matrix, boolean maximise, int[] ids) {
        if (ids != null && ids.length != matrix.rows()) throw new IllegalArgumentException(ids.length + " row ids for " + matrix.rows() + " rows");
        this.matrix = matrix;
        this.negate = maximise;
        this.ids = ids;
    }

    float cost(int i, int j) {
        float e = matrix.get(i, j);
        return negate ? -e : e;
    }

    /**
     * For each row, its (at most) k least costs; ties are broken by {@link #tieRank}.
     *
     * @throws IllegalArgumentException naming the first non-finite entry met
     */
    RowPicks least(int k) {
        return eachRow(k, (sel, i) -> sel.pickLeast(i));
    }

    /** {@inheritDoc} Row r of the result is the matrix's row r (assignment row {@code ids[r]}). */
    @Override
    public RowPicks offenders(int k, double[] v, double[] u, CandidateGraph graph) {
        return eachRow(k, (sel, i) -> {
            if (leastReduced(sel.row, v) < u[i]) sel.pickLeastReduced(i, v, u[i], graph);
        });
    }

    /** What to pick from assignment row i, loaded in the selection's buffer. */
    @FunctionalInterface
    private interface RowPick { void pick(Selection sel, int i); }

    private RowPicks eachRow(int k, RowPick body) {
        int n = matrix.rows(), m = matrix.cols();
        int[][] cols = new int[n][];
        float[][] costs = new float[n][];
        int chunks = (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        if (!matrix.isShared())
            throw new IllegalArgumentException("linear assignment reads the matrix on several threads: allocate it from Arena.ofShared(), not a confined arena");
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            Selection sel = new Selection(k, m);
            for (int r = chunk * ROWS_PER_CHUNK, end = Math.min(n, r + ROWS_PER_CHUNK); r < end; r++) {
                load(r, sel.row);
                sel.clear();
                body.pick(sel, ids == null ? r : ids[r]);
                cols[r] = sel.cols();
                costs[r] = sel.costs();
            }
        });
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

    /**
     * A fixed pseudo-random rank for breaking ties between equal values of row i: rows with many
     * equal entries (integer costs) then pick different columns, not all the first ones, which keeps
     * the candidate graph rich in matchings.
     */
    private static int tieRank(int i, int j) {
        long h = ((long) i << 32 | j) * 0x9E3779B97F4A7C15L;   // Fibonacci hashing, then the murmur3 finaliser
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h;
    }

    /** One thread's row buffer and a bounded max-heap of the k least (value, tie rank) seen in the row. */
    private final class Selection {
        final float[] row;
        private final int k;
        private final double[] value;   // (k) heap of the kept values, largest (then largest tie rank) at 0
        private final int[] rank;       // (k) their tie ranks
        private final int[] col;        // (k) their columns
        private final int[] mark;       // (m) row + 1 for the columns excluded in that row
        private int size;

        Selection(int k, int m) {
            this.row = new float[m];
            this.k = k;
            this.value = new double[k];
            this.rank = new int[k];
            this.col = new int[k];
            this.mark = new int[m];
        }

        void clear() { size = 0; }

        /** The k least entries of row i; all must be finite. */
        void pickLeast(int i) {
            double top = Double.POSITIVE_INFINITY;
            for (int j = 0; j < row.length; j++) {
                float c = row[j];
                if (c <= top) {
                    if (!Float.isFinite(c)) throw notFinite(i, j, c);
                    if (c < top || beatsTie(i, j)) top = offer(c, i, j, top);
                } else if (!Float.isFinite(c)) {
                    throw notFinite(i, j, c);
                }
            }
        }

        /** The k least reduced costs row[j] − w[j] below the bound, skipping row i's edges in {@code exclude}. */
        void pickLeastReduced(int i, double[] w, double bound, CandidateGraph exclude) {
            for (int e = exclude.start[i]; e < exclude.start[i + 1]; e++) mark[exclude.col[e]] = i + 1;
            double top = bound;
            for (int j = 0; j < row.length; j++) {
                double h = row[j] - w[j];
                if (h <= top && mark[j] != i + 1 && (h < top || beatsTie(i, j))) top = offer(h, i, j, bound);
            }
        }

        private IllegalArgumentException notFinite(int i, int j, float c) {
            return new IllegalArgumentException("assignment matrix entry (" + i + ", " + j + ") is not finite: " + (negate ? -c : c));
        }

        /** Whether (i, j), equal in value to the largest kept, displaces it: only when the heap is full. */
        private boolean beatsTie(int i, int j) {
            return size == k && tieRank(i, j) < rank[0];
        }

        /** Keeps (h, j), dropping the largest kept when full; returns the value a newcomer must reach. */
        private double offer(double h, int i, int j, double bound) {
            int at = size < k ? size++ : 0;
            value[at] = h;
            rank[at] = tieRank(i, j);
            col[at] = j;
            if (at > 0) siftUp(at);
            else siftDown(0);
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

        private boolean above(int a, int b) {
            return value[a] > value[b] || (value[a] == value[b] && rank[a] > rank[b]);
        }

        private void swap(int a, int b) {
            double tv = value[a];
            value[a] = value[b];
            value[b] = tv;
            int tr = rank[a];
            rank[a] = rank[b];
            rank[b] = tr;
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
