package dev.saestitch.match;

import dev.saestitch.tensor.Matrix;

/**
 * The dense linear assignment problem, solved exactly: every row of an (n, m) matrix, n ≤ m, gets
 * a distinct column so that the total cost is least (or the total similarity greatest).
 *
 * <p>The optimal assignment of a similarity matrix uses, in almost every row, one of the row's
 * best few columns. So the solver works on a sparse candidate graph and proves the answer on the
 * whole matrix, in the manner of column generation:
 * <ol>
 *   <li>one pass over the matrix keeps each row's {@code k} cheapest columns, plus the edge (i, i)
 *       so that the graph always holds a matching of every row;</li>
 *   <li>shortest augmenting paths ({@link SparseShortestPaths}) solve the sparse problem and give
 *       column prices v; with u_i = cost[i, x_i] − v_{x_i} every candidate edge has
 *       cost − u_i − v_j ≥ 0;</li>
 *   <li>a pricing pass over the whole matrix looks for edges with cost[i, j] − v_j &lt; u_i. When
 *       there are none, u and v are a feasible dual of the full problem with the same value as the
 *       assignment, which is therefore optimal (LP duality). Otherwise each such row's worst
 *       offenders join the graph, those rows are freed (all rows, from zero prices, when n &lt; m),
 *       and step 2 runs again.</li>
 * </ol>
 * When the rounds or the graph outgrow their {@link Budget} (matrices with massively tied optima,
 * such as cost[i, j] = a_i + b_j, where sparse duals keep missing), the dense solver
 * ({@link DenseLapjv}) takes over, and says so in the log.
 *
 * <p>Each pass streams the matrix once, in place, on all cores: it must be readable from several
 * threads (allocate it from {@code Arena.ofShared()}). Dual prices and path lengths are float64,
 * so "optimal" means up to float64 rounding of sums of the float32 entries. On SAE-like cosine
 * matrices at n = 16384 (1 GiB) a solve takes 1–2 s on two cores; the dense solver about 23 s.
 */
public final class LinearAssignment {

    private static final System.Logger LOG = System.getLogger(LinearAssignment.class.getName());

    /** Whether the entries are costs to minimise or similarities to maximise. */
    public enum Objective { MINIMISE, MAXIMISE }

    /**
     * How far the sparse solver goes before the dense one takes over.
     *
     * @param candidates  columns kept per row by the first pass, and added per offending row by each pricing pass
     * @param rounds      pricing rounds that may add edges
     * @param edgesPerRow the most edges per row (on average) the graph may reach
     */
    record Budget(int candidates, int rounds, int edgesPerRow) {
        /** 32 candidates, 20 rounds, 4 × 32 edges per row: on SAE cosine matrices 1–3 rounds do it. */
        static final Budget DEFAULT = new Budget(32, 20, 128);
    }

    private LinearAssignment() {}

    /**
     * The assignment of every row of {@code matrix} to a distinct column with the least total cost
     * (MINIMISE) or the greatest total entry (MAXIMISE). Among several optimal assignments the
     * choice is deterministic.
     *
     * @param matrix (n, m) host matrix from a shared arena, n ≤ m, finite entries
     * @throws IllegalArgumentException when n > m, an entry is not finite, or the matrix's arena is confined
     */
    public static Assignment solve(Matrix matrix, Objective objective) {
        return solve(matrix, objective, Budget.DEFAULT);
    }

    /** As {@link #solve(Matrix, Objective)} within the budget given (0 rounds: the dense solver once the entries are checked). */
    static Assignment solve(Matrix matrix, Objective objective, Budget budget) {
        int n = matrix.rows(), m = matrix.cols();
        if (n > m)
            throw new IllegalArgumentException("linear assignment needs rows ≤ columns, got a " + matrix.shape() + " matrix: pass its transpose");
        boolean maximise = objective == Objective.MAXIMISE;
        if (n == 0) return Assignment.of(matrix, new int[0], new int[m], new double[m]);
        CostRows costs = new CostRows(matrix, maximise);
        int k = Math.min(budget.candidates(), m);
        RowPicks best = costs.least(k);   // also checks that every entry is finite
        float[] diagonal = new float[n];
        for (int i = 0; i < n; i++) diagonal[i] = costs.cost(i, i);
        CandidateGraph graph = CandidateGraph.of(m, best, diagonal);
        SparseShortestPaths paths = new SparseShortestPaths(graph);
        paths.assignFreeRows();
        for (int round = 0; ; round++) {
            RowPicks offenders = costs.offenders(k, paths.v, paths.rowDuals(), graph);
            if (offenders.count() == 0) return Assignment.of(matrix, paths.x, paths.y, paths.v);
            if (round >= budget.rounds() || graph.edges() + offenders.count() > (long) budget.edgesPerRow() * n) {
                LOG.log(System.Logger.Level.INFO, "linear assignment of a {0} matrix: the candidate graph did not settle after {1} pricing"
                        + " rounds ({2} edges, {3} more wanted), solving it densely (LAPJV)", matrix.shape(), round, graph.edges(), offenders.count());
                return DenseLapjv.solve(matrix, maximise);
            }
            graph = graph.plus(offenders);
            paths.setGraph(graph);
            if (n == m) {
                for (int i = 0; i < n; i++) if (offenders.cols()[i].length > 0) paths.release(i);
            } else {
                paths.reset();   // a column freed with a price below 0 could stay free: the rectangular optimum needs it at 0
            }
            paths.assignFreeRows();
        }
    }
}
