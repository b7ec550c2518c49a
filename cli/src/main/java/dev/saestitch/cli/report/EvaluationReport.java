package dev.saestitch.cli.report;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.FeatureRecovery;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.Evaluation;

/** The metrics that train, eval and the demo report, in one shape. */
public final class EvaluationReport {

    private EvaluationReport() {}

    /** The contract keys (mse, fvu, l0, dead_fraction, ...) plus recovery when the truth is known. */
    public static JsonReport of(Backend backend, Evaluation ev, Autoencoder sae, Matrix truth) {
        return of(ev, sae, truth == null ? null : FeatureRecovery.score(backend, truth, sae.wDec()));
    }

    /** The contract keys plus recovery when it is not null. */
    public static JsonReport of(Evaluation ev, Autoencoder sae, FeatureRecovery.Result recovery) {
        JsonReport r = new JsonReport()
                .put("architecture", sae.architectureName())
                .put("d_in", sae.dIn())
                .put("width", sae.width())
                .put("samples", ev.samples())
                .put("mse", ev.mse())
                .put("sse", ev.sse())
                .put("fvu", ev.fvu())
                .put("l0", ev.l0())
                .put("dead_fraction", ev.deadFraction());
        if (recovery != null) r.put("recovered_fraction", recovery.fractionRecovered()).put("mean_max_cos", recovery.meanMaxCosine());
        return r;
    }
}
