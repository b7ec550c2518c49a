package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The dense solver: Jonker and Volgenant's algorithm (LAPJV, 1987) on the whole matrix, used when
 * the candidate graph of {@link LinearAssignment} grows too large. Column reduction with reduction
 * transfer, then one Dijkstra shortest augmenting path per row still free, following Kazmar's C
 * implementation of LAPJV (the {@code lap} package). JV's augmenting row reduction is left out: on
 * cosine matrices it turns into a bidding war of tiny price steps (300 000 row scans for 1 500 free
 * rows at n = 4096), slower than the shortest paths it saves.
 *
 * <p>The matrix is read in place, one row at a time into a float32 buffer (negated when
 * maximising), so an (n, m) problem needs the matrix plus O(m) working memory; dual prices and path
 * lengths are float64. A rectangular matrix (n < m) is padded to square with m − n rows of zeros
 * that are never stored: the padding rows take the columns left over at no cost.
 */
final class DenseLapjv {

    private final Matrix matrix;
    private final MemorySegment data;
    private final int n;          // real rows
    private final int m;          // columns, and rows after padding
    private final boolean negate;

    private final double[] v;     // (m) column prices
    private final int[] x;        // (m) column of each (padded) row, −1 when free
    private final int[] y;        // (m) row of each column, −1 when free
    private final float[] row;    // (m) the costs of one row

    // Dijkstra working arrays, allocated once
    private final double[] d;     // (m) path length to each column
    private final int[] pred;     // (m) the row before each column on its path
    private final int[] cols;     // (m) columns ordered: [0, lo) ready, [lo, hi) to scan, [hi, m) to do
    private int hi;               // end of the batch to scan in cols

    private DenseLapjv(Matrix matrix, boolean maximise) {
        this.matrix = matrix;
        this.data = matrix.data();
        this.n = matrix.rows();
        this.m = matrix.cols();
        this.negate = maximise;
        this.v = new double[m];
        this.x = new int[m];
        this.y = new int[m];
        this.row = new float[m];
        this.d = new double[m];
        this.pred = new int[m];
        this.cols = new int[m];
    }

    /** @param matrix (n, m) host matrix, n ≤ m, finite entries (checked by the caller) */
    static Assignment solve(Matrix matrix, boolean maximise) {
        return new DenseLapjv(matrix, maximise).run();
    }

    private Assignment run() {
        if (m > 0) {
            columnReduction();
            for (int i = 0; i < m; i++) if (x[i] < 0) augment(i);
        }
        return Assignment.of(matrix, x, y, v);
    }

    /** Loads the costs of padded row i into {@link #row}. */
    private void loadRow(int i) {
        if (i >= n) {
            Arrays.fill(row, 0f);
            return;
        }
        MemorySegment.copy(data, FLOAT, (long) i * m * Float.BYTES, row, 0, m);
        if (negate) for (int j = 0; j < m; j++) row[j] = -row[j];
    }

    /**
     * Column reduction (v_j = min_i cost[i, j], each column offered to its cheapest row, a row
     * keeping the last column offered) and reduction transfer (a row that got exactly one column
     * lowers that column's price to its second-cheapest reduced cost, so later rows find it dearer).
     * Rows left free hold −1 in {@link #x}.
     */
    private void columnReduction() {
        Arrays.fill(v, Double.POSITIVE_INFINITY);
        for (int i = 0; i < m; i++) {
            loadRow(i);
            for (int j = 0; j < m; j++) {
                float c = row[j];
                if (c < v[j]) {
                    v[j] = c;
                    y[j] = i;
                }
            }
        }
        Arrays.fill(x, -1);
        boolean[] unique = new boolean[m];
        Arrays.fill(unique, true);
        for (int j = m - 1; j >= 0; j--) {
            int i = y[j];
            if (x[i] < 0) x[i] = j;
            else {
                unique[i] = false;
                y[j] = -1;
            }
        }
        for (int i = 0; i < m; i++) {
            if (x[i] >= 0 && unique[i]) {
                int j1 = x[i];
                loadRow(i);
                double min = Double.POSITIVE_INFINITY;
                for (int j = 0; j < m; j++) if (j != j1) min = Math.min(min, row[j] - v[j]);
                if (min < Double.POSITIVE_INFINITY) v[j1] -= min;
            }
        }
    }

    /** Finds a shortest augmenting path from free row {@code start} and flips the assignment along it. */
    private void augment(int start) {
        int j = shortestPath(start);
        int i;
        do {
            i = pred[j];
            y[j] = i;
            int previous = x[i];
            x[i] = j;
            j = previous;
        } while (i != start);
    }

    /**
     * Dijkstra over the columns with reduced costs cost[i, j] − v_j − u_i, u_i implicit for assigned
     * rows (their column is a least reduced cost of the row). Columns with the least path length
     * are scanned in batches; a batch is done when a free column joins it. Then the prices of the
     * columns made ready are lowered so that reduced costs stay non-negative and zero along the
     * assignment.
     *
     * @return the free column that ends the path; {@link #pred} holds the path
     */
    private int shortestPath(int start) {
        loadRow(start);
        for (int j = 0; j < m; j++) {
            cols[j] = j;
            pred[j] = start;
            d[j] = row[j] - v[j];
        }
        int lo = 0, ready = 0, end = -1;
        double min = 0;
        hi = 0;
        while (true) {
            if (lo == hi) {
                ready = lo;
                min = collectMinima(lo);
                for (int k = lo; k < hi && end < 0; k++) if (y[cols[k]] < 0) end = cols[k];
                if (end >= 0) break;
            }
            int j = cols[lo++];
            int i = y[j];
            loadRow(i);
            end = relax(i, row[j] - v[j] - min, min);
            if (end >= 0) break;
        }
        for (int k = 0; k < ready; k++) {
            int j = cols[k];
            v[j] += d[j] - min;
        }
        return end;
    }

    /**
     * Extends the paths through assigned row i (loaded in {@link #row}) to the columns still to do,
     * [hi, m); a column reached at the batch's length {@code min} joins the batch.
     *
     * @param h the reduced-cost offset of row i: path length to i's column minus its reduced cost
     * @return a free column reached at length {@code min}, or −1
     */
    private int relax(int i, double h, double min) {
        for (int k = hi; k < m; k++) {
            int j = cols[k];
            double c = row[j] - v[j] - h;
            if (c < d[j]) {
                d[j] = c;
                pred[j] = i;
                if (c == min) {
                    if (y[j] < 0) return j;
                    cols[k] = cols[hi];
                    cols[hi++] = j;
                }
            }
        }
        return -1;
    }

    /** Moves the columns in [lo, m) with the least {@link #d} to [lo, {@link #hi}) and returns that least length. */
    private double collectMinima(int lo) {
        hi = lo + 1;
        double min = d[cols[lo]];
        for (int k = hi; k < m; k++) {
            int j = cols[k];
            double dj = d[j];
            if (dj <= min) {
                if (dj < min) {
                    hi = lo;
                    min = dj;
                }
                cols[k] = cols[hi];
                cols[hi++] = j;
            }
        }
        return min;
    }
}
