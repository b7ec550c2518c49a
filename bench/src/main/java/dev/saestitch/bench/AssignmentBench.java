package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.match.Assignment;
import dev.saestitch.match.LinearAssignment;
import dev.saestitch.tensor.Matrix;
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
 * Exact linear assignment of an n×n float32 matrix, maximising (SPEC §4). Matrices:
 * <ul>
 *   <li>{@code seeds}: decoder cosines of two dictionaries of n random unit directions in
 *       d = 768, where 40% of the second's rows are noisy copies (cosine ≈ 0.9) of rows of the first,
 *       permuted: the shape of two SAEs trained from different seeds;</li>
 *   <li>{@code uniform}: i.i.d. uniform [0, 1) entries, the usual LAP benchmark.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar AssignmentBench -p n=4096}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class AssignmentBench {

    private static final int D = 768;
    private static final double SHARED = 0.4;
    private static final float NOISE = 0.5f;   // noise of norm ≈ 0.5 on rows of norm ≈ 1: cosine ≈ 1/√1.25 ≈ 0.9

    @Param({"2048", "4096", "8192"})
    int n;

    @Param({"seeds", "uniform"})
    String matrix;

    private Arena arena;
    private Matrix scores;   // (n, n)

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        scores = Matrix.allocate(arena, n, n);
        SplittableRandom rnd = new SplittableRandom(20240611L + n);
        switch (matrix) {
            case "seeds" -> seedCosines(rnd);
            case "uniform" -> { for (long e = 0; e < scores.size(); e++) scores.setFlat(e, (float) rnd.nextDouble()); }
            default -> throw new IllegalArgumentException("unknown matrix '" + matrix + "': expected seeds or uniform");
        }
    }

    private void seedCosines(SplittableRandom rnd) {
        try (Backend backend = Backends.select("cpu")) {
            Matrix a = backend.allocate(arena, n, D), b = backend.allocate(arena, n, D);   // (n, D) decoder rows
            for (long e = 0; e < a.size(); e++) {
                a.setFlat(e, (float) gaussian(rnd));
                b.setFlat(e, (float) gaussian(rnd));
            }
            int[] perm = permutation(rnd, n);
            for (int i = 0; i < (int) (SHARED * n); i++)
                for (int c = 0; c < D; c++) b.set(perm[i], c, a.get(i, c) + NOISE * (float) gaussian(rnd));
            backend.normaliseRows(a);
            backend.normaliseRows(b);
            backend.gemm(false, true, 1f, a, b, 0f, scores);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }

    @Benchmark
    public Assignment solve() {
        return LinearAssignment.solve(scores, LinearAssignment.Objective.MAXIMISE);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();   // Box–Muller, scaled so that a row has norm ≈ 1
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) / Math.sqrt(D);
    }

    private static int[] permutation(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int k = rnd.nextInt(i + 1), t = p[i];
            p[i] = p[k];
            p[k] = t;
        }
        return p;
    }
}
