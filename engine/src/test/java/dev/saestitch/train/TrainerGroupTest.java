package dev.saestitch.train;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A group trains each member to exactly the weights of the member's configuration trained alone on
 * the same feed (bit for bit: the members read one shared batch, scaled once, and nothing of one
 * member reaches another), across widths, seeds and every architecture; and a group checkpointed
 * half-way and resumed ends where the uninterrupted group ends. As in {@link CheckpointResumeTest},
 * aux-k, BatchTopK's threshold, the warm-ups and a second epoch all fall inside the run.
 */
class TrainerGroupTest {

    private static final int D = 24, F = 32, B = 32, STEPS = 30;
    private static final float[] DATA = SparseFeatureData.generate(8, 700, D, 40, 3);

    @TempDir Path tmp;

    private static TrainConfig config(Architecture a, int width, long seed) {
        return TrainConfig.builder(a, width).k(3).batchSize(B).totalTokens((long) STEPS * B).lr(4e-3)
                .lrWarmupSteps(6).sparsityWarmupSteps(20).thresholdStartStep(5)
                .kAux(8).deadTokens(2L * B).l1Coefficient(1).targetL0(3).jumpReluBandwidth(0.05)
                .seed(seed).logEvery(7).build();
    }

    /** A ladder of three widths, a second and third seed, and one member of each other architecture. */
    private static final List<TrainConfig> MEMBERS = List.of(
            config(Architecture.TOPK, F, 1), config(Architecture.TOPK, 2 * F, 1), config(Architecture.TOPK, 4 * F, 1),
            config(Architecture.TOPK, F, 2), config(Architecture.TOPK, F, 3),
            config(Architecture.BATCHTOPK, 2 * F, 1), config(Architecture.RELU, F, 4), config(Architecture.JUMPRELU, 2 * F, 5));

    @Test
    void everyMemberEqualsItsRunAlone() {
        List<float[][]> grouped = new ArrayList<>();
        List<Integer> reports = new ArrayList<>();
        try (TrainerGroup g = TrainerGroup.start(TestSupport.cpu(), MEMBERS, new InMemoryFeed(DATA, D, 3))) {
            g.run(Long.MAX_VALUE, (member, p) -> reports.add(member));
            assertTrue(g.finished());
            for (int i = 0; i < MEMBERS.size(); i++) grouped.add(tensors(g.result(i)));
        }
        // Every member reports at every 7th step and the last: 5 reports each.
        for (int i = 0; i < MEMBERS.size(); i++) {
            int member = i;
            assertEquals(5, reports.stream().filter(r -> r == member).count(), "reports of member " + i);
        }
        for (int i = 0; i < MEMBERS.size(); i++) {
            try (Trainer alone = Trainer.start(TestSupport.cpu(), MEMBERS.get(i), new InMemoryFeed(DATA, D, 3))) {
                alone.runToEnd(null);
                float[][] expected = tensors(alone.result());
                for (int t = 0; t < expected.length; t++) assertArrayEquals(expected[t], grouped.get(i)[t], "member " + i + " tensor " + t);
            }
        }
        // Not vacuous: members of one width and different seeds did learn different weights.
        assertTrue(!java.util.Arrays.equals(grouped.get(0)[2], grouped.get(3)[2]), "seeds 1 and 2 gave the same decoder");
    }

    @Test
    void resumedGroupEndsWhereTheUninterruptedOneEnds() throws IOException {
        List<float[][]> straight = new ArrayList<>();
        try (TrainerGroup g = TrainerGroup.start(TestSupport.cpu(), MEMBERS, new InMemoryFeed(DATA, D, 3))) {
            g.run(Long.MAX_VALUE, null);
            for (int i = 0; i < MEMBERS.size(); i++) straight.add(tensors(g.result(i)));
        }
        List<Path> dirs = MEMBERS.stream().map(c -> tmp.resolve(c.architecture().cliName() + "-" + c.width() + "-s" + c.seed())).toList();
        try (TrainerGroup g = TrainerGroup.start(TestSupport.cpu(), MEMBERS, new InMemoryFeed(DATA, D, 3))) {
            g.run(STEPS / 2, null);
            g.checkpoint(dirs);
        }
        try (TrainerGroup g = TrainerGroup.resume(dirs, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), MEMBERS)) {
            assertEquals(STEPS / 2, g.step());
            g.run(4, null);
            g.run(Long.MAX_VALUE, null);
            for (int i = 0; i < MEMBERS.size(); i++) {
                float[][] resumed = tensors(g.result(i));
                for (int t = 0; t < resumed.length; t++) assertArrayEquals(straight.get(i)[t], resumed[t], "member " + i + " tensor " + t);
            }
        }
    }

    @Test
    void membersSavedAtDifferentStepsAreRefused() throws IOException {
        List<TrainConfig> two = MEMBERS.subList(0, 2);
        List<Path> dirs = List.of(tmp.resolve("a"), tmp.resolve("b"));
        try (TrainerGroup g = TrainerGroup.start(TestSupport.cpu(), two, new InMemoryFeed(DATA, D, 3))) {
            g.run(4, null);
            g.checkpoint(dirs);
        }
        // As if the process died between the members' saves of step 6: the first is newer than the second.
        try (TrainerGroup g = TrainerGroup.start(TestSupport.cpu(), two.subList(0, 1), new InMemoryFeed(DATA, D, 3))) {
            g.run(6, null);
            g.checkpoint(dirs.subList(0, 1));
        }
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TrainerGroup.resume(dirs, TestSupport.cpu(), new InMemoryFeed(DATA, D, 3), two));
        assertTrue(e.getMessage().contains("step 4"), e.getMessage());
    }

    @Test
    void membersNeedingOtherBatchesAreRefused() {
        TrainConfig otherBatch = config(Architecture.TOPK, F, 1).toBuilder().batchSize(B / 2).totalTokens((long) STEPS * B / 2).build();
        TrainConfig otherSteps = config(Architecture.TOPK, F, 1).toBuilder().totalTokens((long) (STEPS + 1) * B).build();
        for (TrainConfig bad : List.of(otherBatch, otherSteps))
            assertThrows(TrainConfigException.class,
                    () -> TrainerGroup.start(TestSupport.cpu(), List.of(MEMBERS.getFirst(), bad), new InMemoryFeed(DATA, D, 3)));
    }

    private static float[][] tensors(Sae sae) {
        try (sae) {
            return TestSupport.tensors(sae);
        }
    }
}
