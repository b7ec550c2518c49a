package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The dense linear assignment problem, solved exactly by Jonker and Volgenant's algorithm
 * (LAPJV, 1987): column reduction with reduction transfer, two rounds of augmenting row
 * reduction, then one Dijkstra shortest augmenting path per row still free. The structure follows
 * Kazmar's C implementation of LAPJV (the {@code lap} package).
 *
 * <p>The matrix is read in place, one row at a time into a float32 buffer (negated when
 * maximising), so an (n, m) problem needs the matrix plus O(m) working memory; dual prices and path
 * lengths are float64. A rectangular matrix (n < m) is padded to square with m − n rows of zeros
 * that are never stored: the padding rows take the columns left over at no cost.
 */
public final class LinearAssignment {

    /** Whether the entries are costs to minimise or similarities to maximise. */
    public enum Objective { MINIMISE, MAXIMISE }

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

    private LinearAssignment(Matrix matrix, Objective objective) {
        this.data = matrix.data();
        this.n = matrix.rows();
        this.m = matrix.cols();
        this.negate = objective == Objective.MAXIMISE;
        this.v = new double[m];
        this.x = new int[m];
        this.y = new int[m];
        this.row = new float[m];
        this.d = new double[m];
        this.pred = new int[m];
        this.cols = new int[m];
    }

    /**
     * The assignment of every row of {@code matrix} to a distinct column with the least total cost
     * (MINIMISE) or the greatest total similarity (MAXIMISE). Ties between optimal assignments are
     * broken deterministically.
     *
     * @param matrix (n, m) host matrix, n ≤ m, finite entries
     * @throws IllegalArgumentException when n > m or an entry is not finite
     */
    public static Assignment solve(Matrix matrix, Objective objective) {
        if (matrix.rows() > matrix.cols())
            throw new IllegalArgumentException("linear assignment needs rows ≤ columns, got a " + matrix.shape()
                    + " matrix: pass its transpose");
        return new LinearAssignment(matrix, objective).run();
    }

    private Assignment run() {
        if (m > 0) {
            int free = columnReduction();
            int[] freeRows = freeRows(free);
            for (int round = 0; round < 2 && free > 0; round++) free = augmentingRowReduction(freeRows, free);
            for (int k = 0; k < free; k++) augment(freeRows[k]);
        }
        int[] colOfRow = Arrays.copyOf(x, n);
        int[] rowOfCol = new int[m];
        double total = 0;
        for (int j = 0; j < m; j++) rowOfCol[j] = y[j] < n ? y[j] : -1;
        for (int i = 0; i < n; i++) total += data.getAtIndex(FLOAT, (long) i * m + colOfRow[i]);
        return new Assignment(colOfRow, rowOfCol, total, v.clone());
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
     *
     * @return the number of rows left free; {@link #x} holds −1 for them
     */
    private int columnReduction() {
        Arrays.fill(v, Double.POSITIVE_INFINITY);
        for (int i = 0; i < m; i++) {
            loadRow(i);
            for (int j = 0; j < m; j++) {
                float c = row[j];
                if (!Float.isFinite(c))
                    throw new IllegalArgumentException("assignment matrix entry (" + i + ", " + j + ") is not finite: " + c);
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
        int free = 0;
        for (int i = 0; i < m; i++) {
            if (x[i] < 0) {
                free++;
            } else if (unique[i]) {
                int j1 = x[i];
                loadRow(i);
                double min = Double.POSITIVE_INFINITY;
                for (int j = 0; j < m; j++) if (j != j1) min = Math.min(min, row[j] - v[j]);
                if (min < Double.POSITIVE_INFINITY) v[j1] -= min;
            }
        }
        return free;
    }

    private int[] freeRows(int count) {
        int[] free = new int[m];
        for (int i = 0, k = 0; k < count; i++) if (x[i] < 0) free[k++] = i;
        return free;
    }

    /**
     * One round of augmenting row reduction (an auction): each free row takes the column of its
     * least reduced cost, lowering that column's price by the gap to its second least, and the row
     * it displaces becomes free; a displaced row whose column price fell is served again at once.
     * After too many iterations prices stop moving, which bounds the work.
     *
     * @return the number of rows still free, listed at the start of {@code free}
     */
    private int augmentingRowReduction(int[] free, int count) {
        int current = 0, stillFree = 0;
        long iterations = 0;
        while (current < count) {
            iterations++;
            int i = free[current++];
            loadRow(i);
            int j1 = 0, j2 = -1;
            double u1 = row[0] - v[0], u2 = Double.POSITIVE_INFINITY;
            for (int j = 1; j < m; j++) {
                double h = row[j] - v[j];
                if (h < u2) {
                    if (h >= u1) {
                        u2 = h;
                        j2 = j;
                    } else {
                        u2 = u1;
                        u1 = h;
                        j2 = j1;
                        j1 = j;
                    }
                }
            }
            int i0 = y[j1];
            double lowered = v[j1] - (u2 - u1);
            boolean lowers = j2 >= 0 && lowered < v[j1];
            if (iterations < (long) current * m) {
                if (lowers) v[j1] = lowered;
                else if (i0 >= 0 && j2 >= 0) {
                    j1 = j2;
                    i0 = y[j2];
                }
                if (i0 >= 0) {
                    if (lowers) free[--current] = i0;
                    else free[stillFree++] = i0;
                }
            } else if (i0 >= 0) {
                free[stillFree++] = i0;
            }
            x[i] = j1;
            y[j1] = i;
        }
        return stillFree;
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
     * columns made ready are raised so that reduced costs stay non-negative and zero along the
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
