package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSaeRunner;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.Evaluation;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A Frankenstein SAE (workshop paper Algorithm 1, blog post; SPEC §3), every stage of it measured:
 * the merge ({@link FrankensteinMerge}), each stage's merged SAE with its sources' decoders, the
 * decoder retraining of every stage ({@link DecoderRetraining}), and each retrained SAE, all
 * evaluated on the same held-out rows ({@link DataSplit}).
 *
 * <p>The result is the last stage's merged SAE with its retrained decoder (or its sources'
 * decoder when the method is {@link DecoderRetraining.Method#NONE}). It refers to the SAEs the
 * run was given, which must stay open while it is used; closing this object frees its decoder.
 */
public final class Frankenstein implements AutoCloseable {

    /**
     * @param threshold θ of the merge (the papers' 0.7)
     * @param bias      the merged SAE's decoder bias before retraining (SPEC §2: eq. 5 or the base's)
     * @param retrain   how the decoders are retrained
     */
    public record Options(double threshold, CompositeSae.BiasRule bias, DecoderRetraining.Options retrain) {}

    /**
     * One stage, measured on the held-out rows.
     * @param merged    with the sources' decoder rows and the {@link Options#bias} rule
     * @param retrained with the retrained decoder; the same as {@code merged} when nothing was retrained
     */
    public record StageResult(FrankensteinMerge.Stage stage, Evaluation merged, Evaluation retrained) {
        public int width() { return stage.width(); }
    }

    private final FrankensteinMerge merge;
    private final List<StageResult> stages;
    private final CompositeSae result;
    private final double retrainSeconds;

    private Frankenstein(FrankensteinMerge merge, List<StageResult> stages, CompositeSae result, double retrainSeconds) {
        this.merge = merge;
        this.stages = List.copyOf(stages);
        this.result = result;
        this.retrainSeconds = retrainSeconds;
    }

    /**
     * Merges, measures, retrains and measures again.
     * @param progress told the rows streamed by the retraining (may be null)
     */
    public static Frankenstein run(Backend backend, Sae base, List<Sae> larger, DataSplit split, Options options, LongConsumer progress) {
        FrankensteinMerge merge = FrankensteinMerge.build(backend, base, larger, options.threshold());
        int last = merge.lastStage();
        if (options.retrain().method() == DecoderRetraining.Method.EXACT) SparseGram.checkFits(merge.width(last), base.dIn());   // before the evaluations
        List<CompositeSae> merged = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            List<Evaluation> before = new ArrayList<>();
            List<Decoder> starts = new ArrayList<>();
            for (int s = 0; s <= last; s++) {
                CompositeSae c = CompositeSae.of(merge.sources(s), options.bias());
                merged.add(c);
                starts.add(new Decoder(c.wDec(), c.bDec()));
                before.add(evaluate(backend, c, split));
            }
            long started = System.nanoTime();
            List<Decoder> fitted = DecoderRetraining.run(backend, merged.get(last), starts, split.fitFeed(), options.retrain(), progress, arena);
            double seconds = (System.nanoTime() - started) / 1e9;
            boolean retrained = options.retrain().method() != DecoderRetraining.Method.NONE;
            List<StageResult> results = new ArrayList<>();
            CompositeSae result = null;
            try {
                for (int s = 0; s <= last; s++) {
                    CompositeSae c = CompositeSae.withDecoder(merge.sources(s), fitted.get(s).wDec(), fitted.get(s).bDec());
                    Evaluation after = retrained ? evaluate(backend, c, split) : before.get(s);
                    results.add(new StageResult(merge.stages().get(s), before.get(s), after));
                    if (s == last) result = c;
                    else c.close();
                }
            } catch (RuntimeException e) {
                if (result != null) result.close();
                throw e;
            }
            return new Frankenstein(merge, results, result, seconds);
        } finally {
            for (CompositeSae c : merged) c.close();
        }
    }

    private static Evaluation evaluate(Backend backend, CompositeSae sae, DataSplit split) {
        try (CompositeSaeRunner runner = new CompositeSaeRunner(backend, sae, split.evalBatch())) {
            return split.evaluate(runner);
        }
    }

    public FrankensteinMerge merge() { return merge; }

    /** The base alone, then one per larger SAE. */
    public List<StageResult> stages() { return stages; }

    /** The last stage, retrained (owned by this object). */
    public CompositeSae result() { return result; }

    /** Wall time of the decoder retraining of all stages. */
    public double retrainSeconds() { return retrainSeconds; }

    @Override public void close() { result.close(); }
}
