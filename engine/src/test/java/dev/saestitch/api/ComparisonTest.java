package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.data.MatrixSource;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.testkit.TestBackends;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * compare takes composites: a composite that keeps every latent of one SAE computes that SAE's
 * function (its rows in the data's units, W_dec/σ and b_dec/σ), so comparing it must give what
 * comparing the SAE gives. Input scales ≠ 1 and centring make a mix-up of units show; the only
 * difference allowed is float32 rounding of (f·W + b)/σ against f·(W/σ) + b/σ: Δmse to 1e-4 of
 * its largest magnitude, the counts exactly.
 */
class ComparisonTest {

    private static final int D = 19, N = 300, BATCH = 64;

    @Test void aCompositeOfOneSaesLatentsComparesAsThatSae() {
        Backend cpu = new CpuBackend(new JavaGemm(), "test");
        try (Arena arena = Arena.ofShared();
             Sae small = SaeReference.random(Architecture.RELU, D, 23, 0, true, 1.25f, 1);
             Sae large = SaeReference.random(Architecture.TOPK, D, 41, 5, true, 0.8f, 2);
             CompositeSae smallAsComposite = everyLatentOf(small);
             CompositeSae largeAsComposite = everyLatentOf(large)) {
            MatrixSource source = new MatrixSource(SaeReference.rows(arena, N, D, 3));
            Comparison want = Comparison.of(cpu, small, large, 0.3).onData(cpu, small, large, source, 7, N, BATCH, n -> {});
            Comparison got = Comparison.of(cpu, smallAsComposite, largeAsComposite, 0.3)
                    .onData(cpu, smallAsComposite, largeAsComposite, source, 7, N, BATCH, n -> {});

            assertTrue(want.classes().novelCount() > 0 && want.classes().reconstructionCount() > 0, "both classes occur");
            assertEquals(want.classes().novelCount(), got.classes().novelCount());
            assertEquals(want.families().families().size(), got.families().families().size());
            double[] dw = want.data().scan().deltaMse(), dg = got.data().scan().deltaMse();
            double scale = 0;
            for (double v : dw) scale = Math.max(scale, Math.abs(v));
            assertTrue(scale > 0, "adding a latent changes the mse");
            for (int j = 0; j < dw.length; j++) assertEquals(dw[j], dg[j], 1e-4 * scale, "Δmse of L-latent " + j);
            assertEquals(want.data().scan().small().mse(), got.data().scan().small().mse(), 1e-5 * want.data().scan().small().mse());
            assertEquals(want.data().scan().large().mse(), got.data().scan().large().mse(), 1e-5 * want.data().scan().large().mse());
            assertEquals(want.data().scan().large().l0(), got.data().scan().large().l0(), 0);
            assertEquals(want.data().table2(), got.data().table2());
        }
    }

    /** The emulated CUDA device (or a GPU) measures the pair as the CPU does: Δmse to 1e-4 of its scale, counts and classes exactly. */
    @Test void theCudaBackendMeasuresAsTheCpu() {
        CudaBackend gpu = TestBackends.cudaOrSkip(GemmPrecision.FP32);
        Backend cpu = new CpuBackend(new JavaGemm(), "test");
        try (gpu; Arena arena = Arena.ofShared();
             Sae small = SaeReference.random(Architecture.JUMPRELU, D, 23, 0, true, 1.25f, 4);
             Sae large = SaeReference.random(Architecture.TOPK, D, 41, 5, true, 0.8f, 5);
             CompositeSae largeAsComposite = everyLatentOf(large)) {
            MatrixSource source = new MatrixSource(SaeReference.rows(arena, N, D, 6));
            Comparison want = Comparison.of(cpu, small, largeAsComposite, 0.3).onData(cpu, small, largeAsComposite, source, 7, N, BATCH, n -> {});
            Comparison got = Comparison.of(gpu, small, largeAsComposite, 0.3).onData(gpu, small, largeAsComposite, source, 7, N, BATCH, n -> {});
            assertEquals(want.classes().novelCount(), got.classes().novelCount());
            assertArrayEquals(want.data().scan().largeFired(), got.data().scan().largeFired(), "firing counts");
            assertTrue(java.util.Arrays.stream(want.data().scan().largeFired()).sum() > 0, "L's latents fire");
            double[] dw = want.data().scan().deltaMse(), dg = got.data().scan().deltaMse();
            double scale = java.util.Arrays.stream(dw).map(Math::abs).max().orElseThrow();
            for (int j = 0; j < dw.length; j++) assertEquals(dw[j], dg[j], 1e-4 * scale, "Δmse of L-latent " + j);
            assertEquals(want.data().scan().samplesWithNovel(), got.data().scan().samplesWithNovel());
            assertEquals(want.data().scan().small().mse(), got.data().scan().small().mse(), 1e-5 * want.data().scan().small().mse());
        }
    }

    private static CompositeSae everyLatentOf(Sae sae) {
        return CompositeSae.of(List.of(new CompositeSae.Source(sae, IntStream.range(0, sae.width()).toArray())), BiasRule.KEEP);
    }
}
