package dev.saestitch.franken;

import dev.saestitch.tensor.Matrix;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The normal equations G·[W; bᵀ] = C of a decoder fit with frozen codes (see {@link SparseGram}),
 * dense, in float64, the constant (bias) last, and their solution.
 *
 * <p>G is singular when a latent never fired on the fitted rows (its row and column are zero)
 * and ill-conditioned when one fired only a few times. Both are handled by one ridge pulled
 * towards the decoder the merge started from, W₀ (the sources' own rows, and b₀):
 *
 * <pre>  (G + λI)·[W; bᵀ] = C + λ·[W₀; b₀ᵀ],   λ = ridge · trace(G)/(F+1)</pre>
 *
 * so a latent that never fired keeps its old decoder row exactly, a rarely firing one is drawn
 * towards it, and a well-determined one moves by a relative O(λ/G_ii), far below float32
 * rounding at the default {@link #DEFAULT_RIDGE}.
 *
 * <p>Solved by Cholesky factorisation from Apache Commons Math ({@code org.apache.commons.math3.linear}):
 * a maintained, tested library already on the engine's classpath, whose factorisation loops
 * over contiguous rows of {@code double[][]} (F³/6 multiply-adds, single-threaded; the JMH
 * benchmark FrankenBench times F = 2048 and 4096). G + λI is symmetric positive definite, so
 * Cholesky is the stable choice and needs no pivoting. (LAPACK's dposv through the OpenBLAS
 * natives would be multithreaded, but needs bindings this project does not have yet.)
 *
 * @param gram    (F+1, F+1) G, symmetric, both triangles filled
 * @param rhs     (F+1, D) C
 * @param samples N, the rows the sums ran over
 */
public record NormalEquations(double[][] gram, double[][] rhs, long samples) {

    /** λ relative to the mean diagonal of G: a never-fired latent gets λ, a typical one a 1e-9 nudge. */
    public static final double DEFAULT_RIDGE = 1e-9;

    public NormalEquations {
        int n = gram.length;
        if (n < 2 || rhs.length != n) throw new IllegalArgumentException("normal equations of " + n + " unknowns with " + rhs.length + " right-hand rows");
    }

    /** F, the latents (one less than the unknowns). */
    public int latents() { return gram.length - 1; }

    public int dim() { return rhs[0].length; }

    /**
     * The ridge-regularised least-squares decoder, rounded once to float32.
     * @param start the decoder the fit starts from, W₀ (F, D) and b₀ (1, D): where the ridge pulls
     * @param ridge λ relative to trace(G)/(F+1), ≥ 0 (0 only when G itself is positive definite)
     * @param arena owns the returned matrices
     * @throws IllegalStateException when the factorisation meets a non-positive pivot (G singular with ridge 0)
     */
    public Decoder solve(Decoder start, double ridge, Arena arena) {
        int f = latents(), d = dim();
        if (start.width() != f || start.dIn() != d)
            throw new IllegalArgumentException("starting decoder " + start.wDec().shape() + " for normal equations of " + f + " latents on dimension " + d);
        if (!(ridge >= 0 && Double.isFinite(ridge))) throw new IllegalArgumentException("ridge must be finite and non-negative, got " + ridge);
        double trace = 0;
        for (int i = 0; i <= f; i++) trace += gram[i][i];
        double lambda = ridge * trace / (f + 1);
        double[][] a = new double[f + 1][], b = new double[f + 1][d];
        for (int i = 0; i <= f; i++) {
            a[i] = gram[i].clone();
            a[i][i] += lambda;
            Matrix w0 = i < f ? start.wDec() : start.bDec();
            int row = i < f ? i : 0;
            for (int c = 0; c < d; c++) b[i][c] = rhs[i][c] + lambda * w0.get(row, c);
        }
        DecompositionSolver solver;
        try {
            solver = new CholeskyDecomposition(new Array2DRowRealMatrix(a, false),
                    CholeskyDecomposition.DEFAULT_RELATIVE_SYMMETRY_THRESHOLD, 0).getSolver();
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalStateException("the normal equations of " + f + " latents over " + samples + " samples are singular"
                    + (lambda == 0 ? " (ridge 0: a latent never fired, or two always fire together in proportion)" : " even with ridge " + lambda), e);
        }
        double[][] x = solveByColumnBlocks(solver, b);
        Matrix w = Matrix.allocate(arena, f, d), bias = Matrix.allocate(arena, 1, d);
        for (int i = 0; i < f; i++) for (int c = 0; c < d; c++) w.set(i, c, (float) x[i][c]);
        for (int c = 0; c < d; c++) bias.set(0, c, (float) x[f][c]);
        return new Decoder(w, bias);
    }

    /**
     * The triangular solves for the D right-hand sides cost (F+1)²·D multiply-adds, as much as the
     * factorisation itself at D ≈ F/6; the columns are independent, so blocks of them are solved
     * in parallel (the solver only reads the factor).
     */
    private static double[][] solveByColumnBlocks(DecompositionSolver solver, double[][] b) {
        int n = b.length, d = b[0].length;
        int blocks = Math.max(1, Math.min(d / 8, 4 * Runtime.getRuntime().availableProcessors()));
        double[][] x = new double[n][d];
        IntStream.range(0, blocks).parallel().forEach(k -> {
            int c0 = d * k / blocks, c1 = d * (k + 1) / blocks;
            double[][] part = new double[n][];
            for (int i = 0; i < n; i++) part[i] = Arrays.copyOfRange(b[i], c0, c1);
            RealMatrix sol = solver.solve(new Array2DRowRealMatrix(part, false));
            for (int i = 0; i < n; i++) for (int c = c0; c < c1; c++) x[i][c] = sol.getEntry(i, c - c0);
        });
        return x;
    }
}
