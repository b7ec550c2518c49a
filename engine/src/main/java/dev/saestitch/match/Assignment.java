package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

import java.util.Arrays;

/**
 * An optimal assignment of the rows of an (n, m) matrix, n ≤ m, to distinct columns.
 *
 * @param colOfRow     (n) the column given to each row
 * @param rowOfCol     (m) the row given each column, −1 for the m − n columns left over
 * @param total        Σ_i matrix[i, colOfRow[i]] of the input entries (not negated), summed in float64
 * @param columnPrices (m) the dual prices v of the columns for the costs the solver minimised
 *                     (the entries, negated when maximising), kept as a certificate of optimality:
 *                     with u_i = min_j (cost[i, j] − v_j) over the rows, and u = min_j (−v_j) for
 *                     each of the m − n zero rows that pad the matrix to square, Σu + Σv is a lower
 *                     bound on every assignment's cost (LP duality) and equals the optimum.
 */
public record Assignment(int[] colOfRow, int[] rowOfCol, double total, double[] columnPrices) {

    /**
     * The assignment of {@code matrix}'s rows given by the first n entries of {@code colOfRow}; rows of
     * {@code rowOfCol} outside [0, n) (padding) become −1. Copies the arrays, sums the entries.
     */
    static Assignment of(Matrix matrix, int[] colOfRow, int[] rowOfCol, double[] columnPrices) {
        return of(matrix.rows(), colOfRow, rowOfCol, columnPrices, matrix::get);
    }

    /** As {@link #of(Matrix, int[], int[], double[])} for n rows whose entries are {@code entry} (the total sums them). */
    static Assignment of(int n, int[] colOfRow, int[] rowOfCol, double[] columnPrices, ExactEntries.Entry entry) {
        int[] cols = Arrays.copyOf(colOfRow, n);
        int[] rows = new int[rowOfCol.length];
        for (int j = 0; j < rows.length; j++) rows[j] = rowOfCol[j] >= 0 && rowOfCol[j] < n ? rowOfCol[j] : -1;
        double total = 0;
        for (int i = 0; i < n; i++) total += entry.at(i, cols[i]);
        return new Assignment(cols, rows, total, columnPrices.clone());
    }

    public int rows() { return colOfRow.length; }

    public int cols() { return rowOfCol.length; }
}
