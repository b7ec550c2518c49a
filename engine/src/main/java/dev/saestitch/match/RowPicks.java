package dev.saestitch.match;

/**
 * Columns picked per row by a pass over the cost matrix, with their costs: {@code cols[i]} and
 * {@code costs[i]} (same length) for row i, empty when nothing was picked.
 */
record RowPicks(int[][] cols, float[][] costs) {

    long count() {
        long c = 0;
        for (int[] r : cols) c += r.length;
        return c;
    }
}
