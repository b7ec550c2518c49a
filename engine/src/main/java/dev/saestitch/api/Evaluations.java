package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.InferenceRunner;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.ShuffledFeed;

/** Reconstruction metrics of a plain or composite SAE on rows of a source, read in the order its seed gives. */
public final class Evaluations {

    /** Seed offset so that evaluation reads the rows in another order than training did. */
    private static final long EVAL_ORDER = 0x5EED_E7A1L;

    private Evaluations() {}

    /** Metrics of {@code sae} on up to {@code rows} rows of {@code source} ({@link Batches#of}). */
    public static Evaluation of(Backend backend, Autoencoder sae, ActivationSource source, long seed, long rows, int batch) {
        Batches batches = Batches.of(rows, batch, source.rows());
        try (InferenceRunner runner = sae.runner(backend, batches.size())) {
            return Evaluation.of(runner, new ShuffledFeed(source, seed ^ EVAL_ORDER), batches.count(), batches.size());
        }
    }
}
