package dev.saestitch.match;

import dev.saestitch.match.LinearAssignment.Budget;
import dev.saestitch.match.LinearAssignment.Objective;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The solver against exhaustive search (every injective map for n ≤ 8), against an independent
 * O(n²m) Hungarian algorithm in float64 ({@link Hungarian}) for n in the hundreds, and against its
 * own LP-duality certificate at larger n, along each of its paths ({@link Route}). Optimal totals
 * are compared in float64 within 1e-9·(n + Σ|chosen entries|): both sides sum the same float32
 * entries in another order, and prices carry float64 rounding.
 */
class LinearAssignmentTest {

    /** Ways through the solver: as shipped; the dense solver at once; two candidates per row and no limits, so pricing rounds do the work. */
    enum Route {
        DEFAULT(Budget.DEFAULT),
        DENSE(new Budget(Budget.DEFAULT.candidates(), 0, Integer.MAX_VALUE)),
        NARROW(new Budget(2, Integer.MAX_VALUE, Integer.MAX_VALUE));

        final Budget budget;

        Route(Budget budget) { this.budget = budget; }

        Assignment solve(Matrix a, Objective objective) { return LinearAssignment.solve(a, objective, budget); }
    }

    /**
     * Kinds of random matrix: continuous; small integers (many ties and many optimal assignments);
     * one value (all tied); a_i + b_j (every assignment optimal, prices hard to pin down: sends
     * the default route to the dense solver).
     */
    enum Kind { UNIFORM, INTEGERS, CONSTANT, ADDITIVE }

    @ParameterizedTest
    @CsvSource({"UNIFORM, DEFAULT", "UNIFORM, DENSE", "UNIFORM, NARROW", "INTEGERS, DEFAULT", "INTEGERS, DENSE", "INTEGERS, NARROW",
            "CONSTANT, DEFAULT", "CONSTANT, DENSE", "CONSTANT, NARROW", "ADDITIVE, DEFAULT", "ADDITIVE, DENSE", "ADDITIVE, NARROW"})
    void squareMatchesExhaustiveSearch(Kind kind, Route route) {
        Random rnd = new Random(11 + kind.ordinal());
        try (Arena arena = Arena.ofShared()) {
            for (int n = 1; n <= 8; n++)
                for (int trial = 0; trial < (n <= 5 ? 60 : n == 6 ? 30 : 8); trial++)
                    for (Objective objective : Objective.values()) {
                        Matrix a = random(arena, rnd, kind, n, n);
                        checkAgainstExhaustive(route, a, objective, kind + " n=" + n + " trial " + trial);
                    }
        }
    }

    @ParameterizedTest
    @CsvSource({"UNIFORM, DEFAULT", "UNIFORM, DENSE", "UNIFORM, NARROW", "INTEGERS, DEFAULT", "INTEGERS, DENSE", "INTEGERS, NARROW",
            "CONSTANT, DEFAULT", "CONSTANT, DENSE", "CONSTANT, NARROW", "ADDITIVE, DEFAULT", "ADDITIVE, DENSE", "ADDITIVE, NARROW"})
    void rectangularMatchesExhaustiveSearch(Kind kind, Route route) {
        Random rnd = new Random(23 + kind.ordinal());
        try (Arena arena = Arena.ofShared()) {
            for (int m = 1; m <= 7; m++)
                for (int n = 1; n < m; n++)
                    for (int trial = 0; trial < 12; trial++)
                        for (Objective objective : Objective.values()) {
                            Matrix a = random(arena, rnd, kind, n, m);
                            checkAgainstExhaustive(route, a, objective, kind + " " + n + "x" + m + " trial " + trial);
                        }
        }
    }

    @ParameterizedTest
    @CsvSource({"UNIFORM, 53, 53", "UNIFORM, 131, 131", "UNIFORM, 200, 200", "INTEGERS, 97, 97", "INTEGERS, 150, 150",
            "CONSTANT, 64, 64", "ADDITIVE, 150, 150", "ADDITIVE, 257, 257", "ADDITIVE, 60, 95", "UNIFORM, 71, 130", "INTEGERS, 45, 199", "COSINE, 189, 189"})
    void matchesHungarian(String kind, int n, int m) {
        Random rnd = new Random(n * 31L + m);
        try (Arena arena = Arena.ofShared()) {
            Matrix a = kind.equals("COSINE") ? cosines(arena, rnd, n, 16) : random(arena, rnd, Kind.valueOf(kind), n, m);
            for (Objective objective : Objective.values()) {
                double best = Hungarian.optimum(a, objective == Objective.MAXIMISE);
                for (Route route : Route.values()) {
                    Assignment got = route.solve(a, objective);
                    checkConsistent(a, got);
                    assertEquals(best, got.total(), tolerance(a, got), kind + " " + a.shape() + " " + objective + " " + route);
                }
            }
        }
    }

