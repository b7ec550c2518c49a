package dev.saestitch.match;

import dev.saestitch.match.CandidateGraph.EdgeCost;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;

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
 * <p>{@link #maximiseCosines} runs the same steps on cosines that are never stored whole
 * ({@link CosineScan}): the first pass is the scan's kept cosines, and a pricing pass recomputes
 * only the rows whose kept cosines cannot prove their duals.
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

    /**
     * As {@link #solve(Matrix, Objective)}, optimal for the float64 values {@code exact} that the
     * float32 {@code matrix} approximates: the float32 optimum is refined on a graph whose edge
     * costs are float64, and the pricing pass counts an entry as a possible offender when its
     * float32 value is within the error bound of one ({@code cost − bound − v_j < u_i}), so that
     * no pricing pass passes unless (u, v) is a feasible dual of the float64 problem. When that
     * refinement outgrows the budget, the float32 optimum is returned, and the log says so.
     */
    static Assignment solve(Matrix matrix, Objective objective, ExactEntries exact) {
        return solve(matrix, objective, Budget.DEFAULT, exact);
    }

    /** As {@link #solve(Matrix, Objective)} within the budget given (0 rounds: the dense solver once the entries are checked). */
    static Assignment solve(Matrix matrix, Objective objective, Budget budget) {
        return solve(matrix, objective, budget, null);
    }

    /** @param exact the float64 entries to be optimal for, or null for the float32 matrix itself */
    static Assignment solve(Matrix matrix, Objective objective, Budget budget, ExactEntries exact) {
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
        SparseShortestPaths paths = sparseSolve(m, best, diagonal, costs, k, budget);
        Assignment found;
        if (paths != null) {
            found = Assignment.of(matrix, paths.x, paths.y, paths.v);
        } else {
            LOG.log(System.Logger.Level.INFO, "linear assignment of a {0} matrix: the candidate graph did not settle, solving it densely (LAPJV)", matrix.shape());
            found = DenseLapjv.solve(matrix, maximise);
        }
        if (exact == null) return found;
        float[] stored = new float[n];
        for (int i = 0; i < n; i++) stored[i] = costs.cost(i, found.colOfRow()[i]);
        SparseShortestPaths refined = refine(m, found.colOfRow(), found.columnPrices(), stored, costs, k, budget, exact, maximise);
        if (refined == null)
            LOG.log(System.Logger.Level.INFO, "linear assignment of a {0} matrix: the float64 refinement did not settle; keeping the float32 optimum", matrix.shape());
        return refined == null ? found : Assignment.of(matrix, refined.x, refined.y, refined.v);
    }

    /**
     * The assignment that maximises the total float64 cosine of the scan's rows to its columns,
     * as {@link #solve(Matrix, Objective, ExactEntries)} finds it, without the whole matrix: the
     * candidate graph is the scan's kept cosines, and pricing passes recompute only the rows
     * those cannot vouch for. When the graph does not settle the matrix is made and solved as a matrix.
     * The total is of the float64 cosines.
     *
     * @param exact the float64 cosines the scan's float32 ones approximate
     */
    static Assignment maximiseCosines(CosineScan scan, ExactEntries exact) {
        return maximiseCosines(scan, exact, Budget.DEFAULT);
    }

    /** As {@link #maximiseCosines(CosineScan, ExactEntries)} within the budget given (0 rounds: the whole matrix unless the candidates settle at once). */
    static Assignment maximiseCosines(CosineScan scan, ExactEntries exact, Budget budget) {
        int n = scan.rows(), m = scan.cols(), k = Math.min(budget.candidates(), m);
        ExactEntries.Entry cosine = exact.entry();
        if (n == 0) return Assignment.of(n, new int[0], new int[m], new double[m], cosine);
        SparseShortestPaths paths = sparseSolve(m, scan.candidates(), scan.diagonalCosts(), scan, k, budget);
        SparseShortestPaths refined = null;
        if (paths != null) {
            float[] stored = new float[n];
            for (int i = 0; i < n; i++) stored[i] = (float) paths.assignedCost(i);   // the float32 cost, as the graph holds it
            refined = refine(m, paths.x.clone(), paths.v.clone(), stored, scan, k, budget, exact, true);
            if (refined == null) LOG.log(System.Logger.Level.INFO, "linear assignment of {0} × {1} cosines: the float64 refinement did not settle", n, m);
        }
        LOG.log(System.Logger.Level.DEBUG, "linear assignment of {0} × {1} cosines: {2} rows recomputed by pricing passes", n, m, scan.recomputedRows());
        if (refined != null) return Assignment.of(n, refined.x, refined.y, refined.v, cosine);
        LOG.log(System.Logger.Level.INFO, "linear assignment of {0} × {1} cosines: the candidate graph did not settle, solving the whole matrix", n, m);
        try (Arena arena = Arena.ofShared()) {   // the matrix's own solve, with its own budget and the dense solver behind it
            Assignment dense = solve(scan.materialise(arena), Objective.MAXIMISE, exact);
            return Assignment.of(n, dense.colOfRow(), dense.rowOfCol(), dense.columnPrices(), cosine);
        }
    }

    /** The sparse solve from each row's best columns (and the diagonal); null when the budget runs out. */
    private static SparseShortestPaths sparseSolve(int m, RowPicks best, float[] diagonal, Pricing pricing, int k, Budget budget) {
        CandidateGraph graph = CandidateGraph.of(m, best, diagonal, EdgeCost.STORED);
        SparseShortestPaths paths = new SparseShortestPaths(graph);
        paths.assignFreeRows();
        return settle(m, pricing, graph, paths, k, budget, 0, EdgeCost.STORED) ? paths : null;
    }

    /**
     * The float64 optimum from the float32 one (columns {@code cols}, column prices {@code prices}),
     * on a graph of float64 costs; null when the refinement outgrows the budget.
     *
     * @param stored (n) the float32 cost of each row's edge (i, cols[i])
     */
    private static SparseShortestPaths refine(int m, int[] cols, double[] prices, float[] stored, Pricing pricing, int k, Budget budget,
                                              ExactEntries exact, boolean maximise) {
        int n = cols.length;
        EdgeCost price = maximise ? (i, j, s) -> -exact.entry().at(i, j) : (i, j, s) -> exact.entry().at(i, j);
        CandidateGraph graph = CandidateGraph.matching(m, cols, stored, price);
        SparseShortestPaths paths = new SparseShortestPaths(graph);
        // Square: the float32 prices are near-feasible, so the first pricing pass finds only near-ties.
        // Rectangular: a left-over column must keep price 0, which LAPJV's padded prices need not, so start from zero.
        if (n == m) paths.warmStart(cols, prices);
        else paths.assignFreeRows();
        return settle(m, pricing, graph, paths, k, budget, exact.errorBound(), price) ? paths : null;
    }

    /**
     * The pricing loop: prices the whole matrix against the sparse solution, adds the offending
     * edges (at most k per row, at their graph costs) and solves again, until the prices are a
     * feasible dual of the whole problem (the optimum, held by {@code paths}: true), or false when the budget runs out. Only rows
     * whose added edges really undercut their dual are freed: with a slack, most entries flagged
     * are near-ties that the graph's own costs clear.
     *
     * @param slack an entry may offend when its stored cost − slack − v_j &lt; u_i (the error bound
     *              of the stored costs when the graph holds float64 ones; 0 when it holds them)
     */
    private static boolean settle(int m, Pricing pricing, CandidateGraph graph, SparseShortestPaths paths, int k, Budget budget,
                                  double slack, EdgeCost price) {
        int n = graph.rows;
        for (int round = 0; ; round++) {
            double[] u = paths.rowDuals(), bound = u.clone();
            for (int i = 0; i < n; i++) bound[i] += slack;
            RowPicks offenders = pricing.offenders(k, paths.v, bound, graph);
            if (offenders.count() == 0) return true;
            if (round >= budget.rounds() || graph.edges() + offenders.count() > (long) budget.edgesPerRow() * n) {
                LOG.log(System.Logger.Level.DEBUG, "linear assignment of {0} × {1}: {2} pricing rounds, {3} edges, {4} more wanted",
                        n, m, round, graph.edges(), offenders.count());
                return false;
            }
            graph = graph.plus(offenders, price);
            paths.setGraph(graph);
            boolean[] undercut = undercut(graph, offenders, paths.v, u);
            boolean anyUndercut = false, rowFull = false;
            for (int i = 0; i < n; i++) {
                anyUndercut |= undercut[i];
                rowFull |= offenders.cols()[i].length == k;
            }
            // every entry that could offend is in the graph now (no row was capped at k) and none does: optimal
            if (!anyUndercut && !rowFull) return true;
            if (!anyUndercut) continue;
            if (n == m) {
                for (int i = 0; i < n; i++) if (undercut[i]) paths.release(i);
            } else {
                paths.reset();   // a column freed with a price below 0 could stay free: the rectangular optimum needs it at 0
            }
            paths.assignFreeRows();
        }
    }

    /** (n) whether row i got an edge (the last ones of its row in {@code graph}) with cost − v_j &lt; u_i. */
    private static boolean[] undercut(CandidateGraph graph, RowPicks added, double[] v, double[] u) {
        boolean[] rows = new boolean[graph.rows];
        for (int i = 0; i < graph.rows; i++)
            for (int e = graph.start[i + 1] - added.cols()[i].length; e < graph.start[i + 1]; e++)
                if (graph.cost[e] - v[graph.col[e]] < u[i]) {
                    rows[i] = true;
                    break;
                }
        return rows;
    }
}
