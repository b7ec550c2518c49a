package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.Backends;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.synth.SyntheticConfig;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.train.ShuffledFeed;
import dev.saestitch.train.TrainConfig;
import dev.saestitch.train.Trainer;
import dev.saestitch.train.SaeRunner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class ScratchExperimentTest {
    static Sae train(Backend b, SyntheticWorld w, int width, int k, long tokens, long seed) {
        TrainConfig cfg = TrainConfig.builder(Architecture.TOPK, width).k(k).batchSize(1024).totalTokens(tokens)
                .lr(Double.parseDouble(System.getProperty("xlr", "5e-3"))).deadTokens(tokens / 4).seed(seed).build();
        try (Trainer t = Trainer.start(b, cfg, new ShuffledFeed(w, seed))) {
            t.runToEnd(null);
            return t.result();
        }
    }

    @Test
    void run() {
        int dim = Integer.getInteger("xdim", 32), k = Integer.getInteger("xk", 8);
        long tokens = Long.getLong("xtok", 300_000);
        int[] widths = java.util.Arrays.stream(System.getProperty("xw", "128,256,512").split(",")).mapToInt(Integer::parseInt).toArray();
        SyntheticWorld world = new SyntheticWorld(SyntheticConfig.defaults().scaledTo(dim));
        try (Backend b = Backends.select("cpu")) {
            long t0 = System.nanoTime();
            List<Sae> saes = new ArrayList<>();
            for (int i = 0; i < widths.length; i++) saes.add(train(b, world, widths[i], k, tokens, i + 1));
            System.out.printf("trained in %.1fs%n", (System.nanoTime() - t0) / 1e9);
            DataSplit split = DataSplit.of(world, 16384, 4096, 7);
            for (Sae s : saes) try (SaeRunner r = new SaeRunner(b, s, split.evalBatch())) {
                var ev = split.evaluate(r);
                var rec = dev.saestitch.metrics.FeatureRecovery.score(world.trueFeatures().directions(java.lang.foreign.Arena.ofShared()), s.wDec());
                System.out.printf("plain F=%d l0=%.2f mse=%.5g fvu=%.4f rec=%.3f meancos=%.3f%n", s.width(), ev.l0(), ev.mse(), ev.fvu(), rec.fractionRecovered(), rec.meanMaxCosine());
            }
            for (String m : System.getProperty("xm", "exact,adam").split(",")) {
                for (String lrs : System.getProperty("xrlr", "1e-3").split(",")) {
                    long t1 = System.nanoTime();
                    var opts = new Frankenstein.Options(0.7, CompositeSae.BiasRule.EQ5,
                            new DecoderRetraining.Options(DecoderRetraining.Method.parse(m), Long.getLong("xrtok", 1_000_000), 1024, Double.parseDouble(lrs), NormalEquations.DEFAULT_RIDGE));
                    try (Frankenstein f = Frankenstein.run(b, saes.get(0), saes.subList(1, saes.size()), split, opts, null)) {
                        System.out.printf("%s lr=%s in %.1fs (retrain %.1fs)%n", m, lrs, (System.nanoTime() - t1) / 1e9, f.retrainSeconds());
                        for (var st : f.merge().stages()) { double mc = 0; for (float c : st.maxCosine()) mc += c; System.out.printf("  stage %d mean maxcos %.3f%n", st.index(), mc / Math.max(1, st.maxCosine().length)); }
                        for (var s : f.stages())
                            System.out.printf("  stage %d F=%d added=%d l0=%.2f mse merged=%.5g retrained=%.5g%n", s.stage().index(), s.width(), s.stage().addedCount(), s.merged().l0(), s.merged().mse(), s.retrained().mse());
                    }
                }
            }
            int fw = Integer.getInteger("xplain", 0);
            if (fw > 0) {
                try (Sae p = train(b, world, fw, k, tokens, 99); SaeRunner r = new SaeRunner(b, p, split.evalBatch())) {
                    var ev = split.evaluate(r);
                    System.out.printf("plain same-F F=%d l0=%.2f mse=%.5g%n", p.width(), ev.l0(), ev.mse());
                }
            }
            for (Sae s : saes) s.close();
        }
    }
}
