package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.data.MatrixSource;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.sae.SaeRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.train.ShuffledFeed;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stitching plan measures LARGE alone in the pass that encodes it for the path: its metrics
 * must be those of a separate encode-decode pass over the same rows, to the last bit (same codes,
 * same float32 x̂, same float64 sums in the same order), with a last batch shorter than the rest.
 */
class StitchingTest {

    private static final int D = 17, N = 150, BATCH = 64;

    @Test void largeAloneIsASecondPassWithoutTheSecondPass() {
        Backend cpu = new CpuBackend(new JavaGemm(), "test");
        try (Arena arena = Arena.ofShared();
             Sae small = SaeReference.random(Architecture.RELU, D, 23, 0, true, 1.25f, 1);
             Sae large = SaeReference.random(Architecture.TOPK, D, 41, 5, false, 0.8f, 2)) {
            MatrixSource source = new MatrixSource(SaeReference.rows(arena, N, D, 3));
            var options = new Stitching.Options(Stitching.Order.RANDOM, BiasRule.EQ5, 0.7, 4, N, BATCH);
            Stitching.StitchResult path = Stitching.plan(cpu, small, large, source, options).walk(step -> {});

            Matrix x = Matrix.allocate(arena, N, D);
            new ShuffledFeed(source, options.seed()).next(x);
            ReconstructionMetrics expected = new ReconstructionMetrics(D);
            try (SaeRunner run = new SaeRunner(cpu, large, BATCH)) {
                for (int from = 0; from < N; from += BATCH) {
                    Matrix rows = x.rows(from, Math.min(BATCH, N - from)), xHat = Matrix.allocate(arena, rows.rows(), D);
                    SparseCodes codes = run.encode(rows);
                    run.decode(codes, xHat);
                    expected.add(rows, xHat, codes.nnz());
                }
            }
            ReconstructionMetrics.Summary want = expected.summary(), got = path.largeAlone();
            assertTrue(want.mse() > 0, "a non-trivial reconstruction");
            assertEquals(want.mse(), got.mse(), 0);
            assertEquals(want.l0(), got.l0(), 0);
            assertEquals(N, got.samples());
            assertEquals(N, path.rows());
            assertEquals(path.plan().size() + 1, path.steps().size());
        }
    }

    @Test void batchesNeverReadMoreRowsThanTheSourceHas() {
        assertEquals(new Batches(4096, 16), Batches.of(65536, 4096, 1 << 24));
        assertEquals(new Batches(1000, 1), Batches.of(65536, 4096, 1000));     // one batch of every row
        assertEquals(new Batches(4096, 2), Batches.of(65536, 4096, 10_000));   // whole batches only
        assertEquals(new Batches(100, 1), Batches.of(100, 4096, 1 << 24));
        assertEquals(new Batches(1, 1), Batches.of(0, 4096, 1 << 24));         // at least one row
        assertEquals(8192, Batches.of(65536, 4096, 10_000).rows());
    }

    /**
     * With the orphans dropped the path has one more step, and it ends at LARGE: every S-latent
     * gone, every L-latent in, bias LARGE's, so its mse is LARGE's own on the same rows (the
     * incremental float64 residuals against LARGE's float32 decode: 1e-5 relative).
     */
    @Test void droppingTheOrphansEndsAtLarge() {
        Backend cpu = new CpuBackend(new JavaGemm(), "test");
        try (Arena arena = Arena.ofShared();
             Sae small = SaeReference.random(Architecture.RELU, D, 23, 0, true, 1.25f, 1);
             Sae large = SaeReference.random(Architecture.TOPK, D, 41, 5, false, 0.8f, 2)) {
            MatrixSource source = new MatrixSource(SaeReference.rows(arena, N, D, 3));
            var paper = new Stitching.Options(Stitching.Order.RANDOM, BiasRule.EQ5, 0.7, 4, N, BATCH);
            var dropping = new Stitching.Options(Stitching.Order.RANDOM, BiasRule.EQ5, 0.7, 4, N, BATCH, true);
            Stitching.StitchResult kept = Stitching.plan(cpu, small, large, source, paper).walk(step -> {});
            Stitching.StitchResult dropped = Stitching.plan(cpu, small, large, source, dropping).walk(step -> {});
            assertTrue(kept.end().width() > large.width(), "random SAEs leave orphans: " + kept.end().width());
            assertEquals(kept.steps().size() + 1, dropped.steps().size());
            assertEquals(kept.end().mse(), dropped.steps().get(dropped.steps().size() - 2).mse(), "the same path up to the drop");
            assertEquals("drop", dropped.end().kind());
            assertEquals(large.width(), dropped.end().width());
            assertEquals(dropped.largeAlone().mse(), dropped.end().mse(), 1e-5 * dropped.largeAlone().mse());
        }
    }
}
