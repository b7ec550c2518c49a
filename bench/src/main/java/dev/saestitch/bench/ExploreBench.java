package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.explore.ExplorePass;
import dev.saestitch.explore.LatentProfiles;
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
 * The explorer's per-batch work besides encoding: folding a batch's TopK codes into the latent
 * profiles (top-N heaps, reservoir, histogram, counts), next to the encoder GEMM of the same batch
 * (X·W_encᵀ, the floor of any encode). rows/s = B / time per batch. Profiles at F = 16,384, N = 20.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Benchmark)
public class ExploreBench {

    static final int B = 4096, D = 768, F = 16384, K = 32, TOP = 20;

    Arena arena;
    Backend backend;
    Matrix x, wEnc, z;
    SparseCodes codes;
    LatentProfiles profiles;
    long row;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        backend = Backends.select("cpu");
        SplittableRandom random = new SplittableRandom(7);
        x = RandomMatrices.gaussian(arena, B, D, 1, random);
        wEnc = RandomMatrices.gaussian(arena, F, D, 1 / Math.sqrt(D), random);
        z = Matrix.allocate(arena, B, F);
        backend.gemm(false, true, 1f, x, wEnc, 0f, z);
        codes = backend.newCodes(B, F, (long) B * K);
        backend.selectTopK(z, K, null, codes);
        profiles = new LatentProfiles(F, TOP, ExplorePass.RESERVOIR, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        codes.close();
        backend.close();
        arena.close();
    }

    @Benchmark
    public Matrix encoderGemm() {
        backend.gemm(false, true, 1f, x, wEnc, 0f, z);
        return z;
    }

    /** The same codes each time at new row numbers: the heaps stay full, as in a long pass. */
    @Benchmark
    public LatentProfiles foldCodes() {
        profiles.accept(codes, row);
        row += B;
        return profiles;
    }
}
