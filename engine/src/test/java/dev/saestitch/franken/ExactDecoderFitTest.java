package dev.saestitch.franken;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The exact decoder fit against an independent dense float64 computation on random sparse codes
 * of odd sizes: A = [F | 1] (N, F+1) written out densely, G = AᵀA and C = AᵀX by plain loops,
 * and the normal equations solved by Gaussian elimination with partial pivoting.
 * <ul>
 *   <li>{@link SparseGram}: every entry of G and C within 1e-13 of the sum of the absolute terms
 *       (only the order of the float64 additions differs), over two batches; each stage's
 *       system is the leading block of G with the constant moved last;</li>
 *   <li>{@link NormalEquations#solve}: within 1e-6 of the largest entry of the dense solution
 *       (the result is rounded once to float32, 6e-8 relative; G is well conditioned here);
 *       a latent that never fired keeps its starting row (to float32 rounding) and every other
 *       row is the dense solution of (G + λI)W = C + λW₀; ridge 0 on a singular G is refused.</li>
 * </ul>
 */
class ExactDecoderFitTest {

    private record Batch(SparseCodes codes, Matrix x, double[][] dense) {}

    /**
     * Random codes over {@code f} latents, rows with 0 to {@code maxActive} distinct latents in random
     * order (never {@code silent}), values in [0.05, 3); x with an offset so the bias matters.
     */
    private static Batch batch(Arena arena, SplittableRandom rnd, int n, int f, int d, int maxActive, int silent) {
        SparseCodes codes = new SparseCodes(n, f, 1);
        List<int[]> rows = new ArrayList<>();
        long nnz = 0;
        for (int r = 0; r < n; r++) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < f; i++) if (i != silent) all.add(i);
            Collections.shuffle(all, new java.util.Random(rnd.nextLong()));
            int[] pick = all.subList(0, rnd.nextInt(maxActive + 1)).stream().mapToInt(Integer::intValue).toArray();
            rows.add(pick);
            nnz += pick.length;
        }
        codes.reset(n, nnz);
        double[][] dense = new double[n][f + 1];
        int e = 0;
        for (int r = 0; r < n; r++) {
            codes.setRowStart(r, e);
            for (int i : rows.get(r)) {
                float v = (float) (0.05 + 2.95 * rnd.nextDouble());
                codes.setIndex(e, i);
                codes.setValue(e++, v);
                dense[r][i] = v;
            }
            dense[r][f] = 1;
        }
        codes.setRowStart(n, e);
        Matrix x = Matrix.allocate(arena, n, d);
        for (int r = 0; r < n; r++) for (int c = 0; c < d; c++) x.set(r, c, (float) (0.3 * c - 1 + rnd.nextGaussian()));
        return new Batch(codes, x, dense);
    }

    /** G = AᵀA, C = AᵀX and the per-entry sums of |terms|, over the batches. */
    private record Dense(double[][] g, double[][] c, double[][] gAbs, double[][] cAbs) {
        static Dense of(List<Batch> batches, int f, int d) {
            double[][] g = new double[f + 1][f + 1], c = new double[f + 1][d], ga = new double[f + 1][f + 1], ca = new double[f + 1][d];
            for (Batch b : batches)
                for (int r = 0; r < b.dense().length; r++) {
                    double[] a = b.dense()[r];
                    for (int i = 0; i <= f; i++) {
                        for (int j = 0; j <= f; j++) { g[i][j] += a[i] * a[j]; ga[i][j] += Math.abs(a[i] * a[j]); }
                        for (int col = 0; col < d; col++) { double t = a[i] * b.x().get(r, col); c[i][col] += t; ca[i][col] += Math.abs(t); }
                    }
                }
            return new Dense(g, c, ga, ca);
        }
    }

    @Test
    void gramAndCrossProductsEqualTheDenseSums() {
        int f = 37, d = 13;
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            List<Batch> batches = List.of(batch(arena, rnd, 97, f, d, 9, 5), batch(arena, rnd, 114, f, d, 9, 5));
            SparseGram gram = new SparseGram(f, d);
            for (Batch b : batches) gram.add(b.codes(), b.x());
            assertEquals(211, gram.samples());
            Dense ref = Dense.of(batches, f, d);
            for (int i = 0; i <= f; i++) {
                for (int j = 0; j <= f; j++)
                    assertEquals(ref.g()[i][j], gram.gram(i, j), 1e-13 * ref.gAbs()[i][j] + 1e-300, "G[" + i + "][" + j + "]");
                for (int col = 0; col < d; col++)
                    assertEquals(ref.c()[i][col], gram.cross(i, col), 1e-13 * ref.cAbs()[i][col] + 1e-300, "C[" + i + "][" + col + "]");
            }
            assertEquals(0, gram.gram(5, 5), "a latent that never fired");
            NormalEquations stage = gram.system(20);   // latents 0..19, then the constant
            assertEquals(20, stage.latents());
            for (int i = 0; i <= 20; i++) {
                int gi = i == 20 ? f : i;
                for (int j = 0; j <= 20; j++) assertEquals(gram.gram(gi, j == 20 ? f : j), stage.gram()[i][j], 0.0);
                for (int col = 0; col < d; col++) assertEquals(gram.cross(gi, col), stage.rhs()[i][col], 0.0);
            }
            for (Batch b : batches) b.codes().close();
        }
    }

    @Test
    void refusesALatentTwiceInARow() {
        try (Arena arena = Arena.ofShared(); SparseCodes codes = new SparseCodes(1, 4, 2)) {
            codes.reset(1, 2);
            codes.setRowStart(0, 0);
            codes.setIndex(0, 2);
            codes.setValue(0, 1f);
            codes.setIndex(1, 2);
            codes.setValue(1, 2f);
            codes.setRowStart(1, 2);
            Matrix x = Matrix.allocate(arena, 1, 3);
            x.fill(1f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparseGram(4, 3).add(codes, x));
            assertTrue(e.getMessage().contains("twice"), e.getMessage());
        }
    }

    @Test
    void solutionEqualsTheDenseNormalEquations() {
        int f = 23, d = 11;
        SplittableRandom rnd = new SplittableRandom(8);
        try (Arena arena = Arena.ofShared()) {
            List<Batch> batches = List.of(batch(arena, rnd, 401, f, d, 8, -1));
            SparseGram gram = new SparseGram(f, d);
            gram.add(batches.getFirst().codes(), batches.getFirst().x());
            Dense ref = Dense.of(batches, f, d);
            Decoder start = randomDecoder(arena, rnd, f, d);
            Decoder got = gram.system(f).solve(start, 0, arena);
            double[][] want = GaussianElimination.solve(ref.g(), ref.c());
            assertClose(want, got, f, d);
            batches.getFirst().codes().close();
        }
    }

    @Test
    void neverFiredLatentKeepsItsRowAndTheRidgePullsTowardsTheStart() {
        int f = 19, d = 7, silent = 4;
        SplittableRandom rnd = new SplittableRandom(21);
        try (Arena arena = Arena.ofShared()) {
            List<Batch> batches = List.of(batch(arena, rnd, 173, f, d, 6, silent));
            SparseGram gram = new SparseGram(f, d);
            gram.add(batches.getFirst().codes(), batches.getFirst().x());
            Decoder start = randomDecoder(arena, rnd, f, d);
            IllegalStateException singular = assertThrows(IllegalStateException.class, () -> gram.system(f).solve(start, 0, arena));
            assertTrue(singular.getMessage().contains("singular"), singular.getMessage());

            double ridge = 1e-3;   // large enough that a wrong ridge would show
            Decoder got = gram.system(f).solve(start, ridge, arena);
            Dense ref = Dense.of(batches, f, d);
            double trace = 0;
            for (int i = 0; i <= f; i++) trace += ref.g()[i][i];
            double lambda = ridge * trace / (f + 1);
            double[][] g = new double[f + 1][], c = new double[f + 1][d];
            for (int i = 0; i <= f; i++) {
                g[i] = ref.g()[i].clone();
                g[i][i] += lambda;
                for (int col = 0; col < d; col++)
                    c[i][col] = ref.c()[i][col] + lambda * (i < f ? start.wDec().get(i, col) : start.bDec().get(0, col));
            }
            assertClose(GaussianElimination.solve(g, c), got, f, d);
            for (int col = 0; col < d; col++)
                assertEquals(start.wDec().get(silent, col), got.wDec().get(silent, col), 1e-6 * Math.abs(start.wDec().get(silent, col)),
                        "the silent latent keeps its row");
            Decoder tiny = gram.system(f).solve(start, NormalEquations.DEFAULT_RIDGE, arena);
            for (int col = 0; col < d; col++)
                assertEquals(start.wDec().get(silent, col), tiny.wDec().get(silent, col), 1e-6 * Math.abs(start.wDec().get(silent, col)));
            batches.getFirst().codes().close();
        }
    }

    private static Decoder randomDecoder(Arena arena, SplittableRandom rnd, int f, int d) {
        Matrix w = Matrix.allocate(arena, f, d), b = Matrix.allocate(arena, 1, d);
        for (long i = 0; i < w.size(); i++) w.setFlat(i, (float) rnd.nextGaussian());
        for (int c = 0; c < d; c++) b.set(0, c, (float) rnd.nextGaussian());
        return new Decoder(w, b);
    }

    /** Rows 0..F−1 of {@code want} against W, row F against b, within 1e-6 of the largest |entry|. */
    private static void assertClose(double[][] want, Decoder got, int f, int d) {
        double scale = 0;
        for (double[] row : want) for (double v : row) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < f; i++) for (int c = 0; c < d; c++) assertEquals(want[i][c], got.wDec().get(i, c), 1e-6 * scale, "W[" + i + "][" + c + "]");
        for (int c = 0; c < d; c++) assertEquals(want[f][c], got.bDec().get(0, c), 1e-6 * scale, "b[" + c + "]");
    }
}
