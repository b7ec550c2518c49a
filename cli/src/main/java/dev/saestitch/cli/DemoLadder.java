package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.TrainConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * The SAEs of a demo: trained with one recipe, saved under {@code saes/NAME}, evaluated on rows
 * of an evaluation source. Shared by the synthetic and the real-data demo.
 *
 * @param l1    ReLU's L1 coefficient, or null for the training default
 * @param truth true feature directions for the recovery columns, or null where none are known
 */
record DemoLadder(Backend backend, Path saes, Architecture architecture, int k, long tokens, int batch, double lr, Double l1, long deadTokens,
                  int evalRows, Matrix truth, PrintWriter err) {

    Path dir(String name) { return saes.resolve(name); }

    /** Trains one SAE on {@code train}, saves it and returns its metrics row, measured on {@code eval}. */
    Map<String, Object> train(String name, int width, long seed, ActivationSource train, ActivationSource eval) throws IOException {
        TrainConfig.Builder recipe = TrainConfig.builder(architecture, width).k(k).batchSize(batch).totalTokens(tokens)
                .lr(lr).deadTokens(deadTokens).seed(seed);
        if (l1 != null) recipe.l1Coefficient(l1);
        TrainConfig cfg = recipe.build();
        TrainingRun.Result run = TrainingRun.run(backend, cfg, train, seed, "demo " + name, null, 0, false, err);
        try (Sae sae = run.sae()) {
            SaeFiles.save(sae, dir(name));
            Evaluation ev = Evaluations.evaluate(backend, sae, eval, seed, evalRows, batch);
            return Evaluations.report(backend, ev, sae, truth)
                    .put("sae", dir(name).toString())
                    .put("seconds", run.seconds())
                    .put("tokens_per_s", run.tokensPerSecond()).fields();
        }
    }
}
