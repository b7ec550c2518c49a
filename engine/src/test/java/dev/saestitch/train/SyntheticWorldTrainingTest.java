package dev.saestitch.train;

import dev.saestitch.sae.SaeRunner;
import dev.saestitch.dict.FeatureRecovery;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance of the training engine (SPEC §1) on a synthetic world whose true features are known
 * (SPEC §6): each architecture reaches the sparsity it is built for and recovers most true
 * features (a decoder row with cosine ≥ 0.9), and a wider SAE reconstructs better than a narrow one.
 *
 * <p><b>The world</b> ({@link #WORLD}): D = 32, 64 independent features (2 per dimension, in
 * superposition) firing with p_i ∝ i^−0.5 (0.21 down to 0.026), 3 active per row on average,
 * lognormal magnitudes (σ = 0.25), a fixed offset of norm 2 (for b_dec) and noise σ = 0.05. It is
 * simpler than {@link SyntheticConfig#defaults()} on purpose: on the default world scaled to
 * D = 64 (8.5 features per dimension, 9.3 active per row), F = 1024, lr 1e-2 and 2 M tokens,
 * BatchTopK from a random start recovers 6% of the features at k = 16 and 31% at k = 6, where TopK
 * recovers 73% at k = 16. At initialisation the batch's B·k codes go to the rows of largest norm,
 * those with the most events, so the first latents learn mixtures, the latents left out go silent,
 * and aux-k brings few back; with k above the number of events the spare budget also lets BatchTopK
 * reconstruct as well without aligned latents. Few features per dimension and k = 3 (the mean
 * number of events) keep it in the regime where it learns the features.
 *
 * <p><b>Recipe</b>: F = 256 latents (4 per true feature), B = 512, 0.5 M tokens (976 steps), k = 3;
 * a latent is dead after 50 k tokens (~100 batches) and aux-k takes 32 dead latents per row;
 * everything else is the default of {@link TrainConfig.Builder#build()} (TopK and BatchTopK train
 * at lr 2e-4/√(F/2^14) = 1.6e-3), except where a test says why. Inference is measured with
 * {@link SaeRunner} on rows drawn in another order than training.
 *
 * <p>Runs use the portable CPU backend (deterministic); the class takes about 15 s.
 */
class SyntheticWorldTrainingTest {

    /** The world described in the class comment; seed 3. */
    static final SyntheticConfig WORLD = new SyntheticConfig(32, 0, 1, 0.5, 0.0, 64, 0.5, 3.0, 0.25, 0.25, 2.0, 0.05, 1L << 22, 3);

    private static final int F = 256, B = 512, K = 3;
    private static final long TOKENS = 500_000;
    private static final int EVAL_BATCHES = 8;

    private static final SyntheticWorld SOURCE = new SyntheticWorld(WORLD);
    private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    private static TrainConfig.Builder recipe(Architecture a, int width) {
        return TrainConfig.builder(a, width).k(K).batchSize(B).totalTokens(TOKENS)
                .deadTokens(50_000).kAux(32).logEvery(100);
    }

    /** Trains once per name (the width test reuses the TopK run); returns the reports, the inference metrics and the recovery. */
    private static Run train(String name, TrainConfig cfg) {
        return RUNS.computeIfAbsent(name, n -> {
            List<TrainProgress> reports = new ArrayList<>();
            try (Trainer t = Trainer.start(TestSupport.cpu(), cfg, new ShuffledFeed(SOURCE, 1))) {
                t.runToEnd(reports::add);
                try (Sae sae = t.result(); SaeRunner runner = new SaeRunner(TestSupport.cpu(), sae, B);
                     Arena arena = Arena.ofShared()) {
                    Evaluation eval = Evaluation.of(runner, new ShuffledFeed(SOURCE, 99), EVAL_BATCHES, B);
                    FeatureRecovery.Result recovery = FeatureRecovery.score(TestSupport.cpu(), SOURCE.trueFeatures().directions(arena), sae.wDec());
                    Run run = new Run(reports, eval, recovery);
                    System.out.printf(Locale.ROOT, "%s: l0 %.3f  mse %.5f  fvu %.4f  recovered %.3f  mean max cos %.3f  silent %.3f%n",
                            n, eval.l0(), eval.mse(), eval.fvu(), recovery.fractionRecovered(), recovery.meanMaxCosine(), eval.deadFraction());
                    return run;
                }
            }
        });
    }

    private record Run(List<TrainProgress> reports, Evaluation eval, FeatureRecovery.Result recovery) {
        TrainProgress last() { return reports.getLast(); }

        /** At least {@code minFraction} of the true features have a decoder row with cosine ≥ 0.9, and the fvu is below {@code maxFvu}. */
        void assertLearned(double minFraction, double maxFvu) {
            assertTrue(recovery.fractionRecovered() >= minFraction,
                    "recovered " + recovery.fractionRecovered() + " of the true features (max cosine ≥ 0.9), expected ≥ " + minFraction);
            assertTrue(eval.fvu() < maxFvu, "fvu " + eval.fvu() + ", expected < " + maxFvu);
        }
    }

    @Test
    void topKKeepsKPerRowAndRecoversTheFeatures() {
        Run run = train("topk", recipe(Architecture.TOPK, F).build());
        // exactly k per row unless fewer than k pre-activations are positive: l0 ≤ k, and within 5% of it
        for (TrainProgress p : run.reports()) assertTrue(p.l0() <= K && p.l0() >= 0.95 * K, "training l0 " + p.l0() + " at step " + p.step());
        assertTrue(run.eval().l0() <= K && run.eval().l0() >= 0.95 * K, "inference l0 " + run.eval().l0());
        run.assertLearned(0.9, 0.25);
    }

    @Test
    void batchTopKKeepsBkPerBatchAndItsThresholdAboutK() {
        Run run = train("batchtopk", recipe(Architecture.BATCHTOPK, F).build());
        // B·k codes per batch at every step (far more than B·k pre-activations are positive)
        for (TrainProgress p : run.reports()) assertEquals(K, p.l0(), 0.0, "training l0 at step " + p.step());
        // one global θ (mean smallest kept value over the last 20% of steps) gives about k per row
        assertEquals(K, run.eval().l0(), 0.1 * K, "inference l0 with the global threshold");
        run.assertLearned(0.5, 0.25);
    }

    @Test
    void jumpReluReachesItsTargetL0() {
        // The defaults are made for 10^5-step runs: at lr 7e-5 nothing is learned in 976 steps (fvu
        // 1.03, l0 6.2). At lr 5e-3, θ₀ = ε = 0.001 (Gemma Scope) ends at l0 7.0 with 28% recovered:
        // a band of 0.001 around θ holds too few pre-activations for θ to move in time. ε = 0.1 and
        // θ₀ = 1 (a feature's activation is ≈ 3 with inputs normalised to E‖x‖² = D) reach l0 4.3
        // with λ = 1 and the target within a few % with λ = 30.
        Run run = train("jumprelu", recipe(Architecture.JUMPRELU, F).lr(5e-3).targetL0(K).l0Coefficient(30)
                .jumpReluBandwidth(0.1).jumpReluInitThreshold(1.0).build());
        assertEquals(K, run.last().l0(), 0.2 * K, "training l0 of the last steps");
        assertEquals(K, run.eval().l0(), 0.2 * K, "inference l0");
        run.assertLearned(0.5, 0.25);
    }

    @Test
    void reluL1ReachesASparseCodeAndRecoversTheFeatures() {
        // lr 5e-3: at the default 5e-5 nothing is learned in 976 steps (fvu 1.0, l0 17.5). λ = 4 brings
        // l0 to about the 3 events of a row (λ = 2 gives l0 ≈ 11, λ = 3 l0 ≈ 7). The L1 penalty
        // shrinks every activation, so the fvu is far above the other architectures' at this l0.
        Run run = train("relu", recipe(Architecture.RELU, F).lr(5e-3).l1Coefficient(4).build());
        assertTrue(run.eval().l0() >= 2 && run.eval().l0() <= 6, "inference l0 " + run.eval().l0() + ", expected in [2, 6]");
        run.assertLearned(0.9, 0.85);
    }

    @Test
    void widerSaeReconstructsBetter() {
        // 32 latents cannot hold the 64 features (it recovers ~40%); 256 can
        Run wide = train("topk", recipe(Architecture.TOPK, F).build());
        Run narrow = train("topk-narrow", recipe(Architecture.TOPK, 32).build());
        assertTrue(wide.eval().mse() < 0.75 * narrow.eval().mse(), "mse F=" + F + ": " + wide.eval().mse() + ", F=32: " + narrow.eval().mse());
    }
}
