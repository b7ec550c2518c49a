package dev.saestitch.cli;

import dev.saestitch.api.Comparison;
import dev.saestitch.api.EncoderMetric;
import dev.saestitch.api.Evaluations;
import dev.saestitch.api.FrankensteinResult;
import dev.saestitch.api.Stitching;
import dev.saestitch.api.Training;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.CompareReport;
import dev.saestitch.cli.report.DemoReport;
import dev.saestitch.cli.report.EvaluationReport;
import dev.saestitch.cli.report.FrankenReport;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.cli.report.MatchReport;
import dev.saestitch.cli.report.MatchSummary;
import dev.saestitch.cli.report.StitchReport;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.FeatureRecovery;
import dev.saestitch.franken.DecoderRetraining;
import dev.saestitch.franken.Frankenstein;
import dev.saestitch.franken.NormalEquations;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.match.PairMatch;
import dev.saestitch.match.SeedMatching;
import dev.saestitch.dict.NovelLatentTruth;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.TrainConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's steps as a script over the engine API, on one backend: the ladder is trained once and
 * its SAEs stay in memory for the comparisons, the stitching paths, the Frankenstein SAE and the
 * seed match; each step's JSON and report folder are those of the command of the same name, with
 * that command's defaults. Shared by the synthetic and the real-data demo. Closing it closes the SAEs.
 */
final class DemoPipeline implements AutoCloseable {

    /**
     * The training recipe and measurement sizes of a demo.
     *
     * @param l1       ReLU's L1 coefficient, or null for the training default
     * @param dataSeed the data order of every SAE, or null for each SAE's own seed (its seeds then differ in order too)
     */
    record Recipe(Architecture architecture, int[] widths, int k, long tokens, int batch, double lr, Double l1, long deadTokens, long seed,
                  Long dataSeed, int evalRows) {

        /** The same budget and data with another architecture, k and learning rate (the scorecard's TopK pair). */
        Recipe with(Architecture arch, int k, double lr) {
            return new Recipe(arch, widths, k, tokens, batch, lr, l1, deadTokens, seed, dataSeed, evalRows);
        }

        /** The training configuration of the rung of this width. */
        TrainConfig config(int width, long seed) {
            TrainConfig.Builder b = TrainConfig.builder(architecture, width).k(k).batchSize(batch).totalTokens(tokens)
                    .lr(lr).deadTokens(deadTokens).seed(seed);
            if (l1 != null) b.l1Coefficient(l1);
            return b.build();
        }

        /** The data order of an SAE initialised with {@code seed}. */
        long order(long seed) { return dataSeed != null ? dataSeed : seed; }
    }

    /** A step's typed result, which the demo's table renders, and its command's JSON object, which the report holds. */
    record Reported<T>(T result, Map<String, Object> json) {}

    /** compare's, stitch's and frankenstein's default batch and stitch's default rows. */
    private static final int COMMAND_BATCH = 4096, STITCH_ROWS = 16384;

    private final Backend backend;
    private final Recipe recipe;
    private final Path out;
    private final PrintWriter err;
    private final Map<String, Sae> saes = new LinkedHashMap<>();

    DemoPipeline(Backend backend, Recipe recipe, Path out, PrintWriter err) {
        this.backend = backend;
        this.recipe = recipe;
        this.out = out;
        this.err = err;
    }

    int[] widths() { return recipe.widths().clone(); }

    Architecture architecture() { return recipe.architecture(); }

    String ladderName(int width) { return recipe.architecture().cliName() + "-" + width; }

    private String secondSeedName() { return ladderName(recipe.widths()[0]) + "-seed" + (recipe.seed() + 1); }

    private String topkPairName(int k, long seed) { return "topk" + k + "-" + recipe.widths()[0] + "-seed" + seed; }

    Path reports() { return out.resolve("report"); }

    private Path saeDir(String name) { return out.resolve("saes").resolve(name); }

