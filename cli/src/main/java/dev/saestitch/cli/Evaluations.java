package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.metrics.FeatureRecovery;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.InferenceRunner;
import dev.saestitch.train.SaeRunner;
import dev.saestitch.train.ShuffledFeed;

import java.io.PrintWriter;
import java.util.function.IntFunction;

/** The metrics that train and eval report, in one shape. */
final class Evaluations {

    /** Seed offset so that evaluation reads the rows in another order than training did. */
    private static final long EVAL_ORDER = 0x5EED_E7A1L;

    private Evaluations() {}

    /** Metrics of {@code sae} on up to {@code rows} rows of {@code source} (at least one batch). */
    static Evaluation evaluate(Backend backend, Sae sae, ActivationSource source, long seed, int rows, int batch) {
        return evaluate(b -> new SaeRunner(backend, sae, b), source, seed, rows, batch);
    }

    /** Metrics of the runner that {@code runnerForBatch} makes for a batch size, e.g. a composite SAE's. */
    static Evaluation evaluate(IntFunction<InferenceRunner> runnerForBatch, ActivationSource source, long seed, int rows, int batch) {
        int b = (int) Math.max(1, Math.min(batch, Math.min(rows, source.rows())));
        int batches = Math.max(1, rows / b);
        try (InferenceRunner runner = runnerForBatch.apply(b)) {
            return Evaluation.of(runner, new ShuffledFeed(source, seed ^ EVAL_ORDER), batches, b);
        }
    }

    /** The contract keys (mse, fvu, l0, dead_fraction, ...) plus recovery when the truth is known. */
    static JsonReport report(Backend backend, Evaluation ev, Sae sae, Matrix truth) {
        return report(backend, ev, sae.architecture().cliName(), sae.dIn(), sae.width(), sae.wDec(), truth);
    }

    /** As {@link #report(Backend, Evaluation, Sae, Matrix)} for anything with (F, D) decoder rows {@code wDec}. */
    static JsonReport report(Backend backend, Evaluation ev, String architecture, int dIn, int width, Matrix wDec, Matrix truth) {
        JsonReport r = new JsonReport()
                .put("architecture", architecture)
                .put("d_in", dIn)
                .put("width", width)
                .put("samples", ev.samples())
                .put("mse", ev.mse())
                .put("sse", ev.sse())
                .put("fvu", ev.fvu())
                .put("l0", ev.l0())
                .put("dead_fraction", ev.deadFraction());
        if (truth != null) {
            FeatureRecovery.Result rec = FeatureRecovery.score(backend, truth, wDec);
            r.put("recovered_fraction", rec.fractionRecovered()).put("mean_max_cos", rec.meanMaxCosine());
        }
        return r;
    }

    static void print(JsonReport report, boolean json, PrintWriter out) {
        if (json) {
            report.print(out);
            return;
        }
        report.fields().forEach((k, v) -> out.printf("%-18s %s%n", k, v instanceof Double d ? String.format("%.6g", d) : v));
        out.flush();
    }
}
