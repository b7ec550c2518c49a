package dev.saestitch.match;

import java.util.Arrays;

/**
 * Shortest augmenting paths on a {@link CandidateGraph} (the scheme of Crouse 2016, which SciPy's
 * {@code linear_sum_assignment} uses, with a binary heap since the graph is sparse): each free row
 * in turn finds, by Dijkstra over reduced costs cost[i, j] − v_j − u_i, the nearest free column
 * and flips the assignment along the path; the prices of the columns settled on the way are
 * lowered so that every edge keeps a non-negative reduced cost and the assigned edges a zero one.
 * u_i is implicit: cost[i, x_i] − v_{x_i} for an assigned row.
 *
 * <p>Prices start at zero and only fall, and a free column's price never moves, so when the rows
 * are fewer than the columns the columns left over keep price 0, as the rectangular problem's
 * optimality conditions ask.
 */
final class SparseShortestPaths {

    private CandidateGraph graph;
    final double[] v;              // (m) column prices
    final int[] x;                 // (n) column of each row, −1 when free
    final int[] y;                 // (m) row of each column, −1 when free
    private final double[] assigned; // (n) cost of each row's assigned edge

    // Dijkstra state, reset lazily through the search number
    private final double[] d;      // (m) path length to each column
    private final int[] pred;      // (m) the row before each column on its path
    private final double[] predCost; // (m) cost of the edge (pred[j], j)
    private final int[] reached;   // (m) search number when d[j] was last set
    private final int[] settled;   // (m) search number when j was settled
    private final int[] settledList;
    private int search;
    private final ColumnHeap heap = new ColumnHeap();

    SparseShortestPaths(CandidateGraph graph) {
        int n = graph.rows, m = graph.cols;
        this.graph = graph;
        v = new double[m];
        x = new int[n];
        y = new int[m];
        assigned = new double[n];
        d = new double[m];
        pred = new int[m];
        predCost = new double[m];
        reached = new int[m];
        settled = new int[m];
        settledList = new int[m];
        reset();
    }

    /** Every row free, every price zero. */
    void reset() {
        Arrays.fill(v, 0);
        Arrays.fill(x, -1);
        Arrays.fill(y, -1);
    }

    /**
     * Starts from a known assignment and prices (e.g. an optimum for other costs): row i on the
     * graph's edge (i, colOfRow[i]), which must be its first, and column prices {@code prices}.
     * With one edge per row every edge is tight, whatever the prices.
     */
    void warmStart(int[] colOfRow, double[] prices) {
        System.arraycopy(prices, 0, v, 0, v.length);
        Arrays.fill(y, -1);
        for (int i = 0; i < x.length; i++) {
            int e = graph.start[i];
            if (e == graph.start[i + 1] || graph.col[e] != colOfRow[i]) throw new IllegalArgumentException("row " + i + "'s first edge is not its column " + colOfRow[i]);
            x[i] = colOfRow[i];
            y[colOfRow[i]] = i;
            assigned[i] = graph.cost[e];
        }
    }

    /** Changes the graph; the assigned edges must be in it and keep non-negative reduced costs. */
    void setGraph(CandidateGraph g) { graph = g; }

    /** Makes row i free (its column too). */
    void release(int i) {
        if (x[i] >= 0) y[x[i]] = -1;
        x[i] = -1;
    }

    /** Assigns every free row. */
    void assignFreeRows() {
        for (int i = 0; i < x.length; i++) if (x[i] < 0) augment(i);
    }

    /** The graph's cost of row i's assigned edge. */
    double assignedCost(int i) { return assigned[i]; }

    /** (n) the implicit row duals u_i = cost[i, x_i] − v_{x_i}; every row must be assigned. */
    double[] rowDuals() {
        double[] u = new double[x.length];
        for (int i = 0; i < u.length; i++) u[i] = assigned[i] - v[x[i]];
        return u;
    }

    private void augment(int start) {
        int j = shortestPath(start);
        int i;
        do {
            i = pred[j];
            y[j] = i;
            int previous = x[i];
            x[i] = j;
            assigned[i] = predCost[j];
            j = previous;
        } while (i != start);
    }

    /** Dijkstra from free row {@code start}; returns the free column reached first, {@link #pred} holding the path. */
    private int shortestPath(int start) {
        search++;
        heap.clear();
        relax(start, 0);
        int count = 0, end = -1;
        double length = 0;
        while (!heap.isEmpty()) {
            int j = heap.topColumn();
            double dj = heap.topKey();
            heap.pop();
            if (settled[j] == search || dj > d[j]) continue;     // settled already, or a stale entry
            if (y[j] < 0) {
                end = j;
                length = dj;
                break;
            }
            settled[j] = search;
            settledList[count++] = j;
            int i = y[j];
            relax(i, dj - (assigned[i] - v[j]));
        }
        if (end < 0) throw new IllegalStateException("no augmenting path from row " + start + ": the candidate graph holds no matching of every row");
        for (int k = 0; k < count; k++) {
            int j = settledList[k];
            v[j] += d[j] - length;
        }
        return end;
    }

    /** Offers every edge of row i at path length {@code offset} + cost − v_j. */
    private void relax(int i, double offset) {
        for (int e = graph.start[i], end = graph.start[i + 1]; e < end; e++) {
            int j = graph.col[e];
            if (settled[j] == search) continue;
            double h = offset + graph.cost[e] - v[j];
            if (reached[j] != search || h < d[j]) {
                reached[j] = search;
                d[j] = h;
                pred[j] = i;
                predCost[j] = graph.cost[e];
                heap.push(h, j);
            }
        }
    }

    /** A binary min-heap of (path length, column) with stale entries left in (lazy deletion). */
    private static final class ColumnHeap {
        private double[] key = new double[64];
        private int[] column = new int[64];
        private int size;

        void clear() { size = 0; }

        boolean isEmpty() { return size == 0; }

        double topKey() { return key[0]; }

        int topColumn() { return column[0]; }

        void push(double k, int j) {
            if (size == key.length) {
                key = Arrays.copyOf(key, 2 * size);
                column = Arrays.copyOf(column, 2 * size);
            }
            int c = size++;
            while (c > 0) {
                int p = (c - 1) >>> 1;
                if (key[p] <= k) break;
                key[c] = key[p];
                column[c] = column[p];
                c = p;
            }
            key[c] = k;
            column[c] = j;
        }

        void pop() {
            double k = key[--size];
            int j = column[size];
            int p = 0;
            while (true) {
                int c = 2 * p + 1;
                if (c >= size) break;
                if (c + 1 < size && key[c + 1] < key[c]) c++;
                if (key[c] >= k) break;
                key[p] = key[c];
                column[p] = column[c];
                p = c;
            }
            key[p] = k;
            column[p] = j;
        }
    }
}