    /**
     * Trains the ladder (one pass over {@code train}) and the smallest width's second seed (alone:
     * it reads the data in its own seed's order); returns each rung's metrics row, measured on
     * {@code eval} (recovery columns where {@code truth} is known).
     */
    List<DemoReport.Rung> trainLadder(ActivationSource train, ActivationSource eval, Matrix truth) throws IOException {
        List<TrainConfig> configs = Arrays.stream(recipe.widths()).mapToObj(w -> recipe.config(w, recipe.seed())).toList();
        Map<TrainConfig, TrainingLog> logs = new LinkedHashMap<>();
        List<Training.Result> runs = Training.ladder(backend, configs, train, recipe.seed(), Training.Checkpoints.NONE,
                c -> logs.computeIfAbsent(c, x -> new TrainingLog(err, "demo " + ladderName(x.width()), null)));
        logs.values().forEach(TrainingLog::done);
        List<DemoReport.Rung> ladder = new ArrayList<>();
        try {
            for (int i = 0; i < runs.size(); i++) ladder.add(keep(ladderName(recipe.widths()[i]), runs.get(i), recipe.seed(), eval, truth));
        } finally {
            for (Training.Result run : runs) run.sae().close();
        }
        long second = recipe.seed() + 1;
        TrainingLog log = new TrainingLog(err, "demo " + secondSeedName(), null);
        Training.Result run = Training.run(backend, recipe.config(recipe.widths()[0], second), train, recipe.order(second), Training.Checkpoints.NONE, log);
        log.done();
        try (Sae ignored = run.sae()) {
            keep(secondSeedName(), run, recipe.order(second), eval, truth);
        }
        return ladder;
    }

    /**
     * Two seeds of a TopK SAE of the smallest width with {@code k} active latents (the ladder's own
     * budget and data order, {@code lr}), trained in one pass, so that seed sharing can be compared at
     * equal l0 with the ladder's pair.
     */
    void trainTopKPair(int k, double lr, ActivationSource train, ActivationSource eval) throws IOException {
        Recipe topk = recipe.with(Architecture.TOPK, k, lr);
        long order = recipe.order(recipe.seed());
        List<TrainConfig> configs = List.of(topk.config(recipe.widths()[0], recipe.seed()), topk.config(recipe.widths()[0], recipe.seed() + 1));
        Map<TrainConfig, TrainingLog> logs = new LinkedHashMap<>();
        List<Training.Result> runs = Training.ladder(backend, configs, train, order, Training.Checkpoints.NONE,
                c -> logs.computeIfAbsent(c, x -> new TrainingLog(err, "demo " + topkPairName(k, x.seed()), null)));
        logs.values().forEach(TrainingLog::done);
        try {
            for (int i = 0; i < runs.size(); i++) keep(topkPairName(k, configs.get(i).seed()), runs.get(i), order, eval, null);
        } finally {
            for (Training.Result run : runs) run.sae().close();
        }
    }

    /**
     * Saves a trained SAE and keeps it in memory as its files hold it (input scale folded into
     * the weights, as SAELens writes it), so every later step measures exactly the saved SAE;
     * returns its rung on the evaluation rows of {@code seed}.
     */
    private DemoReport.Rung keep(String name, Training.Result run, long seed, ActivationSource eval, Matrix truth) throws IOException {
        Sae sae = run.sae();
        SaeFiles.save(sae, saeDir(name));
        Evaluation ev = Evaluations.of(backend, sae, eval, seed, recipe.evalRows(), recipe.batch());
        saes.put(name, SaeFiles.load(saeDir(name)));
        FeatureRecovery.Result recovery = truth == null ? null : FeatureRecovery.score(backend, truth, sae.wDec());
        Map<String, Object> json = EvaluationReport.of(ev, sae, recovery)
                .put("sae", saeDir(name).toString())
                .put("seconds", run.seconds())
                .put("tokens_per_s", run.tokensPerSecond()).fields();
        return new DemoReport.Rung(sae.width(), ev, recovery, run.seconds(), json);
    }

