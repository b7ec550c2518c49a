package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.CompositeSaeRunner;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.testkit.Vectors;
import dev.saestitch.train.BatchFeed;
import dev.saestitch.sae.SaeRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The incremental stitching path against every hybrid rebuilt from scratch as a composite SAE:
 * at each step, the composite's codes on the same rows and x̂ = Σ f W + b summed in float64 from
 * its float32 decoder give the sse; the path must agree to 1e-9 relative (both are float64 sums of
 * the same float32 numbers; the path's running sse drifts by rounding only), its l0 and width
 * exactly, and the composite's own float32 x̂ to 1e-5. Both bias rules; eq. 5 moves the bias at
 * every step, so the bias-shift identity is exercised each time. S is a centred ReLU SAE with
 * input scale 1.25, L an uncentred TopK SAE with input scale 0.8, whose decoder has children of
 * S-latents (families) and unrelated rows (novel latents).
 */
class StitchPathTest {

    private static final int D = 19, FS = 23, FL = 41, N = 150, BATCH = 64;
    private static final Backend CPU = new CpuBackend(new JavaGemm(), "test");

    private static Arena arena;
    private static Sae small, large;
    private static Matrix x;
    private static LatentCodes smallCodes, largeCodes;
    private static Families families;

    @BeforeAll static void planted() {
        arena = Arena.ofShared();
        small = SaeReference.random(Architecture.RELU, D, FS, 0, true, 1.25f, 41);
        large = SaeReference.random(Architecture.TOPK, D, FL, 6, false, 0.8f, 42);
        Random rnd = new Random(43);
        // S-latents 0 and 1 are close to each other, so that a family can hold two S-latents
        Vectors.setRow(small.wDec(), 1, Vectors.scaled(TestData.atCosine(rnd, Vectors.unit(Vectors.row(small.wDec(), 0)), 0.9), 1.1));
        for (int j = 0; j < 24; j++) {   // children of S-latents 0..11 (two each), the rest stay random: novel
            double[] parent = Vectors.unit(Vectors.row(small.wDec(), j % 12));
            Vectors.setRow(large.wDec(), j, Vectors.scaled(TestData.atCosine(rnd, parent, 0.82 + 0.15 * rnd.nextDouble()), 0.5 + rnd.nextDouble()));
        }
        x = SaeReference.rows(arena, N, D, 44);
        try (SaeRunner s = new SaeRunner(CPU, small, BATCH); SaeRunner l = new SaeRunner(CPU, large, BATCH)) {
            smallCodes = LatentCodes.encode(s, x, BATCH);
            largeCodes = LatentCodes.encode(l, x, BATCH);
        }
        families = Families.of(DictionaryComparison.compare(CPU, large.wDec(), small.wDec()));
    }

    @AfterAll static void free() {
        small.close();
        large.close();
        arena.close();
    }

    @ParameterizedTest
    @EnumSource(BiasRule.class)
    void incrementalPathEqualsEveryHybridFromScratch(BiasRule rule) {
        assertTrue(families.families().size() >= 6, families.families().size() + " families");
        assertTrue(families.families().stream().anyMatch(f -> f.small().length >= 2), "a family with two S-latents");
        assertTrue(families.isolatedLarge().length >= 8, families.isolatedLarge().length + " latents to add");
        StitchPlan plan = StitchPlan.of(families, StitchPlan.randomOrder(families.isolatedLarge(), 5), FS);
        List<StitchPath.Step> steps = StitchPath.walk(new StitchPath(x, small, smallCodes, large, largeCodes, rule), plan, step -> {});
        assertEquals(plan.size() + 1, steps.size());
        assertEquals("start", steps.getFirst().kind());
        for (int n = 0; n <= plan.size(); n++) {
            StitchPath.Step step = steps.get(n);
            assertEquals(n, step.step());
            StitchPlan.Hybrid h = plan.hybridAt(n);
            try (CompositeSae c = StitchPath.hybrid(small, large, h, rule);
                 CompositeSaeRunner runner = new CompositeSaeRunner(CPU, c, BATCH)) {
                double sse = 0, sse32 = 0;
                long nnz = 0;
                Matrix xHat = Matrix.allocate(arena, BATCH, D);
                for (int from = 0; from < N; from += BATCH) {
                    int b = Math.min(BATCH, N - from);
                    SparseCodes codes = runner.encode(x.rows(from, b));
                    nnz += codes.nnz();
                    for (int r = 0; r < b; r++) {
                        double[] rec = new double[D];
                        for (int c2 = 0; c2 < D; c2++) rec[c2] = c.bDec().get(0, c2);
                        for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++)
                            for (int c2 = 0; c2 < D; c2++) rec[c2] += (double) codes.value(e) * c.wDec().get(codes.index(e), c2);
                        for (int c2 = 0; c2 < D; c2++) sse += Math.pow(x.get(from + r, c2) - rec[c2], 2);
                    }
                    runner.decode(codes, xHat.rows(0, b));
                    for (int r = 0; r < b; r++) for (int c2 = 0; c2 < D; c2++) sse32 += Math.pow(x.get(from + r, c2) - xHat.get(r, c2), 2);
                }
                double mse = sse / ((double) N * D);
                assertEquals(mse, step.mse(), 1e-9 * mse, "step " + n + " (" + step.kind() + ") mse");
                assertEquals(sse32 / ((double) N * D), step.mse(), 1e-5 * mse, "step " + n + " float32 composite");
                assertEquals((double) nnz / N, step.l0(), 0, "step " + n + " l0");
                assertEquals(h.width(), step.width());
                assertEquals(c.width(), step.width());
            }
        }
        int adds = families.isolatedLarge().length;
        for (int n = 1; n <= plan.size(); n++) assertEquals(n <= adds ? "add" : "swap", steps.get(n).kind());
        assertArrayEquals(families.isolatedSmall(), plan.hybridAt(plan.size()).small(), "only S-latents without an edge remain");
        assertEquals(FL, plan.hybridAt(plan.size()).large().length, "every L-latent is added or swapped in");
    }

    @Test void additionDeltaMseIsAddingEachLatentAloneToSmall() {
        StitchPath path = new StitchPath(x, small, smallCodes, large, largeCodes, BiasRule.EQ5);
        double[] got = path.largeAdditionDeltaMse();
        // x̂_S in float64 from S's codes, W/σ and b/σ: the float32 numbers a hybrid holds (float division)
        double[][] fs = dense(smallCodes), fl = dense(largeCodes);
        float s = small.inputScale(), l = large.inputScale();
        double[][] r = new double[N][D];
        for (int b = 0; b < N; b++)
            for (int c = 0; c < D; c++) {
                double rec = small.bDec().get(0, c) / s;
                for (int i = 0; i < FS; i++) rec += fs[b][i] * (small.wDec().get(i, c) / s);
                r[b][c] = x.get(b, c) - rec;
            }
        double[] want = new double[FL], scale = new double[FL];
        for (int j = 0; j < FL; j++) {
            for (int b = 0; b < N; b++) {
                if (fl[b][j] == 0) continue;
                double before = 0, after = 0;
                for (int c = 0; c < D; c++) {
                    double add = fl[b][j] * (large.wDec().get(j, c) / l);
                    before += r[b][c] * r[b][c];
                    after += (r[b][c] - add) * (r[b][c] - add);
                }
                want[j] += (after - before) / (N * D);
                scale[j] += (after + before) / (N * D);
            }
            assertEquals(want[j], got[j], 1e-10 * scale[j] + 1e-300, "latent " + j);
        }
        // the one-pass DeltaMse of the compare command on the same rows, float32 residuals: 1e-5 of the magnitudes
        LatentClasses classes = LatentClasses.of(DictionaryComparison.compare(CPU, large.wDec(), small.wDec()));
        AdditionScan.Result scan = AdditionScan.run(CPU, small, large, classes.novelMask(), new RowsFeed(x), (N + BATCH - 1) / BATCH, BATCH, n -> {});
        // the feed wraps around: the scan saw ceil(N / B)·B rows, the first ones twice
        assertEquals((long) (N + BATCH - 1) / BATCH * BATCH, scan.samples());
        double[] onePass = scan.deltaMse();
        int rows = (int) scan.samples();
        for (int j = 0; j < FL; j++) {
            double again = 0, againScale = 0;
            for (int b = 0; b < rows - N; b++) {   // the rows seen twice
                if (fl[b][j] == 0) continue;
                double before = 0, after = 0;
                for (int c = 0; c < D; c++) {
                    double add = fl[b][j] * (large.wDec().get(j, c) / l);
                    before += r[b][c] * r[b][c];
                    after += (r[b][c] - add) * (r[b][c] - add);
                }
                again += after - before;
                againScale += after + before;
            }
            double sum = want[j] * N * D + again;
            assertEquals(sum / ((double) rows * D), onePass[j], 1e-5 * (scale[j] * N * D + againScale) / ((double) rows * D) + 1e-300, "one-pass latent " + j);
        }
        AdditionTable t = AdditionTable.of(onePass, classes);
        assertEquals(FL, t.novelDecrease() + t.novelIncrease() + t.novelUnchanged() + t.reconstructionDecrease() + t.reconstructionIncrease() + t.reconstructionUnchanged());
        assertEquals(classes.novelCount(), t.novelDecrease() + t.novelIncrease() + t.novelUnchanged());
    }

    @Test void planAddsInTheGivenOrderThenSwapsByMeanCosine() {
        int[] order = StitchPlan.randomOrder(families.isolatedLarge(), 9);
        assertArrayEquals(order, StitchPlan.randomOrder(families.isolatedLarge(), 9), "seeded");
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        assertArrayEquals(families.isolatedLarge(), sorted, "a permutation");
        assertFalse(Arrays.equals(order, families.isolatedLarge()), "shuffled");
        StitchPlan plan = StitchPlan.of(families, order, FS);
        for (int i = 0; i < order.length; i++) {
            StitchPlan.Move m = plan.moves().get(i);
            assertEquals(StitchPlan.Kind.ADD, m.kind());
            assertArrayEquals(new int[] {order[i]}, m.addLarge());
        }
        double previous = Double.POSITIVE_INFINITY;
        boolean[] seen = new boolean[families.families().size()];
        for (StitchPlan.Move m : plan.moves().subList(order.length, plan.size())) {
            assertEquals(StitchPlan.Kind.SWAP, m.kind());
            Families.Family f = families.families().get(m.family());
            assertTrue(f.meanCosine() <= previous);
            previous = f.meanCosine();
            assertArrayEquals(f.small(), m.removeSmall());
            assertArrayEquals(f.large(), m.addLarge());
            seen[m.family()] = true;
        }
        for (boolean b : seen) assertTrue(b, "every family is swapped once");
        assertArrayEquals(java.util.stream.IntStream.range(0, FS).toArray(), plan.hybridAt(0).small());
        assertEquals(0, plan.hybridAt(0).large().length);
        assertArrayEquals(Arrays.copyOf(order, 3), plan.hybridAt(3).large());
        assertThrows(IllegalArgumentException.class, () -> StitchPlan.of(families, Arrays.copyOf(order, order.length - 1), FS));
        assertThrows(IllegalArgumentException.class, () -> plan.hybridAt(plan.size() + 1));

        double[] delta = new double[FL];
        for (int j = 0; j < FL; j++) delta[j] = Math.sin(j * 1.7);
        int[] byDelta = StitchPlan.byDeltaMse(families.isolatedLarge(), delta);
        for (int i = 1; i < byDelta.length; i++) assertTrue(delta[byDelta[i - 1]] <= delta[byDelta[i]]);
    }

    @Test void latentCodesHoldEveryCodeByLatent() {
        double[][] f = dense(smallCodes);
        SaeReference.Codes ref = SaeReference.codes(small, x);
        assertTrue(ref.margin() > 2e-5, "test data too close to a decision boundary: " + ref.margin());
        long nnz = 0;
        for (int b = 0; b < N; b++)
            for (int i = 0; i < FS; i++) {
                assertEquals(ref.f()[b][i], f[b][i], 1e-5 * Math.max(1, Math.abs(ref.f()[b][i])));
                if (ref.f()[b][i] != 0) nnz++;
            }
        assertEquals(nnz, smallCodes.nnz());
        for (int i = 0; i < FS; i++)
            for (int p = smallCodes.start(i) + 1; p < smallCodes.start(i) + smallCodes.count(i); p++)
                assertTrue(smallCodes.row(p - 1) < smallCodes.row(p), "rows ascending within a latent");
    }

    /** (N, F) codes from their by-latent form. */
    private static double[][] dense(LatentCodes codes) {
        double[][] f = new double[codes.rows()][codes.latents()];
        for (int i = 0; i < codes.latents(); i++)
            for (int p = codes.start(i); p < codes.start(i) + codes.count(i); p++) f[codes.row(p)][i] = codes.value(p);
        return f;
    }

    /** The rows of a host matrix in order, wrapping around. */
    private static final class RowsFeed implements BatchFeed {
        private final Matrix rows;
        private int next;
        RowsFeed(Matrix rows) { this.rows = rows; }
        @Override public int dim() { return rows.cols(); }
        @Override public void next(Matrix batch) {
            for (int r = 0; r < batch.rows(); r++, next = (next + 1) % rows.rows())
                for (int c = 0; c < rows.cols(); c++) batch.set(r, c, rows.get(next, c));
        }
        @Override public long[] position() { return new long[] {next}; }
        @Override public void seek(long[] position) { next = (int) position[0]; }
    }
}