    /** At sizes too large for the references, the solver's prices must prove the total optimal (duality gap ≈ 0). */
    @ParameterizedTest
    @CsvSource({"UNIFORM, 1201, 1201", "INTEGERS, 999, 999", "COSINE, 1500, 1500", "UNIFORM, 700, 1103"})
    void dualityCertificateClosesTheGap(String kind, int n, int m) {
        Random rnd = new Random(n + 7L * m);
        try (Arena arena = Arena.ofShared()) {
            Matrix a = kind.equals("COSINE") ? cosines(arena, rnd, n, 32) : random(arena, rnd, Kind.valueOf(kind), n, m);
            for (Objective objective : Objective.values())
                for (Route route : Route.values()) {
                    Assignment got = route.solve(a, objective);
                    checkConsistent(a, got);
                    double sign = objective == Objective.MAXIMISE ? -1 : 1;
                    double dual = dualBound(a, sign, got.columnPrices());
                    assertEquals(sign * got.total(), dual, tolerance(a, got), kind + " " + a.shape() + " " + objective + " " + route);
                }
        }
    }

    /**
     * Float64 entries with planted near-ties that float32 rounds away (pairs of rows whose two ways
     * of taking two columns differ by 2e-9 in total, below float32's resolution near 0.9): with
     * the float64 entries as {@link ExactEntries}, the solver must find the float64 optimum that the
     * Hungarian reference finds on them, the same partners and the same total to 1e-12. The dense
     * route is left out: with no pricing rounds the refinement keeps the float32 optimum.
     */
    @ParameterizedTest
    @CsvSource({"120, 120", "301, 301", "90, 140"})
    void refinesNearTiesToTheFloat64Optimum(int n, int m) {
        Random rnd = new Random(n * 17L + m);
        double[][] exact = new double[n][m];
        for (double[] row : exact) for (int j = 0; j < m; j++) row[j] = 0.8 * rnd.nextDouble();
        int[] perm = KnownPermutations.random(rnd, m);
        for (int i = 0; i + 1 < n; i += 2) {   // rows i, i + 1 want columns perm[i], perm[i + 1], one way better by 2e-9
            double x = 0.9 + 0.05 * rnd.nextDouble(), y = 0.9 + 0.05 * rnd.nextDouble();
            exact[i][perm[i]] = x;
            exact[i + 1][perm[i + 1]] = y;
            exact[i][perm[i + 1]] = x - 1e-9;
            exact[i + 1][perm[i]] = y - 1e-9;
            if (rnd.nextBoolean()) {   // the other pairing is the better one
                exact[i][perm[i + 1]] += 2e-9;
                exact[i + 1][perm[i]] += 2e-9;
            }
        }
        try (Arena arena = Arena.ofShared()) {
            Matrix a = Matrix.allocate(arena, n, m);
            for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) a.set(i, j, (float) exact[i][j]);
            ExactEntries entries = new ExactEntries((i, j) -> exact[i][j], 0x1p-24);
            for (Objective objective : Objective.values()) {
                Hungarian.Result reference = Hungarian.solve(exact, objective == Objective.MAXIMISE);
                for (Route route : new Route[] {Route.DEFAULT, Route.NARROW}) {
                    Assignment got = LinearAssignment.solve(a, objective, route.budget, entries);
                    checkConsistent(a, got);
                    String what = a.shape() + " " + objective + " " + route;
                    assertArrayEquals(reference.colOfRow(), got.colOfRow(), what);
                    double total = 0;
                    for (int i = 0; i < n; i++) total += exact[i][got.colOfRow()[i]];
                    assertEquals(reference.total(), total, 1e-12 * n, what);
                }
            }
        }
    }

    @Test void recoversAPlantedPermutation() {
        Random rnd = new Random(5);
        int n = 517;
        int[] perm = KnownPermutations.random(rnd, n);
        try (Arena arena = Arena.ofShared()) {
            Matrix a = Matrix.allocate(arena, n, n);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) a.set(i, j, j == perm[i] ? 0.9f + 0.1f * rnd.nextFloat() : 0.8f * rnd.nextFloat());
            Assignment got = LinearAssignment.solve(a, Objective.MAXIMISE);
            assertArrayEquals(perm, got.colOfRow());
            for (int i = 0; i < n; i++) assertEquals(i, got.rowOfCol()[perm[i]]);
        }
    }

    @Test void smallestShapes() {
        try (Arena arena = Arena.ofShared()) {
            Assignment empty = LinearAssignment.solve(Matrix.allocate(arena, 0, 0), Objective.MINIMISE);
            assertEquals(0, empty.rows());
            assertEquals(0, empty.total());
            Assignment none = LinearAssignment.solve(Matrix.allocate(arena, 0, 3), Objective.MINIMISE);
            assertArrayEquals(new int[] {-1, -1, -1}, none.rowOfCol());
            Assignment one = LinearAssignment.solve(Matrix.of(arena, 1, 1, new float[] {-2.5f}), Objective.MAXIMISE);
            assertArrayEquals(new int[] {0}, one.colOfRow());
            assertEquals(-2.5, one.total());
            Assignment row = LinearAssignment.solve(Matrix.of(arena, 1, 4, new float[] {3, -1, 7, 2}), Objective.MINIMISE);
            assertArrayEquals(new int[] {1}, row.colOfRow());
            assertArrayEquals(new int[] {-1, 0, -1, -1}, row.rowOfCol());
            assertEquals(-1, row.total());
        }
    }

    @Test void refusesMoreRowsThanColumns() {
        try (Arena arena = Arena.ofShared()) {
            var e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(Matrix.allocate(arena, 3, 2), Objective.MINIMISE));
            assertTrue(e.getMessage().contains("3x2"), e.getMessage());
        }
    }

    @Test void refusesNonFiniteEntries() {
        try (Arena arena = Arena.ofShared()) {
            Matrix a = random(arena, new Random(1), Kind.UNIFORM, 4, 5);
            a.set(2, 3, Float.NaN);
            var e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(a, Objective.MAXIMISE));
            assertTrue(e.getMessage().contains("(2, 3)"), e.getMessage());
        }
    }

    @Test void refusesAMatrixOnlyOneThreadMayRead() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = random(arena, new Random(2), Kind.UNIFORM, 300, 300);
            var e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(a, Objective.MINIMISE));
            assertTrue(e.getMessage().contains("Arena.ofShared()"), e.getMessage());
        }
    }

    // ---- checks ----

    private static void checkAgainstExhaustive(Route route, Matrix a, Objective objective, String what) {
        Assignment got = route.solve(a, objective);
        checkConsistent(a, got);
        double best = Exhaustive.optimum(a, objective == Objective.MAXIMISE);
        assertEquals(best, got.total(), tolerance(a, got), what + " " + objective);
    }

    /** colOfRow is injective and agrees with rowOfCol; total is the sum of the chosen entries. */
    static void checkConsistent(Matrix a, Assignment got) {
        assertEquals(a.rows(), got.rows());
        assertEquals(a.cols(), got.cols());
        int taken = 0;
        for (int j = 0; j < a.cols(); j++) if (got.rowOfCol()[j] >= 0) taken++;
        assertEquals(a.rows(), taken, "columns taken");
        double total = 0;
        for (int i = 0; i < a.rows(); i++) {
            int j = got.colOfRow()[i];
            assertEquals(i, got.rowOfCol()[j], "row " + i + " and its column " + j);
            total += a.get(i, j);
        }
        assertEquals(total, got.total(), 1e-9 * (1 + Math.abs(total)));
    }

    /** 1e-9 relative to n plus the magnitude of the chosen entries: float64 sums of the same float32 values in another order. */
    private static double tolerance(Matrix a, Assignment got) {
        double mass = a.rows();
        for (int i = 0; i < a.rows(); i++) mass += Math.abs(a.get(i, got.colOfRow()[i]));
        return 1e-9 * mass;
    }

    /** Σ_i min_j (c_ij − v_j) + (m − n)·min_j(−v_j) + Σ_j v_j for c = sign·a: a lower bound on any assignment's cost. */
    private static double dualBound(Matrix a, double sign, double[] v) {
        int n = a.rows(), m = a.cols();
        double bound = 0;
        for (double p : v) bound += p;
        for (int i = 0; i < n; i++) {
            double u = Double.POSITIVE_INFINITY;
            for (int j = 0; j < m; j++) u = Math.min(u, sign * a.get(i, j) - v[j]);
            bound += u;
        }
        double padding = Double.POSITIVE_INFINITY;
        for (double p : v) padding = Math.min(padding, -p);
        if (n < m) bound += (m - n) * padding;
        return bound;
    }

    // ---- inputs ----

    static Matrix random(Arena arena, Random rnd, Kind kind, int n, int m) {
        Matrix a = Matrix.allocate(arena, n, m);
        float constant = rnd.nextInt(5) - 2;
        float[] rowPart = new float[n], colPart = new float[m];
        for (int i = 0; i < n; i++) rowPart[i] = rnd.nextFloat();
        for (int j = 0; j < m; j++) colPart[j] = rnd.nextFloat();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                a.set(i, j, switch (kind) {
                    case UNIFORM -> 2 * rnd.nextFloat() - 0.5f;
                    case INTEGERS -> rnd.nextInt(4) - 1;
                    case CONSTANT -> constant;
                    case ADDITIVE -> rowPart[i] + colPart[j];
                });
        return a;
    }

    /** Cosines between two sets of n random unit vectors in d dimensions: near zero, low rank, like unrelated dictionaries. */
    static Matrix cosines(Arena arena, Random rnd, int n, int d) {
        double[][] p = unitRows(rnd, n, d), q = unitRows(rnd, n, d);
        Matrix a = Matrix.allocate(arena, n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) s += p[i][c] * q[j][c];
                a.set(i, j, (float) s);
            }
        return a;
    }

    private static double[][] unitRows(Random rnd, int n, int d) {
        double[][] r = new double[n][d];
        for (double[] row : r) {
            double s = 0;
            for (int c = 0; c < d; c++) s += (row[c] = rnd.nextGaussian()) * row[c];
            for (int c = 0; c < d; c++) row[c] /= Math.sqrt(s);
        }
        return r;
    }
}
