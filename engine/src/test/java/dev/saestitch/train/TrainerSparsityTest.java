package dev.saestitch.train;

import dev.saestitch.sae.SaeRunner;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short training runs on a random sparse-feature dataset (D = 32, 48 true features, 3 per row;
 * F = 64, B = 64): each architecture reaches the sparsity it is built for, and its loss falls.
 * Inference is measured with {@link SaeRunner} on rows drawn in another order.
 */
class TrainerSparsityTest {

    private static final int D = 32, F = 64, B = 64, K = 4;
    private static final float[] DATA = SparseFeatureData.generate(5, 8192, D, 48, 3);

    private static TrainConfig.Builder config(Architecture a, long steps) {
        return TrainConfig.builder(a, F).k(K).batchSize(B).totalTokens(steps * B).lr(3e-3)
                .kAux(32).deadTokens(50L * B).logEvery(100);
    }

    /** Runs to the end; returns the reports and the inference evaluation. */
    private static Run train(TrainConfig cfg) {
        List<TrainProgress> reports = new ArrayList<>();
        try (Trainer t = Trainer.start(TestSupport.cpu(), cfg, new InMemoryFeed(DATA, D, 1))) {
            t.runToEnd(reports::add);
            assertTrue(t.finished());
            try (Sae sae = t.result(); SaeRunner runner = new SaeRunner(TestSupport.cpu(), sae, 256)) {
                return new Run(reports, Evaluation.of(runner, new InMemoryFeed(DATA, D, 99), 8, 256));
            }
        }
    }

    private record Run(List<TrainProgress> reports, Evaluation eval) {
        TrainProgress first() { return reports.getFirst(); }
        TrainProgress last() { return reports.getLast(); }

        /** The loss falls below {@code lossFactor} of its first report, the mse falls, and the fvu ends below {@code maxFvu}. */
        void assertLearned(double lossFactor, double maxFvu) {
            assertTrue(last().loss() < lossFactor * first().loss(), "loss " + first().loss() + " → " + last().loss());
            assertTrue(last().mse() < first().mse(), "mse " + first().mse() + " → " + last().mse());
            assertTrue(eval.fvu() < maxFvu, "fvu " + eval.fvu());
        }
    }

    @Test
    void topKKeepsKPerRow() {
        Run run = train(config(Architecture.TOPK, 500).build());
        for (TrainProgress p : run.reports()) assertTrue(p.l0() <= K && p.l0() >= 0.95 * K, "training l0 " + p.l0());
        assertTrue(run.eval().l0() <= K && run.eval().l0() >= 0.95 * K, "inference l0 " + run.eval().l0());
        run.assertLearned(0.5, 0.2);
    }

    @Test
    void batchTopKKeepsExactlyBkAndItsThresholdKeepsAboutK() {
        Run run = train(config(Architecture.BATCHTOPK, 600).build());
        for (TrainProgress p : run.reports()) assertEquals(K, p.l0(), 0.0, "training l0 at step " + p.step());
        assertEquals(K, run.eval().l0(), 0.1 * K, "inference l0 with the global threshold");
        run.assertLearned(0.5, 0.2);
    }

    @Test
    void jumpReluReachesItsTargetL0() {
        double target = K;
        Run run = train(config(Architecture.JUMPRELU, 1000).lr(5e-3).targetL0(target).l0Coefficient(3)
                .jumpReluBandwidth(0.05).jumpReluInitThreshold(0.5).build());
        assertEquals(target, run.last().l0(), 0.2 * target, "training l0");
        assertEquals(target, run.eval().l0(), 0.2 * target, "inference l0");
        run.assertLearned(0.5, 0.2);
    }

    @Test
    void reluL1LowersL0AndLoss() {
        Run run = train(config(Architecture.RELU, 500).l1Coefficient(1).build());
        assertTrue(run.last().l0() < 0.5 * run.first().l0(), "l0 " + run.first().l0() + " → " + run.last().l0());
        run.assertLearned(0.75, 0.2); // the L1 term keeps part of the loss
    }

    @Test
    void progressReportsCountStepsAndTokens() {
        Run run = train(config(Architecture.TOPK, 250).build());
        assertEquals(List.of(100L, 200L, 250L), run.reports().stream().map(TrainProgress::step).toList());
        for (TrainProgress p : run.reports()) {
            assertEquals(p.step() * B, p.tokens());
            assertEquals(250, p.steps());
            assertTrue(p.tokensPerSecond() > 0 && p.deadFraction() >= 0 && p.deadFraction() <= 1);
        }
        assertTrue(run.last().lr() < run.first().lr(), "the rate decays over the last 20%");
    }
}