    /** A compared and stitched pair: the comparison, the rescaled one and the path, and the two commands' JSON objects. */
    record Pair(String small, String large, Comparison comparison, Comparison.Rescaled rescaled, Stitching.StitchResult path,
                JsonReport compare, JsonReport stitch) {

        /** The pair for the demo's table, with its novel latents against the truth where known (else null). */
        DemoReport.Pair typed(NovelLatentTruth truth) { return new DemoReport.Pair(small, large, comparison, rescaled, path, truth); }

        Map<String, Object> fields() {
            Map<String, Object> pair = new LinkedHashMap<>();
            pair.put("small", small);
            pair.put("large", large);
            pair.put("compare", compare.fields());
            pair.put("stitch", stitch.fields());
            return pair;
        }
    }

    /** compare and stitch of SMALL against LARGE on the activations in {@code data}; their reports go under report/. */
    Pair comparePair(String small, String large, Path data) {
        Sae s = saes.get(small), l = saes.get(large);
        String pairName = small + "-vs-" + large;
        try (ActivationSource rows = ActivationFiles.open(data, null)) {
            Comparison comparison = Comparison.of(backend, s, l, DictionaryComparison.DEFAULT_THRESHOLD)
                    .onData(backend, s, l, rows, 0, recipe.evalRows(), COMMAND_BATCH, n -> {});
            JsonReport compare = CompareReport.json(comparison, saeDir(small), saeDir(large), s, l, rows.describe());
            Comparison.Rescaled rescaled = comparison.rescaled(backend, s, l, rows, 0, recipe.evalRows(), COMMAND_BATCH);
            CompareReport.putRescaled(compare, rescaled);
            CompareReport.write(reports().resolve("compare-" + pairName), compare, comparison);
            Stitching.Options options = new Stitching.Options(Stitching.Order.RANDOM, CompositeSae.BiasRule.EQ5,
                    DictionaryComparison.DEFAULT_THRESHOLD, 0, Math.min(recipe.evalRows(), STITCH_ROWS), COMMAND_BATCH, true);
            Stitching.StitchResult path = Stitching.plan(backend, s, l, rows, options).walk(step -> {});
            JsonReport stitch = StitchReport.json(path, saeDir(small), saeDir(large), rows.describe());
            StitchReport.write(reports().resolve("stitch-" + pairName), stitch, path);
            return new Pair(small, large, comparison, rescaled, path, compare, stitch);
        }
    }

    /** explore's defaults: top contexts, quantile samples, context radius. */
    private static final ExploreRun EXPLORE = new ExploreRun(20, 5, 8, COMMAND_BATCH, DictionaryComparison.DEFAULT_THRESHOLD);

    /**
     * The explorer of the pair (SAE = larger, compare = smaller) on up to evalRows rows of {@code data},
     * as {@code explore} writes it, into explorer/; returns its index.html.
     */
    Path explore(Pair pair, Path data) {
        Path site = out.resolve("explorer");
        try (ActivationSource rows = ActivationFiles.open(data, null)) {
            long n = Math.min(recipe.evalRows(), rows.rows());
            Path index = EXPLORE.write(backend, saes.get(pair.large()), saeDir(pair.large()), saes.get(pair.small()), saeDir(pair.small()),
                    rows, data, n, site, err).index();
            err.println("demo: explorer of " + pair.large() + " against " + pair.small() + ": open " + index.toAbsolutePath());
            return index;
        }
    }

    /** The pair's novel latents scored against the true features. */
    Reported<NovelLatentTruth> novelVsTruth(Pair pair, Matrix truth) {
        NovelLatentTruth t = NovelLatentTruth.score(backend, truth, saes.get(pair.small()).wDec(), saes.get(pair.large()).wDec(),
                pair.comparison().classes().novelMask());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("novel", t.novel());
        m.put("hits", t.hits());
        m.put("precision", CompareReport.finite(t.precision()));
        m.put("missed_by_small", t.missedBySmall());
        m.put("missed_found_by_large", t.missedFoundByLarge());
        m.put("missed_found_by_novel", t.missedFoundByNovel());
        m.put("recall", CompareReport.finite(t.recall()));
        return new Reported<>(t, m);
    }

