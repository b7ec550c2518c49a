package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.sae.Architecture;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.BatchFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;
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
import java.util.concurrent.TimeUnit;

/**
 * One training step per architecture at D = 768, F = 16384, k = 32, B = 4096 (issue shape; the small
 * shape of issue 13 with {@code -p dim=384 -p width=3072}), next to
 * its floor: the bare BLAS products the step needs, timed in the same run. The only dense product
 * of a step is the encoder's Z = X·W_encᵀ (2·B·D·F flops); everything after it works on the sparse
 * codes. Batches come from the synthetic world scaled to D = 768, generated once and cycled so
 * that data generation is not timed.
 * Run: {@code java -jar bench/target/benchmarks.jar TrainStepBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The module in jvmArgsPrepend, so that it stays when a run's -jvmArgsAppend sets thread counts (the CPU step's
// sparse kernels take their SIMD forms with it; -jvmArgsPrepend "-Dscalar" runs their scalar forms).
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector", jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
public class TrainStepBench {

    static final int D = 768, K = 32, B = 4096;

    /** A few batches of the synthetic world, served in a cycle. */
    static final class CyclingFeed implements BatchFeed {
        private final Matrix[] batches;
        private int next;

        /** {@code count} batches of {@code batch} rows of the world scaled to dimension {@code dim}. */
        CyclingFeed(Arena arena, int count, int dim, int batch) {
            SyntheticWorld world = new SyntheticWorld(SyntheticConfig.defaults().scaledTo(dim));
            batches = new Matrix[count];
            for (int i = 0; i < count; i++) {
                batches[i] = Matrix.allocate(arena, batch, dim);
                world.writeRows((long) i * batch, batches[i]);
            }
        }

        @Override public int dim() { return batches[0].cols(); }
        @Override public void next(Matrix hostBatch) { hostBatch.copyFrom(batches[next++ % batches.length]); }
        @Override public long[] position() { return new long[] {next}; }
        @Override public void seek(long[] position) { next = (int) position[0]; }
    }

    /** The architectures' steps. */
    @State(Scope.Benchmark)
    public static class Step {
        @Param({"relu", "topk", "batchtopk", "jumprelu"})
        String arch;
        @Param({"768"})
        int dim;
        @Param({"16384"})
        int width;

        Arena arena;
        Backend backend;
        Trainer trainer;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            backend = Backends.select("cpu");
            Architecture a = Architecture.parse(arch);
            TrainConfig.Builder cfg = TrainConfig.builder(a, width).k(K).batchSize(B).totalTokens(1L << 40)
                    .normBatches(4).deadTokens(B * 8L);
            if (a == Architecture.JUMPRELU) cfg.targetL0(K);
            trainer = Trainer.start(backend, cfg.build(), new CyclingFeed(arena, 4, dim, B));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            trainer.close();
            backend.close();
            arena.close();
        }
    }

    /** Operands of the floor: the encoder product alone. */
    @State(Scope.Benchmark)
    public static class Floor {
        @Param({"768"})
        int dim;
        @Param({"16384"})
        int width;
        Arena arena;
        Backend backend;
        Matrix x, wEnc, z;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            backend = Backends.select("cpu");
            CyclingFeed feed = new CyclingFeed(arena, 1, dim, B);
            x = Matrix.allocate(arena, B, dim);
            feed.next(x);
            wEnc = RandomMatrices.gaussian(arena, width, dim, 1 / Math.sqrt(dim), new java.util.SplittableRandom(1));
            z = Matrix.allocate(arena, B, width);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
            arena.close();
        }
    }

    @Benchmark
    public long step(Step s) {
        s.trainer.run(1, null);
        return s.trainer.step();
    }

    @Benchmark
    public Matrix floorEncoderGemm(Floor f) {
        f.backend.gemm(false, true, 1f, f.x, f.wEnc, 0f, f.z);
        return f.z;
    }
}
