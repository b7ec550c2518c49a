package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.metrics.NovelLatentTruth;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The main job: a ladder of SAEs on the synthetic world, with a table and a report folder. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a ladder of SAEs of growing width on the built-in synthetic world (SPEC §6) and report",
                "l0, mse, fvu and the recovery of the world's true features; writes the SAEs, the world's files and a report."})
final class DemoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;

    @Option(names = "--out", defaultValue = "demo-out", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--arch", defaultValue = "topk", description = "Architecture of the ladder (default: ${DEFAULT-VALUE}; see README on BatchTopK here).")
    String arch;
    @Option(names = "--widths", defaultValue = "512,1024,2048", split = ",", description = "Widths of the ladder (default: ${DEFAULT-VALUE}).")
    int[] widths;
    @Option(names = "--dim", defaultValue = "128", description = "D of the synthetic world (default: ${DEFAULT-VALUE}).")
    int dim;
    @Option(names = "--k", defaultValue = "16", description = "Active latents per sample (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--tokens", defaultValue = "3000000", description = "Training tokens per SAE (default: ${DEFAULT-VALUE}).")
    long tokens;
    @Option(names = "--batch", defaultValue = "1024", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", defaultValue = "5e-3", description = "Learning rate; short runs need more than the reference default (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--dead-tokens", defaultValue = "1000000", description = "Dead-latent window in tokens, scaled down with the short runs (default: ${DEFAULT-VALUE}).")
    long deadTokens;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the world, the weights and the data order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--eval-rows", defaultValue = "65536", description = "Rows for the metrics, also written as activations.npy (default: ${DEFAULT-VALUE}).")
    int evalRows;
    @Option(names = "--json", description = "Print one JSON object with the results on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Architecture architecture = Architecture.parse(arch);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        SyntheticWorld world = new SyntheticWorld(SyntheticDefaults.world(dim, seed));
        List<Map<String, Object>> ladder = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); Backend backend = backendOption.open()) {
            err.println("demo: " + world.describe());
            err.println("demo: " + backend.describe());
            Matrix truth = world.trueFeatures().directions(arena);
            writeWorld(world, truth);
            for (int width : widths) ladder.add(trainOne(backend, world, truth, architecture, width, seed, ladderName(width)));
            if (widths.length >= 1) trainOne(backend, world, truth, architecture, widths[0], seed + 1, secondSeedName());
        }
        DemoReport.write(out.resolve("report"), world, ladder);
        JsonReport report = new JsonReport()
                .put("world", world.describe())
                .put("true_features", world.config().trueFeatureCount())
                .put("ladder", ladder);
        if (widths.length >= 2) report.put("pair", comparePair(ladderName(widths[0]), ladderName(widths[1]), world));
        if (widths.length >= 2) report.put("frankenstein", frankenstein());
        report.put("seeds", subcommand("match", saeDir(ladderName(widths[0])), saeDir(secondSeedName()),
                "--report", out.resolve("report").resolve("match-seeds").toString(), "--json"));
        report.put("report", out.resolve("report").toString());
        if (json) report.print(stdout);
        else DemoReport.printTable(stdout, ladder, out, report.fields());
        return 0;
    }

    /**
     * Compares and stitches the two smallest SAEs of the ladder with the compare and stitch
     * commands themselves (their reports go under report/), and scores the novel latents against
     * the world's true features.
     */
    private Map<String, Object> comparePair(String small, String large, SyntheticWorld world) {
        Path saes = out.resolve("saes"), data = out.resolve("world").resolve("activations.npy"), reports = out.resolve("report");
        String pairName = small + "-vs-" + large;
        Map<String, Object> pair = new java.util.LinkedHashMap<>();
        pair.put("small", small);
        pair.put("large", large);
        pair.put("compare", subcommand("compare", saes.resolve(small).toString(), saes.resolve(large).toString(), "--data", data.toString(),
                "--report", reports.resolve("compare-" + pairName).toString(), "--json"));
        pair.put("stitch", subcommand("stitch", saes.resolve(small).toString(), saes.resolve(large).toString(), "--data", data.toString(),
                "--rows", "16384", "--report", reports.resolve("stitch-" + pairName).toString(), "--json"));
        boolean[] novel = DemoReport.novelMask(reports.resolve("compare-" + pairName).resolve("latents.csv"));
        try (Arena arena = Arena.ofShared(); Sae s = SaeFiles.load(saes.resolve(small)); Sae l = SaeFiles.load(saes.resolve(large))) {
            NovelLatentTruth t = NovelLatentTruth.score(world.trueFeatures().directions(arena), s.wDec(), l.wDec(), novel);
            Map<String, Object> truth = new java.util.LinkedHashMap<>();
            truth.put("novel", t.novel());
            truth.put("hits", t.hits());
            truth.put("precision", CompareCommand.finite(t.precision()));
            truth.put("missed_by_small", t.missedBySmall());
            truth.put("missed_found_by_large", t.missedFoundByLarge());
            truth.put("missed_found_by_novel", t.missedFoundByNovel());
            truth.put("recall", CompareCommand.finite(t.recall()));
            pair.put("novel_vs_truth", truth);
        }
        return pair;
    }

    private String saeDir(String name) { return out.resolve("saes").resolve(name).toString(); }

    /** A Frankenstein SAE from the whole ladder (SPEC §3), its decoder refitted exactly on the world's rows. */
    private Map<String, Object> frankenstein() {
        List<String> args = new ArrayList<>(List.of("frankenstein"));
        for (int width : widths) args.add(saeDir(ladderName(width)));
        args.addAll(List.of("--synth-seed", Long.toString(seed), "--retrain", "exact", "--tokens", "1000000",
                "--out", out.resolve("saes").resolve("frankenstein").toString(),
                "--report", out.resolve("report").resolve("frankenstein").toString(), "--json"));
        return subcommand(args.toArray(String[]::new));
    }

    /** Runs another saestitch command in this process and returns its --json object; its stderr is ours. */
    private Map<String, Object> subcommand(String... args) {
        java.io.StringWriter captured = new java.io.StringWriter();
        int code = Main.commandLine(new PrintWriter(captured, true), spec.commandLine().getErr()).execute(args);
        if (code != 0) throw new IllegalStateException("demo: '" + String.join(" ", args) + "' exited with " + code);
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> result = JsonReport.mapper().readValue(captured.toString(), Map.class);
            return result;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("demo: '" + args[0] + "' did not print one JSON object", e);
        }
    }

    private String ladderName(int width) { return Architecture.parse(arch).cliName() + "-" + width; }

    private String secondSeedName() { return ladderName(widths[0]) + "-seed" + (seed + 1); }

    /** Trains one SAE, saves it under saes/NAME and returns its metrics row. */
    private Map<String, Object> trainOne(Backend backend, SyntheticWorld world, Matrix truth, Architecture architecture, int width,
                                         long runSeed, String name) throws IOException {
        TrainConfig cfg = TrainConfig.builder(architecture, width).k(k).batchSize(batch).totalTokens(tokens)
                .lr(lr).deadTokens(deadTokens).seed(runSeed).build();
        TrainingRun.Result run = TrainingRun.run(backend, cfg, world, runSeed, "demo " + name, null, 0, false, spec.commandLine().getErr());
        try (Sae sae = run.sae()) {
            SaeFiles.save(sae, out.resolve("saes").resolve(name));
            Evaluation ev = Evaluations.evaluate(backend, sae, world, seed, evalRows, batch);
            return Evaluations.report(ev, sae, truth)
                    .put("sae", out.resolve("saes").resolve(name).toString())
                    .put("seconds", run.seconds())
                    .put("tokens_per_s", run.tokensPerSecond()).fields();
        }
    }

    /** The truth and an evaluation slice of activations, so that eval and compare can be run on them. */
    private void writeWorld(SyntheticWorld world, Matrix truth) {
        Path dir = out.resolve("world");
        Npy.write(dir.resolve("activations.truth.npy"), truth, DType.F32);
        Npy.write(dir.resolve("activations.npy"), evalRows, world.dim(), DType.F32, world::writeRows);
    }
}
