package dev.saestitch.bench;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.sae.Architecture;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@link TrainStepBench}'s TopK step and its floor (the encoder GEMM) interleaved, one of each per
 * round, timed in the calling thread's CPU time: on a machine shared with other work, wall-clock
 * runs of the two JMH benchmarks minutes apart see different loads, while the CPU time of
 * interleaved rounds keeps their ratio. Run it single-threaded so that all the work is on the timed
 * thread:
 * {@code OPENBLAS_NUM_THREADS=1 java -XX:ActiveProcessorCount=1 -Djava.util.concurrent.ForkJoinPool.common.parallelism=0
 * --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar dev.saestitch.bench.TrainStepCpuTime 384 3072 30}
 * (dimension, width, rounds); it prints the median CPU milliseconds of each and their ratio. Without the
 * module the step's sparse kernels take their scalar forms.
 */
public final class TrainStepCpuTime {

    private TrainStepCpuTime() {}

    public static void main(String[] args) {
        int dim = Integer.parseInt(args[0]), width = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        int b = TrainStepBench.B;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared(); Backend cpu = Backends.select("cpu")) {
            TrainStepBench.CyclingFeed feed = new TrainStepBench.CyclingFeed(arena, 4, dim, b);
            Matrix x = Matrix.allocate(arena, b, dim), z = Matrix.allocate(arena, b, width);
            feed.next(x);
            Matrix wEnc = RandomMatrices.gaussian(arena, width, dim, 1 / Math.sqrt(dim), new SplittableRandom(1));
            TrainConfig cfg = TrainConfig.builder(Architecture.TOPK, width).k(TrainStepBench.K).batchSize(b)
                    .totalTokens(1L << 40).normBatches(4).deadTokens(b * 8L).build();
            try (Trainer trainer = Trainer.start(cpu, cfg, feed)) {
                double[] step = new double[rounds], floor = new double[rounds];
                for (int i = -10; i < rounds; i++) {   // ten rounds of warm-up
                    long t0 = threads.getCurrentThreadCpuTime();
                    trainer.run(1, null);
                    long t1 = threads.getCurrentThreadCpuTime();
                    cpu.gemm(false, true, 1f, x, wEnc, 0f, z);
                    long t2 = threads.getCurrentThreadCpuTime();
                    if (i >= 0) {
                        step[i] = (t1 - t0) / 1e6;
                        floor[i] = (t2 - t1) / 1e6;
                    }
                }
                Arrays.sort(step);
                Arrays.sort(floor);
                double s = step[rounds / 2], f = floor[rounds / 2];
                System.out.printf("D=%d F=%d k=%d B=%d, %d rounds: median CPU ms step %.1f, floor %.1f, ratio %.2f%n",
                        dim, width, TrainStepBench.K, b, rounds, s, f, s / f);
            }
        }
    }
}
