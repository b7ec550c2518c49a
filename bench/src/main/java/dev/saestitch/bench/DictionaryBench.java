package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.dict.DeltaMse;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Comparing dictionaries of F_S = 2048 and F_L = 4096 latents at D = 768 (issue shape):
 * <ul>
 *   <li>{@code maxCosine}: the blockwise max decoder cosine in both directions (normalising the
 *       rows included); {@code maxDots}, the backend's fused scan alone (row and column maxima
 *       and arguments of the product); {@code scanDots}, the same with the pairs above compare's
 *       cut (θ = 0.7 less the error bound); next to {@code bareGemm}, the BLAS product of the
 *       same shape (F_L × D)·(D × F_S) that they tile. Rows have unit norm, as decoder rows do;</li>
 *   <li>{@code deltaMseOnePass}: the exact Δmse of adding every LARGE latent, from the residuals
 *       and LARGE's sparse codes of N = 1024 samples (k = 32), next to {@code deltaMseOneAtATime},
 *       the papers' way: for each latent, the reconstruction with it added and its sse over the
 *       same samples.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar DictionaryBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class DictionaryBench {

    static final int D = 768, F_SMALL = 2048, F_LARGE = 4096, N = 1024, K = 32;

    private Arena arena;
    private Backend backend;
    private Matrix small, large, products;   // (F_S, D), (F_L, D), (F_L, F_S)
    private Matrix residual;                  // (N, D) residual of SMALL
    private SparseCodes codes;                // LARGE's codes of the N samples

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        backend = Backends.select("cpu");
        SplittableRandom random = new SplittableRandom(7);
        small = RandomMatrices.gaussian(arena, F_SMALL, D, 1, random);
        large = RandomMatrices.gaussian(arena, F_LARGE, D, 1, random);
        backend.normaliseRows(small);
        backend.normaliseRows(large);
        products = Matrix.allocate(arena, F_LARGE, F_SMALL);
        residual = RandomMatrices.gaussian(arena, N, D, 1, random);
        codes = backend.newCodes(N, F_LARGE, (long) N * K);
        codes.reset(N, (long) N * K);
        for (int r = 0; r < N; r++) {
            codes.setRowStart(r, r * K);
            int first = random.nextInt(F_LARGE - K * 64);
            for (int e = 0; e < K; e++) {   // K distinct ascending latents per row
                codes.setIndex((long) r * K + e, first + e * 64 + random.nextInt(64));
                codes.setValue((long) r * K + e, (float) (0.1 + random.nextDouble()));
            }
        }
        codes.setRowStart(N, N * K);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        codes.close();
        backend.close();
        arena.close();
    }

    @Benchmark
    public MaxCosine maxCosine() { return MaxCosine.compute(backend, large, small); }

    @Benchmark
    public DotMaxima maxDots() { return backend.maxDots(large, small, F_LARGE, F_SMALL); }

    @Benchmark
    public DotScan scanDots() { return backend.scanDots(large, small, F_LARGE, F_SMALL, (float) (0.7 - MaxCosine.errorBound(D))); }

    @Benchmark
    public Matrix bareGemm() {
        backend.gemm(false, true, 1f, large, small, 0f, products);
        return products;
    }

    @Benchmark
    public double[] deltaMseOnePass() {
        try (DeltaMse delta = new DeltaMse(backend, large, N)) {
            delta.accept(residual, codes);
            return delta.deltaSse();
        }
    }

    /** For every LARGE latent j: Σ_b ‖r_b − f_bj W_j‖² − ‖r_b‖² over all N samples, one latent at a time. */
    @Benchmark
    public double[] deltaMseOneAtATime() {
        float[] r = residual.toArray(), w = large.toArray();
        float[] f = new float[N];
        double[] delta = new double[F_LARGE];
        for (int j = 0; j < F_LARGE; j++) {
            java.util.Arrays.fill(f, 0f);
            for (int b = 0; b < N; b++)
                for (int e = codes.rowStart(b); e < codes.rowStart(b + 1); e++) if (codes.index(e) == j) f[b] = codes.value(e);
            double sse = 0, base = 0;
            for (int b = 0; b < N; b++)
                for (int c = 0; c < D; c++) {
                    double before = r[b * D + c], after = before - f[b] * w[j * D + c];
                    sse += after * after;
                    base += before * before;
                }
            delta[j] = sse - base;
        }
        return delta;
    }
}
