package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.sae.Architecture;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.train.ShuffledFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;
import dev.saestitch.train.TrainerGroup;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A TopK ladder of widths 768, 1536 and 3072 at D = 384 (k = 32, B = 4096), one step of each
 * SAE: {@code pass} trains them in one pass ({@link TrainerGroup}: one batch read, uploaded and
 * scaled for the three), {@code separate} as three runs, each reading its own batch. Batches are
 * gathered in shuffled order from a memory-mapped .npy of the synthetic world, as
 * {@code train --data} reads them. The ratio separate / pass is the pass's gain per step; the
 * start-up a pass also shares (the normalisation batches, 100 by default) is not in it.
 * Run: {@code java -jar bench/target/benchmarks.jar LadderBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class LadderBench {

    static final int D = 384, K = 32, B = 4096, ROWS = 1 << 17;
    static final int[] WIDTHS = {768, 1536, 3072};

    Path file;
    ActivationSource source;
    Backend backend;
    TrainerGroup group;
    List<Trainer> separate;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("ladder-bench", ".npy");
        SyntheticWorld world = new SyntheticWorld(SyntheticConfig.defaults().scaledTo(D));
        Npy.write(file, ROWS, D, DType.F32, world::writeRows);
        source = ActivationFiles.open(file, null);
        backend = Backends.select("cpu");
        List<TrainConfig> configs = new ArrayList<>();
        for (int w : WIDTHS)
            configs.add(TrainConfig.builder(Architecture.TOPK, w).k(K).batchSize(B).totalTokens(1L << 40).normBatches(4).seed(1).build());
        group = TrainerGroup.start(backend, configs, new ShuffledFeed(source, 1));
        separate = new ArrayList<>();
        for (TrainConfig c : configs) separate.add(Trainer.start(backend, c, new ShuffledFeed(source, 1)));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        group.close();
        separate.forEach(Trainer::close);
        backend.close();
        source.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long pass() {
        group.run(1, null);
        return group.step();
    }

    @Benchmark
    public long separate() {
        long steps = 0;
        for (Trainer t : separate) {
            t.run(1, null);
            steps += t.step();
        }
        return steps;
    }
}
