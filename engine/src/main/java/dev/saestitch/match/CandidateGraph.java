package dev.saestitch.match;

import java.util.Arrays;

/**
 * The edges the sparse solver may use: for each row a few columns and their costs, in compressed
 * rows. Row i's edges are [start[i], start[i + 1]) of {@code col} and {@code cost}; no column
 * appears twice in a row. Costs are float64: the float32 entries as they are, or the float64
 * values those entries approximate (see {@link EdgeCost}).
 */
final class CandidateGraph {

    /** The cost an edge (i, j) takes in the graph, given its float32 cost from the matrix. */
    @FunctionalInterface
    interface EdgeCost {
        double of(int i, int j, float stored);

        /** The matrix's own float32 cost. */
        EdgeCost STORED = (i, j, stored) -> stored;
    }

    final int rows;
    final int cols;
    final int[] start;   // (rows + 1)
    final int[] col;     // (edges)
    final double[] cost; // (edges) costs as minimised (negated similarities when maximising)

    private CandidateGraph(int rows, int cols, int[] start, int[] col, double[] cost) {
        this.rows = rows;
        this.cols = cols;
        this.start = start;
        this.col = col;
        this.cost = cost;
    }

    /**
     * The picked edges plus the edge (i, i) of every row, so that the graph always holds a matching
     * of every row (rows ≤ cols) and the sparse problem is feasible.
     *
     * @param diagonal (rows) cost[i, i] as stored
     */
    static CandidateGraph of(int cols, RowPicks picks, float[] diagonal, EdgeCost price) {
        int rows = diagonal.length;
        int[][] c = new int[rows][];
        double[][] w = new double[rows][];
        for (int i = 0; i < rows; i++) {
            int[] pc = picks.cols()[i];
            boolean has = false;
            for (int j : pc) has |= j == i;
            c[i] = has ? pc : append(pc, i);
            w[i] = priced(i, c[i], has ? picks.costs()[i] : append(picks.costs()[i], diagonal[i]), price);
        }
        return build(rows, cols, c, w);
    }

    /**
     * One edge per row, (i, colOfRow[i]): a matching to refine from.
     * @param stored (rows) the matrix's cost of each row's edge
     */
    static CandidateGraph matching(int cols, int[] colOfRow, float[] stored, EdgeCost price) {
        int rows = colOfRow.length;
        int[][] c = new int[rows][];
        double[][] w = new double[rows][];
        for (int i = 0; i < rows; i++) {
            c[i] = new int[] {colOfRow[i]};
            w[i] = new double[] {price.of(i, colOfRow[i], stored[i])};
        }
        return build(rows, cols, c, w);
    }

    /** This graph with the picked edges added (they must be new). */
    CandidateGraph plus(RowPicks extra, EdgeCost price) {
        int[][] c = new int[rows][];
        double[][] w = new double[rows][];
        for (int i = 0; i < rows; i++) {
            int from = start[i], to = start[i + 1], add = extra.cols()[i].length;
            c[i] = Arrays.copyOf(Arrays.copyOfRange(col, from, to), to - from + add);
            w[i] = Arrays.copyOf(Arrays.copyOfRange(cost, from, to), to - from + add);
            System.arraycopy(extra.cols()[i], 0, c[i], to - from, add);
            System.arraycopy(priced(i, extra.cols()[i], extra.costs()[i], price), 0, w[i], to - from, add);
        }
        return build(rows, cols, c, w);
    }

    int edges() { return col.length; }

    /** Whether (i, j) is an edge. */
    boolean hasEdge(int i, int j) {
        for (int e = start[i]; e < start[i + 1]; e++) if (col[e] == j) return true;
        return false;
    }

    private static double[] priced(int i, int[] cols, float[] stored, EdgeCost price) {
        double[] w = new double[cols.length];
        for (int t = 0; t < w.length; t++) w[t] = price.of(i, cols[t], stored[t]);
        return w;
    }

    private static CandidateGraph build(int rows, int cols, int[][] c, double[][] w) {
        int[] start = new int[rows + 1];
        for (int i = 0; i < rows; i++) start[i + 1] = Math.addExact(start[i], c[i].length);
        int[] col = new int[start[rows]];
        double[] cost = new double[start[rows]];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(c[i], 0, col, start[i], c[i].length);
            System.arraycopy(w[i], 0, cost, start[i], w[i].length);
        }
        return new CandidateGraph(rows, cols, start, col, cost);
    }

    private static int[] append(int[] a, int v) {
        int[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }

    private static float[] append(float[] a, float v) {
        float[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }
}
