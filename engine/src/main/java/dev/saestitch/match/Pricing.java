package dev.saestitch.match;

/**
 * The pricing pass of {@link LinearAssignment}: the entries of the whole assignment matrix that
 * show that column prices v and row duals u are not yet a feasible dual of the full problem.
 * {@link CostRows} streams a materialised matrix; {@link CosineScan} recomputes only the rows its
 * candidates cannot vouch for.
 */
interface Pricing {

    /**
     * For each row i, the (at most) k columns with the least reduced cost cost[i, j] − v_j among
     * those below u_i that are not yet edges of row i in {@code graph}.
     *
     * @param v (m) column prices
     * @param u (n) row duals (with any slack added)
     */
    RowPicks offenders(int k, double[] v, double[] u, CandidateGraph graph);
}
