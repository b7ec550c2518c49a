package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.data.MatrixSource;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSaeRunner;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.train.ShuffledFeed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Retraining every stage of a two-source merged SAE (a TopK and a ReLU source, D = 17) from one
 * stream of N = 600 rows:
 * <ul>
 *   <li>exact, one epoch: each stage's decoder equals the dense float64 least-squares solution over
 *       the same rows (codes from the composite runner, normal equations by Gaussian elimination),
 *       within 1e-6 of the largest entry;</li>
 *   <li>Adam: its mse on the rows is never below the exact optimum's, and it closes at least 95%
 *       of the gap between the merged decoder and the optimum;</li>
 *   <li>none: the starting decoders unchanged.</li>
 * </ul>
 */
class DecoderRetrainingTest {

    private static final int D = 17, N = 600;
    private static final Backend CPU = new CpuBackend(new JavaGemm(), "test");
    private static Arena arena;
    private static Sae topK, relu;
    private static MatrixSource rows;
    private static CompositeSae first, last;   // stage 0: 9 latents of the TopK SAE; stage 1: + 11 of the ReLU SAE

    @BeforeAll
    static void setUp() {
        arena = Arena.ofShared();
        topK = SaeReference.random(Architecture.TOPK, D, 13, 3, true, 1.2f, 1);
        relu = SaeReference.random(Architecture.RELU, D, 15, 0, false, 1f, 2);
        rows = new MatrixSource(SaeReference.rows(arena, N, D, 3));
        CompositeSae.Source a = new CompositeSae.Source(topK, new int[] {0, 2, 3, 5, 6, 7, 9, 11, 12});
        CompositeSae.Source b = new CompositeSae.Source(relu, new int[] {14, 1, 3, 4, 6, 7, 8, 9, 10, 12, 13});
        first = CompositeSae.of(List.of(a), CompositeSae.BiasRule.EQ5);
        last = CompositeSae.of(List.of(a, b), CompositeSae.BiasRule.EQ5);
    }

    @AfterAll
    static void tearDown() {
        first.close();
        last.close();
        topK.close();
        relu.close();
        arena.close();
    }

    private static List<Decoder> starts() {
        return List.of(new Decoder(first.wDec(), first.bDec()), new Decoder(last.wDec(), last.bDec()));
    }

