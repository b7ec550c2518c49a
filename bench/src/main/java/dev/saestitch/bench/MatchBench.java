package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.match.PairMatch;
import dev.saestitch.match.SeedMatching;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code match}'s engine end to end (SPEC §4): both cosine scans (the GEMMs and each row's kept
 * cosines), both exact assignments (with their pricing passes and the float64 refinement) and the
 * float64 matched cosines, for two SAEs of n latents at D = 768 (the whole process, start-up and
 * loading included, against scipy: {@code bench/peers/match_cli.py}):
 * <ul>
 *   <li>{@code seeds}: 40% of B's latents are noisy copies (cosine ≈ 0.9) of A's, permuted, the
 *       rest independent: SAEs trained from different seeds;</li>
 *   <li>{@code hard}: every latent of B a noisy copy of a permuted latent of A with noise as large as
 *       the row (cosine ≈ 0.7), so each row has many near-rivals.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar MatchBench -p n=4096}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class MatchBench {

    private static final int D = 768;

    @Param({"4096", "8192"})
    int n;

    @Param({"seeds", "hard"})
    String pair;

    private Backend backend;
    private Sae a, b;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.select("cpu");
        SplittableRandom rnd = new SplittableRandom(20261203L + n);
        a = new Sae(Architecture.RELU, D, n, 0, false);
        b = new Sae(Architecture.RELU, D, n, 0, false);
        for (long e = 0; e < (long) n * D; e++) {
            a.wDec().setFlat(e, (float) rnd.nextGaussian());
            a.wEnc().setFlat(e, (float) rnd.nextGaussian());
            b.wDec().setFlat(e, (float) rnd.nextGaussian());
            b.wEnc().setFlat(e, (float) rnd.nextGaussian());
        }
        int copies = switch (pair) {
            case "seeds" -> (int) (0.4 * n);
            case "hard" -> n;
            default -> throw new IllegalArgumentException("unknown pair '" + pair + "': expected seeds or hard");
        };
        double noise = pair.equals("hard") ? 1.0 : 0.5;
        int[] perm = permutation(rnd, n);
        for (int i = 0; i < copies; i++)
            for (int c = 0; c < D; c++) {
                b.wDec().set(perm[i], c, (float) (a.wDec().get(i, c) + noise * rnd.nextGaussian()));
                b.wEnc().set(perm[i], c, (float) (a.wEnc().get(i, c) + noise * rnd.nextGaussian()));
            }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        backend.close();
    }

    @Benchmark
    public PairMatch match() { return SeedMatching.match(backend, a, b); }

    private static int[] permutation(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
