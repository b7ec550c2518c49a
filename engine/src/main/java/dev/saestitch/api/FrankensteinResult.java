package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.franken.DataSplit;
import dev.saestitch.franken.Frankenstein;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.Evaluation;
import dev.saestitch.sae.SaeRunner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A Frankenstein SAE (SPEC §3) built from a base and larger SAEs, next to plain SAEs measured on
 * the same held-out rows. Closing it closes the merged SAE (not the plain ones).
 *
 * @param plain the plain SAEs by increasing width, each with its held-out metrics
 * @param split the fitted and held-out rows
 */
public record FrankensteinResult(Frankenstein merge, List<PlainEvaluation> plain, DataSplit split) implements AutoCloseable {

    /** A plain SAE's metrics on the held-out rows. */
    public record PlainEvaluation(Sae sae, Evaluation evaluation) {}

    /**
     * Merges {@code base} and {@code larger}, retrains the decoders on rows of {@code source} and
     * measures the stages and every SAE of {@code plain} on the held-out rows ({@link DataSplit#of}).
     * @param progress hears the rows streamed by the retraining
     */
    public static FrankensteinResult build(Backend backend, Sae base, List<Sae> larger, List<Sae> plain, ActivationSource source,
                                           Frankenstein.Options options, int evalRows, int batch, long seed, LongConsumer progress) {
        DataSplit split = DataSplit.of(source, evalRows, batch, seed);
        Frankenstein merge = Frankenstein.run(backend, base, larger, split, options, progress);
        try {
            List<PlainEvaluation> rows = new ArrayList<>();
            for (Sae s : plain.stream().sorted(Comparator.comparingInt(Sae::width)).toList())
                try (SaeRunner runner = new SaeRunner(backend, s, split.evalBatch())) {
                    rows.add(new PlainEvaluation(s, split.evaluate(runner)));
                }
            return new FrankensteinResult(merge, List.copyOf(rows), split);
        } catch (RuntimeException e) {
            merge.close();
            throw e;
        }
    }

    public Frankenstein.StageResult last() { return merge.stages().getLast(); }

    @Override public void close() { merge.close(); }
}
