package dev.saestitch.train;

import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run whose learning rate is absurd (issue 14: weights went NaN/Inf and were saved with exit 0)
 * stops with one line naming the steps and the tensor, and neither a checkpoint nor the result
 * is produced from non-finite weights: the last good checkpoint stays byte for byte.
 */
class DivergenceTest {

    private static final int D = 16, F = 32, B = 32, STEPS = 12;
    private static final float[] DATA = SparseFeatureData.generate(5, 400, D, 24, 3);

    @TempDir Path tmp;

    private static TrainConfig config(Architecture a, double lr) {
        return TrainConfig.builder(a, F).k(3).batchSize(B).totalTokens((long) STEPS * B).lr(lr)
                .lrWarmupSteps(0).thresholdStartStep(2).targetL0(3).logEvery(4).build();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void divergedRunStopsAndKeepsTheLastGoodCheckpoint(Architecture a) throws IOException {
        Path dir = tmp.resolve("ckpt");
        try (Trainer t = Trainer.start(TestSupport.cpu(), config(a, 1e30), new InMemoryFeed(DATA, D, 1))) {
            t.checkpoint(dir);                       // step 0: the initial weights are finite
            Map<Path, byte[]> before = snapshot(dir);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.run(STEPS, null));
            String m = e.getMessage();
            assertTrue(m.startsWith("training diverged between steps 0 and 4: ") || m.startsWith("training diverged at step "), m);
            assertTrue(m.contains("NaN or infinite") || m.contains("the loss is"), m);
            assertTrue(m.contains("1.0E30") && m.contains("the last good checkpoint (step 0) is kept in " + dir), m);
            assertFalse(m.contains("\n"), m);
            assertThrows(TrainingDivergedException.class, () -> t.checkpoint(dir));
            assertThrows(TrainingDivergedException.class, t::result);
            Map<Path, byte[]> after = snapshot(dir);
            assertEquals(before.keySet(), after.keySet());
            for (Path p : before.keySet()) assertArrayEquals(before.get(p), after.get(p), p.toString());
        }
        try (Trainer t = Trainer.resume(dir, TestSupport.cpu(), new InMemoryFeed(DATA, D, 1), config(a, 1e30))) {
            assertEquals(0, t.step());
        }
    }

    /**
     * The last step of each call is checked (a checkpoint follows it in {@code train}), even between
     * reports; {@code --lr 1e6} leaves the weights finite but the reconstruction error at ~1e13
     * (issue 14's case), which is divergence too.
     */
    @Test
    void callBetweenReportsIsCheckedBeforeACheckpoint() {
        Path dir = tmp.resolve("never");
        try (Trainer t = Trainer.start(TestSupport.cpu(), config(Architecture.TOPK, 1e6), new InMemoryFeed(DATA, D, 1))) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> {
                while (!t.finished()) {
                    t.run(3, null);                  // reports every 4 steps: the calls end between them
                    t.checkpoint(dir);
                }
            });
            assertTrue(e.getMessage().endsWith("nothing was saved") || e.getMessage().contains("last good checkpoint (step "), e.getMessage());
            assertTrue(e.getMessage().contains("1000000.0"), e.getMessage());
            assertThrows(TrainingDivergedException.class, () -> t.checkpoint(dir));
        }
    }

    /** A sane learning rate passes every check (the test above is not failing for a reason of its own). */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void saneRunIsNotFlagged(Architecture a) {
        try (Trainer t = Trainer.start(TestSupport.cpu(), config(a, 1e-3), new InMemoryFeed(DATA, D, 1))) {
            t.runToEnd(null);
            t.checkpoint(tmp.resolve("ok-" + a.cliName()));
            t.result().close();
        }
    }

    private static Map<Path, byte[]> snapshot(Path dir) throws IOException {
        Map<Path, byte[]> m = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) m.put(p.getFileName(), Files.readAllBytes(p));
        }
        return m;
    }
}