    /**
     * A Frankenstein SAE from the whole ladder (SPEC §3), its decoder refitted exactly on up to
     * {@code tokens} rows of {@code data}, saved under saes/frankenstein with its report.
     */
    Reported<Frankenstein.StageResult> frankenstein(DataOption.Dataset data, long tokens) {
        List<Sae> ladder = new ArrayList<>();
        Map<Sae, String> pathOf = new IdentityHashMap<>();
        for (int width : recipe.widths()) {
            Sae sae = saes.get(ladderName(width));
            ladder.add(sae);
            pathOf.put(sae, saeDir(ladderName(width)).toString());
        }
        var options = new Frankenstein.Options(DictionaryComparison.DEFAULT_THRESHOLD, CompositeSae.BiasRule.EQ5,
                new DecoderRetraining.Options(DecoderRetraining.Method.EXACT, tokens, COMMAND_BATCH, DecoderRetraining.Options.DEFAULT_LR,
                        NormalEquations.DEFAULT_RIDGE));
        Progress progress = new Progress(err, "frankenstein retrain", options.retrain().steps() * COMMAND_BATCH, "tok");
        try (FrankensteinResult f = FrankensteinResult.build(backend, ladder.getFirst(), ladder.subList(1, ladder.size()), ladder, data.source(),
                options, recipe.evalRows(), COMMAND_BATCH, 0, n -> progress.status(n, ""))) {
            progress.done();
            Path saved = saeDir("frankenstein");
            String format = SaeFiles.save(f.merge().result(), saved, Map.of());
            JsonReport result = FrankenReport.json(backend, f, options, pathOf::get, data.description(), data.truth(), saved, format);
            FrankenReport.write(reports().resolve("frankenstein"), result, options);
            return new Reported<>(f.last(), result.fields());
        }
    }

    /** The smallest SAE against its second seed, encoders by weights and by pre-activation correlation on {@code data}. */
    Reported<DemoReport.Seeds> matchSeeds(Path data) {
        return matchSeeds(ladderName(recipe.widths()[0]), secondSeedName(), "match-seeds", data);
    }

    /** The TopK pair of {@link #trainTopKPair} against each other, as {@link #matchSeeds(Path)}. */
    Reported<DemoReport.Seeds> matchTopKPair(int k, Path data) {
        return matchSeeds(topkPairName(k, recipe.seed()), topkPairName(k, recipe.seed() + 1), "match-seeds-topk", data);
    }

    /**
     * match's report of the pair (the paper's rule), with the covariance metric's shared fraction and
     * mean matched encoder correlation beside it ({@code shared_fraction_covariance}, {@code mean_matched_cos_enc_covariance}).
     */
    private Reported<DemoReport.Seeds> matchSeeds(String first, String second, String reportName, Path data) {
        Sae a = saes.get(first), b = saes.get(second);
        long started = System.nanoTime();
        PairMatch byWeights = SeedMatching.match(backend, a, b, SeedMatching.DEFAULT_THRESHOLD);
        MatchSummary summary = MatchSummary.ofPair(byWeights);
        PairMatch byData;
        JsonReport result = summary.report(List.of(saeDir(first), saeDir(second)), List.of(a, b), SeedMatching.DEFAULT_THRESHOLD,
                (System.nanoTime() - started) / 1e9);
        Path folder = reports().resolve(reportName);
        MatchReport.write(folder, result, summary);
        try (ActivationSource rows = ActivationFiles.open(data, null)) {
            byData = EncoderMetric.covariance(backend, rows, 0, recipe.evalRows(), COMMAND_BATCH)
                    .match(backend, a, b, SeedMatching.DEFAULT_THRESHOLD);
            result.put("shared_fraction_covariance", byData.sharedFraction())
                    .put("mean_matched_cos_enc_covariance", byData.meanEncoderCosine())
                    .put("covariance_data", rows.describe());
        }
        result.put("report", folder.toString());
        return new Reported<>(new DemoReport.Seeds(byWeights, byData, SeedMatching.DEFAULT_THRESHOLD), result.fields());
    }

    @Override public void close() {
        for (Sae s : saes.values()) s.close();
    }
}
