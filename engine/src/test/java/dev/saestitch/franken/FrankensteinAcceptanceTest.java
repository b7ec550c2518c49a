package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.train.Evaluation;
import dev.saestitch.sae.SaeRunner;
import dev.saestitch.train.ShuffledFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The papers' Frankenstein finding on the synthetic world (SPEC §3, §6), at small shapes: a ladder
 * of TopK SAEs (D = 32, k = 8, F = 64, 128, 256; 400k tokens each) merged by Algorithm 1 and
 * retrained for 500k tokens reaches a lower held-out mse than a plain TopK SAE trained with the
 * same number of latents, at a higher l0 (the blog post: 1425 latents at L0 53.1 vs 35.0 for the
 * 1536-latent SAE). The exact least-squares retraining reaches an mse at or below Adam's at every
 * stage, and retraining lowers the merged SAE's mse at every stage. Prints the numbers.
 */
class FrankensteinAcceptanceTest {

    private static final int K = 8, BATCH = 1024;
    private static final long TOKENS = 400_000, RETRAIN_TOKENS = 500_000;

    private static Sae train(Backend backend, SyntheticWorld world, int width, long seed) {
        TrainConfig cfg = TrainConfig.builder(Architecture.TOPK, width).k(K).batchSize(BATCH).totalTokens(TOKENS)
                .lr(1e-2).deadTokens(TOKENS / 4).seed(seed).build();
        try (Trainer t = Trainer.start(backend, cfg, new ShuffledFeed(world, seed))) {
            t.runToEnd(null);
            return t.result();
        }
    }

    private static Frankenstein frankenstein(Backend backend, List<Sae> ladder, DataSplit split, DecoderRetraining.Method method) {
        var retrain = new DecoderRetraining.Options(method, RETRAIN_TOKENS, BATCH, DecoderRetraining.Options.DEFAULT_LR, NormalEquations.DEFAULT_RIDGE);
        var options = new Frankenstein.Options(0.7, CompositeSae.BiasRule.EQ5, retrain);
        return Frankenstein.run(backend, ladder.getFirst(), ladder.subList(1, ladder.size()), split, options, null);
    }

    @Test
    void retrainedFrankensteinBeatsAPlainSaeOfTheSameSize() {
        SyntheticWorld world = new SyntheticWorld(SyntheticConfig.defaults().scaledTo(32));
        DataSplit split = DataSplit.of(world, 16384, 4096, 7);
        try (Backend backend = Backends.select("cpu");
             Sae s64 = train(backend, world, 64, 1); Sae s128 = train(backend, world, 128, 2); Sae s256 = train(backend, world, 256, 3);
             Frankenstein exact = frankenstein(backend, List.of(s64, s128, s256), split, DecoderRetraining.Method.EXACT);
             Frankenstein adam = frankenstein(backend, List.of(s64, s256, s128), split, DecoderRetraining.Method.ADAM);
             Sae plain = train(backend, world, exact.result().width(), 4);
             SaeRunner plainRunner = new SaeRunner(backend, plain, split.evalBatch())) {
            Evaluation same = split.evaluate(plainRunner);
            System.out.printf("plain TopK F=%d: l0 %.2f mse %.5g%n", plain.width(), same.l0(), same.mse());
            for (int s = 0; s < exact.stages().size(); s++) {
                Frankenstein.StageResult e = exact.stages().get(s), a = adam.stages().get(s);
                System.out.printf("stage %d: F=%d (+%d of %d) l0 %.2f; mse merged %.5g, exact %.5g, adam %.5g%n", s, e.width(),
                        e.stage().addedCount(), e.stage().sae().width(), e.merged().l0(), e.merged().mse(), e.retrained().mse(), a.retrained().mse());
                assertEquals(e.width(), a.width(), "the same merge whatever the order the SAEs are given in");
                assertTrue(e.retrained().mse() < e.merged().mse(), "retraining lowers the mse of stage " + s);
                assertTrue(e.retrained().mse() <= a.retrained().mse(), "exact " + e.retrained().mse() + " above Adam " + a.retrained().mse() + " at stage " + s);
                assertEquals(e.merged().l0(), e.retrained().l0(), 0.0, "codes are frozen");
                if (s > 0) assertTrue(e.stage().addedCount() > 0 && e.stage().addedCount() < e.stage().sae().width(),
                        "stage " + s + " adds some latents, not all");
            }
            Frankenstein.StageResult last = exact.stages().getLast();
            assertEquals(plain.width(), last.width());
            assertTrue(last.retrained().mse() < same.mse(), "Frankenstein " + last.retrained().mse() + " vs plain " + same.mse());
            assertTrue(adam.stages().getLast().retrained().mse() < same.mse(), "Adam-retrained Frankenstein vs plain " + same.mse());
            assertTrue(last.retrained().l0() > same.l0(), "at a higher l0: " + last.retrained().l0() + " vs " + same.l0());
        }
    }
}
