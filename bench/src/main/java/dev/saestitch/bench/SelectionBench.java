package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
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
 * The CPU activation rules on one batch of pre-activations, next to their floor: one parallel
 * read of Z (its column sums). Z = X·W_encᵀ of Gaussian X and W_enc, as at initialisation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Benchmark)
public class SelectionBench {

    static final int B = 4096, D = 768, F = 16384, K = 32;

    Arena arena;
    Backend backend;
    Matrix z, sums;
    SparseCodes codes;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        backend = Backends.select("cpu");
        SplittableRandom random = new SplittableRandom(7);
        Matrix x = RandomMatrices.gaussian(arena, B, D, 1, random), wEnc = RandomMatrices.gaussian(arena, F, D, 1 / Math.sqrt(D), random);
        z = Matrix.allocate(arena, B, F);
        backend.gemm(false, true, 1f, x, wEnc, 0f, z);
        sums = Matrix.allocate(arena, 1, F);
        codes = backend.newCodes(B, F, (long) B * K);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        codes.close();
        backend.close();
        arena.close();
    }

    @Benchmark
    public SparseCodes topK() {
        backend.selectTopK(z, K, null, codes);
        return codes;
    }

    @Benchmark
    public float batchTopK() {
        return backend.selectBatchTopK(z, K, codes);
    }

    @Benchmark
    public Matrix floorOneReadOfZ() {
        backend.columnSums(z, 1f, 0f, sums);
        return sums;
    }
}
