package dev.saestitch.bench;

import dev.saestitch.franken.Decoder;
import dev.saestitch.franken.NormalEquations;
import dev.saestitch.franken.SparseGram;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The exact decoder retraining of a Frankenstein SAE (SPEC §3), its two costs:
 * <ul>
 *   <li>{@code gram}: adding one batch of B = 4096 rows of sparse codes (k = 32 distinct latents
 *       per row out of F = 4096, uniform; values in (0, 2)) and their D = 768 activations to the
 *       float64 normal equations: B·k(k+1)/2 ≈ 2.2M updates of G and B·k·D ≈ 101M of C;</li>
 *   <li>{@code solve}: extracting the (F+1)² system, the Cholesky factorisation (F³/6
 *       multiply-adds, Commons Math, one thread) and the D triangular solves (F²·D, parallel over
 *       column blocks), at F = 2048 and 4096, on a G accumulated from 4 such batches.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar FrankenBench}; a single solve is seconds, so
 * it is timed one shot at a time.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class FrankenBench {

    private static final int BATCH = 4096, K = 32, D = 768;

    /** One batch of random sparse codes and activations over {@code latents} latents, owned by {@code arena}. */
    static SparseCodes codes(Arena arena, SplittableRandom rnd, int latents) {
        SparseCodes codes = new SparseCodes(BATCH, latents, (long) BATCH * K);
        codes.reset(BATCH, (long) BATCH * K);
        int[] pick = new int[latents];
        for (int i = 0; i < latents; i++) pick[i] = i;
        int e = 0;
        for (int r = 0; r < BATCH; r++) {
            codes.setRowStart(r, e);
            for (int j = 0; j < K; j++) {   // a partial Fisher–Yates shuffle: K distinct latents in random order
                int q = j + rnd.nextInt(latents - j);
                int t = pick[j]; pick[j] = pick[q]; pick[q] = t;
                codes.setIndex(e, pick[j]);
                codes.setValue(e++, (float) (2 * rnd.nextDouble() + 1e-3));
            }
        }
        codes.setRowStart(BATCH, e);
        return codes;
    }

    static Matrix activations(Arena arena, SplittableRandom rnd) {
        return RandomMatrices.gaussian(arena, BATCH, D, 1, rnd);
    }

    @State(Scope.Benchmark)
    public static class GramState {
        @Param({"4096"}) int gramLatents;
        Arena arena;
        SparseCodes codes;
        Matrix x;
        SparseGram gram;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            SplittableRandom rnd = new SplittableRandom(7);
            codes = codes(arena, rnd, gramLatents);
            x = activations(arena, rnd);
            gram = new SparseGram(gramLatents, D);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            codes.close();
            arena.close();
        }
    }

    @State(Scope.Benchmark)
    public static class SolveState {
        @Param({"2048", "4096"}) int solveLatents;
        Arena arena;
        SparseGram gram;
        Decoder start;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            SplittableRandom rnd = new SplittableRandom(11);
            gram = new SparseGram(solveLatents, D);
            for (int b = 0; b < 4; b++) {
                try (SparseCodes c = codes(arena, rnd, solveLatents)) {
                    gram.add(c, activations(arena, rnd));
                }
            }
            Matrix w = RandomMatrices.gaussian(arena, solveLatents, D, 1, rnd), bias = Matrix.allocate(arena, 1, D);
            start = new Decoder(w, bias);
        }

        @TearDown(Level.Trial)
        public void tearDown() { arena.close(); }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 5)
    @Measurement(iterations = 5, time = 5)
    public long gram(GramState s) {
        s.gram.add(s.codes, s.x);
        return s.gram.samples();
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public float solve(SolveState s) {
        try (Arena out = Arena.ofShared()) {
            Decoder d = s.gram.system(s.solveLatents).solve(s.start, NormalEquations.DEFAULT_RIDGE, out);
            return d.wDec().get(0, 0) + d.bDec().get(0, 0);
        }
    }
}