    /** (N, F+1) the last stage's codes of every row, with a constant 1 last. */
    private static double[][] designMatrix() {
        int f = last.width();
        double[][] a = new double[N][f + 1];
        try (CompositeSaeRunner runner = new CompositeSaeRunner(CPU, last, N)) {
            SparseCodes codes = runner.encode(rows.x());
            for (int r = 0; r < N; r++) {
                for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) a[r][codes.index(e)] = codes.value(e);
                a[r][f] = 1;
            }
        }
        return a;
    }

    /** The least-squares decoder of the first {@code p} latents, dense in float64: rows 0..p−1 then the bias. */
    private static double[][] leastSquares(double[][] a, int p) {
        int f = last.width();
        double[][] g = new double[p + 1][p + 1], c = new double[p + 1][D];
        for (int r = 0; r < N; r++) {
            double[] v = new double[p + 1];
            for (int i = 0; i < p; i++) v[i] = a[r][i];
            v[p] = a[r][f];
            for (int i = 0; i <= p; i++) {
                for (int j = 0; j <= p; j++) g[i][j] += v[i] * v[j];
                for (int col = 0; col < D; col++) c[i][col] += v[i] * rows.x().get(r, col);
            }
        }
        return GaussianElimination.solve(g, c);
    }

    /** mse over the rows of the first {@code p} latents' decoder, in float64. */
    private static double mse(double[][] a, int p, Matrix w, Matrix b) {
        double sum = 0;
        for (int r = 0; r < N; r++)
            for (int col = 0; col < D; col++) {
                double xh = b.get(0, col);
                for (int i = 0; i < p; i++) xh += a[r][i] * w.get(i, col);
                double e = rows.x().get(r, col) - xh;
                sum += e * e;
            }
        return sum / ((double) N * D);
    }

    private static List<Decoder> retrain(DecoderRetraining.Method method, long tokens, int batch, double lr) {
        var options = new DecoderRetraining.Options(method, tokens, batch, lr, 0);
        List<Long> seen = new ArrayList<>();
        List<Decoder> out = DecoderRetraining.run(CPU, last, starts(), new ShuffledFeed(rows, 4), options, seen::add, arena);
        assertEquals(method == DecoderRetraining.Method.NONE ? 0 : tokens / batch * batch, seen.isEmpty() ? 0 : seen.getLast());
        return out;
    }

    @Test
    void exactRetrainingOfEveryStageIsTheDenseLeastSquaresSolution() {
        double[][] a = designMatrix();
        for (int i = 0; i < last.width(); i++) {
            boolean fired = false;
            for (double[] row : a) fired |= row[i] != 0;
            assertTrue(fired, "latent " + i + " fires somewhere (ridge 0 needs it)");
        }
        List<Decoder> got = retrain(DecoderRetraining.Method.EXACT, N, 120, 1e-3);   // one epoch: every row once
        int[] widths = {first.width(), last.width()};
        for (int s = 0; s < 2; s++) {
            double[][] want = leastSquares(a, widths[s]);
            double scale = 0;
            for (double[] row : want) for (double v : row) scale = Math.max(scale, Math.abs(v));
            Decoder d = got.get(s);
            assertEquals(widths[s], d.width());
            for (int i = 0; i < widths[s]; i++)
                for (int col = 0; col < D; col++) assertEquals(want[i][col], d.wDec().get(i, col), 1e-6 * scale, "stage " + s + " W[" + i + "][" + col + "]");
            for (int col = 0; col < D; col++) assertEquals(want[widths[s]][col], d.bDec().get(0, col), 1e-6 * scale, "stage " + s + " b[" + col + "]");
        }
    }

    @Test
    void adamApproachesTheOptimumFromAbove() {
        double[][] a = designMatrix();
        List<Decoder> exact = retrain(DecoderRetraining.Method.EXACT, N, 120, 1e-3);
        List<Decoder> adam = retrain(DecoderRetraining.Method.ADAM, 60L * N, 60, 3e-3);
        int[] widths = {first.width(), last.width()};
        for (int s = 0; s < 2; s++) {
            double optimum = mse(a, widths[s], exact.get(s).wDec(), exact.get(s).bDec());
            double start = mse(a, widths[s], starts().get(s).wDec(), starts().get(s).bDec());
            double fitted = mse(a, widths[s], adam.get(s).wDec(), adam.get(s).bDec());
            assertTrue(fitted >= optimum * (1 - 1e-6), "stage " + s + ": Adam " + fitted + " below the optimum " + optimum);
            assertTrue(fitted - optimum <= 0.05 * (start - optimum),
                    "stage " + s + ": Adam " + fitted + " closes too little of the gap from " + start + " to " + optimum);
        }
    }

    @Test
    void noneKeepsTheStartingDecoders() {
        List<Decoder> got = retrain(DecoderRetraining.Method.NONE, 0, 10, 1e-3);
        for (int s = 0; s < 2; s++) {
            assertArrayEquals(starts().get(s).wDec().toArray(), got.get(s).wDec().toArray());
            assertArrayEquals(starts().get(s).bDec().toArray(), got.get(s).bDec().toArray());
        }
    }

    @Test
    void refusesStagesThatAreNotPrefixes() {
        var options = new DecoderRetraining.Options(DecoderRetraining.Method.EXACT, N, 100, 1e-3, 0);
        List<Decoder> wrongOrder = List.of(starts().get(1), starts().get(0));
        assertThrows(IllegalArgumentException.class, () -> DecoderRetraining.run(CPU, last, wrongOrder, new ShuffledFeed(rows, 1), options, null, arena));
        assertThrows(InputException.class, () -> new DecoderRetraining.Options(DecoderRetraining.Method.ADAM, 5, 10, 1e-3, 0));
        assertThrows(InputException.class, () -> DecoderRetraining.Method.parse("sgd"));
    }
}
