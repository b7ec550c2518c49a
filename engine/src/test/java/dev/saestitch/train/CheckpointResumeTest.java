package dev.saestitch.train;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.io.SaeFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run of N steps equals N/2 steps, a checkpoint, new objects resumed from it, and N/2 more:
 * bit for bit. The configuration makes every piece of saved state matter before the checkpoint:
 * aux-k is active (a latent is dead after 2 batches without firing, so the saved counters decide
 * the first mask after resuming), BatchTopK's threshold accumulates from step 5,
 * the sparsity warm-up and the learning-rate decay straddle the checkpoint, and the feed wraps
 * to a second epoch.
 */
class CheckpointResumeTest {

    private static final int D = 24, F = 48, B = 32, STEPS = 30;
    private static final float[] DATA = SparseFeatureData.generate(8, 700, D, 40, 3);

    @TempDir Path tmp;

    private static TrainConfig config(Architecture a) {
        return TrainConfig.builder(a, F).k(3).batchSize(B).totalTokens((long) STEPS * B).lr(4e-3)
                .lrWarmupSteps(6).sparsityWarmupSteps(20).thresholdStartStep(5)
                .kAux(8).deadTokens(2L * B).l1Coefficient(1).targetL0(3).jumpReluBandwidth(0.05)
                .logEvery(7).build();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void resumedRunIsBitIdentical(Architecture a) throws IOException {
        TrainConfig cfg = config(a);
        float[][] straight;
        java.util.List<TrainProgress> reports = new java.util.ArrayList<>();
        try (Trainer t = Trainer.start(TestSupport.cpu(), cfg, new InMemoryFeed(DATA, D, 3))) {
            t.runToEnd(reports::add);
            if (cfg.usesAuxK()) assertTrue(reports.stream().anyMatch(p -> p.auxLoss() > 0), "aux-k must be active");
            straight = weights(t);
        }
        Path dir = tmp.resolve("ckpt-" + a.cliName());
        try (Trainer t = Trainer.start(TestSupport.cpu(), cfg, new InMemoryFeed(DATA, D, 3))) {
            t.run(STEPS / 2, null);
            t.checkpoint(dir);
            t.run(3, null);      // the first run going on does not disturb the saved state
        }
        float[][] resumed;
        try (Trainer t = Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), cfg)) {
            assertEquals(STEPS / 2, t.step());
            assertEquals(cfg, t.config());
            t.runToEnd(null);
            resumed = weights(t);
        }
        for (int i = 0; i < straight.length; i++) assertArrayEquals(straight[i], resumed[i], a + " tensor " + i);
    }

    /**
     * A resumed run driven as {@code train --resume} drives it: without {@code --checkpoint-every}
     * one call for "everything" (Long.MAX_VALUE, which once overflowed into no steps at all), with
     * it calls of a few steps; both reach the end with the straight run's weights.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {Long.MAX_VALUE, Long.MAX_VALUE - 3, 4})
    void resumedRunReachesTheEndWithAnyStepAllowance(long allowance) throws IOException {
        TrainConfig cfg = config(Architecture.TOPK);
        float[][] straight;
        try (Trainer t = Trainer.start(TestSupport.cpu(), cfg, new InMemoryFeed(DATA, D, 3))) {
            t.run(Long.MAX_VALUE, null);
            assertEquals(STEPS, t.step());
            straight = weights(t);
        }
        Path dir = tmp.resolve("allowance");
        try (Trainer t = Trainer.start(TestSupport.cpu(), cfg, new InMemoryFeed(DATA, D, 3))) {
            t.run(STEPS / 2, null);
            t.checkpoint(dir);
        }
        try (Trainer t = Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), cfg)) {
            int calls = 0;
            while (!t.finished()) {
                long before = t.step();
                t.run(allowance, null);
                assertTrue(t.step() > before, "a call with steps left must make progress");
                calls++;
            }
            assertEquals(STEPS, t.step());
            assertEquals(allowance == 4 ? 4 : 1, calls);
            float[][] resumed = weights(t);
            for (int i = 0; i < straight.length; i++) assertArrayEquals(straight[i], resumed[i], "tensor " + i);
        }
    }

    /** W_enc, b_enc, W_dec, b_dec, threshold (if any) and the input scale of the trained SAE. */
    private static float[][] weights(Trainer t) {
        try (Sae sae = t.result()) {
            return TestSupport.tensors(sae);
        }
    }

    @Test
    void checkpointOverwritesAtomicallyAndLeavesNoTemporaries() throws IOException {
        Path dir = tmp.resolve("run");
        try (Trainer t = Trainer.start(TestSupport.cpu(), config(Architecture.TOPK), new InMemoryFeed(DATA, D, 3))) {
            t.run(4, null);
            t.checkpoint(dir);
            t.run(4, null);
            t.checkpoint(dir);
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(java.util.List.of("run"), files.map(p -> p.getFileName().toString()).toList());
        }
        try (Trainer t = Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), config(Architecture.TOPK))) {
            assertEquals(8, t.step());
        }
    }

    @Test
    void damagedCheckpointsAreReportedWithTheirFile() throws IOException {
        Path dir = tmp.resolve("bad");
        try (Trainer t = Trainer.start(TestSupport.cpu(), config(Architecture.JUMPRELU), new InMemoryFeed(DATA, D, 3))) {
            t.run(2, null);
            t.checkpoint(dir);
        }
        Path tensors = dir.resolve(Checkpoint.TENSORS);
        long size = Files.size(tensors);
        try (FileChannel ch = FileChannel.open(tensors, StandardOpenOption.WRITE)) {
            ch.truncate(size - 10);
        }
        SaeFileException truncated = assertThrows(SaeFileException.class,
                () -> Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), config(Architecture.JUMPRELU)));
        assertTrue(truncated.getMessage().contains(tensors.toString()) && truncated.getMessage().contains("truncated"), truncated.getMessage());

        try (FileChannel ch = FileChannel.open(tensors, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("NOTACKPT".getBytes()), 0);
        }
        SaeFileException garbage = assertThrows(SaeFileException.class,
                () -> Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), config(Architecture.JUMPRELU)));
        assertTrue(garbage.getMessage().contains("not a safetensors file"), garbage.getMessage());

        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> Trainer.resume(tmp.resolve("nowhere"), TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), config(Architecture.JUMPRELU)));
        assertTrue(missing.getMessage().contains("not a checkpoint directory"), missing.getMessage());

        CheckpointException dim = assertThrows(CheckpointException.class, () -> {
            Path other = tmp.resolve("other");
            try (Trainer t = Trainer.start(TestSupport.cpu(), config(Architecture.RELU), new InMemoryFeed(DATA, D, 3))) {
                t.checkpoint(other);
            }
            Trainer.resume(other, TestSupport.cpu(), new InMemoryFeed(new float[10 * (D + 1)], D + 1, 3), config(Architecture.RELU));
        });
        assertTrue(dim.getMessage().contains("dimension " + D), dim.getMessage());
    }
}
