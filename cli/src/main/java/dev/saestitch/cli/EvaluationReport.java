package dev.saestitch.cli;

import dev.saestitch.metrics.FeatureRecovery;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.Evaluation;

/** The metrics that train, eval and the demo report, in one shape. */
final class EvaluationReport {

    private EvaluationReport() {}

    /** The contract keys (mse, fvu, l0, dead_fraction, ...) plus recovery when the truth is known. */
    static JsonReport of(Evaluation ev, Sae sae, Matrix truth) {
        return of(ev, sae.architecture().cliName(), sae.dIn(), sae.width(), sae.wDec(), truth);
    }

    /** As {@link #of(Evaluation, Sae, Matrix)} for anything with (F, D) decoder rows {@code wDec}. */
    static JsonReport of(Evaluation ev, String architecture, int dIn, int width, Matrix wDec, Matrix truth) {
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
            FeatureRecovery.Result rec = FeatureRecovery.score(truth, wDec);
            r.put("recovered_fraction", rec.fractionRecovered()).put("mean_max_cos", rec.meanMaxCosine());
        }
        return r;
    }
}
