package dev.saestitch.dict;

import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.backend.cuda.CudaBackend;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.TestBackends;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The comparison behind {@code compare} and {@code stitch} gives the same decisions on the CUDA
 * backend as on the CPU backend, in every GEMM precision: the same pairs at or above θ (their
 * cosines recomputed in float64, so equal), the same novel/reconstruction classes, and max
 * cosines within {@link MaxCosine#errorBound}. Dictionaries with planted children at cosines
 * near θ (some within 1e-4 of it, so that TF32 and BF16 products fall on the wrong side before
 * the float64 refinement). Skipped, with the reason, where the CUDA backend cannot run.
 */
class CudaComparisonParityTest {

    private static final int FS = 61, FL = 157, D = 37;
    private static final double THETA = 0.7;

    @ParameterizedTest
    @EnumSource(GemmPrecision.class)
    void sameDecisionsAsTheCpu(GemmPrecision precision) {
        CudaBackend gpu = TestBackends.cudaOrSkip(precision);
        try (gpu; Arena arena = Arena.ofShared(); CpuBackend cpu = new CpuBackend(new JavaGemm(), "test")) {
            Random rnd = new Random(77);
            Matrix small = TestData.randomRows(arena, rnd, FS, D), large = TestData.randomRows(arena, rnd, FL, D);
            for (int l = 0; l < 100; l++) {
                double[] parent = Vectors.unit(Vectors.row(small, l % FS));
                double cos = l % 3 == 0 ? THETA + (rnd.nextBoolean() ? 1e-4 : -1e-4) : THETA - 0.2 + 0.4 * rnd.nextDouble();
                Vectors.setRow(large, l, Vectors.scaled(TestData.atCosine(rnd, parent, Math.min(cos, 0.999)), 0.1 + rnd.nextDouble()));
            }
            TileShape tile = new TileShape(32, 24);  // several tiles that do not divide the sizes
            DictionaryComparison onCpu = DictionaryComparison.compare(cpu, large, small, THETA, tile);
            DictionaryComparison onGpu = DictionaryComparison.compare(gpu, large, small, THETA, tile);
            assertTrue(onCpu.pairs().size() > 10, "the planted pairs must be found: " + onCpu.pairs().size());
            assertArrayEquals(onCpu.pairs().large(), onGpu.pairs().large(), precision + ": pairs (L side)");
            assertArrayEquals(onCpu.pairs().small(), onGpu.pairs().small(), precision + ": pairs (S side)");
            assertArrayEquals(onCpu.pairs().cosine(), onGpu.pairs().cosine(), precision + ": pair cosines (float64)");
            assertArrayEquals(LatentClasses.of(onCpu).novelMask(), LatentClasses.of(onGpu).novelMask(), precision + ": novel/reconstruction");
            double bound = 2 * MaxCosine.errorBound(D);
            float[] c = onCpu.maxCosine().maxOverB(), g = onGpu.maxCosine().maxOverB();
            for (int i = 0; i < FL; i++) assertEquals(c[i], g[i], bound, precision + ": max cosine of L-latent " + i);
            // Without pairs MaxCosine takes Backend.maxDots: on CUDA the tile-max kernel, no tile downloaded.
            MaxCosine fused = MaxCosine.compute(gpu, large, small, tile);
            float[] back = onCpu.maxCosine().maxOverA();
            for (int i = 0; i < FL; i++) assertEquals(c[i], fused.maxOverB()[i], bound, precision + ": fused max cosine of L-latent " + i);
            for (int j = 0; j < FS; j++) assertEquals(back[j], fused.maxOverA()[j], bound, precision + ": fused max cosine of S-latent " + j);
        }
    }
}
