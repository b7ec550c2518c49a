package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.match.PairMatch;
import dev.saestitch.match.PreActivationCorrelation;
import dev.saestitch.match.SeedComparison;
import dev.saestitch.match.SeedMatching;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.ShuffledFeed;

import java.util.List;
import java.util.Locale;

/**
 * How seed matching compares encoders: by the cosine of their weight rows (the paper's rule, the
 * default) or by the correlation of the latents' pre-activations over activations
 * ({@link PreActivationCorrelation}); decoders are always compared by weight cosine.
 *
 * @param correlation the data's metric, null for WEIGHTS
 */
public record EncoderMetric(Kind kind, PreActivationCorrelation correlation) {

    public enum Kind {
        WEIGHTS, COVARIANCE;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        /** @throws IllegalArgumentException naming the choices */
        public static Kind parse(String s) {
            for (Kind k : values()) if (k.cliName().equals(s)) return k;
            throw new IllegalArgumentException("unknown encoder metric '" + s + "' (choose weights or covariance)");
        }
    }

    /** The paper's rule. */
    public static final EncoderMetric WEIGHTS = new EncoderMetric(Kind.WEIGHTS, null);

    /** The covariance metric of up to {@code rows} rows of {@code source}, read in {@code seed}'s order ({@link Batches#of}). */
    public static EncoderMetric covariance(Backend backend, ActivationSource source, long seed, long rows, int batch) {
        Batches batches = Batches.of(rows, batch, source.rows());
        return new EncoderMetric(Kind.COVARIANCE, PreActivationCorrelation.of(backend, new ShuffledFeed(source, seed), batches.count(), batches.size()));
    }

    public PairMatch match(Backend backend, Sae a, Sae b, double threshold) {
        return correlation == null ? SeedMatching.match(backend, a, b, threshold) : correlation.match(backend, a, b, threshold);
    }

    public SeedComparison compare(Backend backend, List<Sae> saes, double threshold) {
        return SeedComparison.of(saes, (a, b) -> match(backend, a, b, threshold));
    }
}
