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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The main job: a ladder of SAEs, compared, stitched, merged and matched, with a table and a report folder. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a ladder of SAEs of growing width on the built-in synthetic world (SPEC §6) and report",
                "l0, mse, fvu and the recovery of the world's true features; writes the SAEs, the world's files and a report.",
                "With --real: the same pipeline on activations of the bundled all-MiniLM-L6-v2 over the Brown corpus (or --corpus europarl)."})
final class DemoCommand implements Callable<Integer> {

    static final String SYNTHETIC_WIDTHS = "512,1024,2048", REAL_WIDTHS = "768,1536,3072";
    static final int SYNTHETIC_K = 16, REAL_K = 32;
    static final long SYNTHETIC_TOKENS = 3_000_000;

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;

    @Option(names = "--out", defaultValue = "demo-out", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--real", description = "Run on real activations: all-MiniLM-L6-v2 (bundled) over the --corpus, extracted on first use into DIR/data.")
    boolean real;
    @Option(names = "--corpus", defaultValue = "brown", paramLabel = "brown|europarl", description = "With --real: the text, the Brown corpus (English, fetched by the build with npm) or Europarl (default: ${DEFAULT-VALUE}).")
    String corpus;
    @Option(names = "--real-tokens", defaultValue = "1000000", paramLabel = "N", description = "With --real: token activations to extract for training (default: ${DEFAULT-VALUE}).")
    long realTokens;
    @Option(names = "--layer", defaultValue = "encoder.layer.3", paramLabel = "NAME", description = "With --real: the model's layer (default: ${DEFAULT-VALUE}).")
    String layer;
    @Option(names = "--arch", defaultValue = "topk", description = "Architecture of the ladder (default: ${DEFAULT-VALUE}; see README on BatchTopK here).")
    String arch;
    @Option(names = "--widths", split = ",", description = "Widths of the ladder (default: " + SYNTHETIC_WIDTHS + "; with --real " + REAL_WIDTHS + ").")
    int[] widths;
    @Option(names = "--dim", defaultValue = "128", description = "D of the synthetic world (default: ${DEFAULT-VALUE}).")
    int dim;
    @Option(names = "--k", description = "Active latents per sample (default: " + SYNTHETIC_K + "; with --real " + REAL_K + ").")
    Integer k;
    @Option(names = "--tokens", description = "Training tokens per SAE (default: " + SYNTHETIC_TOKENS + "; with --real one pass over the extracted rows).")
    Long tokens;
    @Option(names = "--batch", defaultValue = "1024", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", defaultValue = "5e-3", description = "Learning rate; short runs need more than the reference default (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--l1", paramLabel = "C", description = "ReLU: coefficient of the decoder-norm-weighted L1 penalty (default: train's, 5).")
    Double l1;
    @Option(names = "--dead-tokens", defaultValue = "1000000", description = "Dead-latent window in tokens, scaled down with the short runs (default: ${DEFAULT-VALUE}).")
    long deadTokens;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the world, the weights and the data order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--eval-rows", defaultValue = "65536", description = "Rows for the metrics: written as the world's activations.npy, or with --real the held-out tokens after the training ones (default: ${DEFAULT-VALUE}).")
    int evalRows;
    @Mixin JsonOption json;

    @Override
    public Integer call() throws IOException {
        if (widths == null) widths = parseWidths(real ? REAL_WIDTHS : SYNTHETIC_WIDTHS);
        if (k == null) k = real ? REAL_K : SYNTHETIC_K;
        if (tokens == null) tokens = real ? realTokens : SYNTHETIC_TOKENS;
        if (widths.length == 0) throw new UserInputException("--widths needs at least one width");
        JsonReport report = real ? new RealDataDemo(this).run() : synthetic();
        report.put("report", out.resolve("report").toString());
        PrintWriter stdout = spec.commandLine().getOut();
        if (json.enabled) report.print(stdout);
        else DemoReport.printTable(stdout, ladderOf(report), out, report.fields());
        return 0;
    }

    /** The ladder, compare/stitch of the two smallest, Frankenstein and two seeds on the synthetic world. */
    private JsonReport synthetic() throws IOException {
        Architecture architecture = Architecture.parse(arch);
        PrintWriter err = spec.commandLine().getErr();
        SyntheticWorld world = new SyntheticWorld(SyntheticDefaults.world(dim, seed));
        List<Map<String, Object>> ladder = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); Backend backend = backendOption.open()) {
            err.println("demo: " + world.describe());
            err.println("demo: " + backend.describe());
            Matrix truth = world.trueFeatures().directions(arena);
            writeWorld(world, truth);
            DemoLadder saes = ladder(backend, truth);
            for (int width : widths) ladder.add(saes.train(ladderName(width), width, seed, world, world));
            saes.train(secondSeedName(), widths[0], seed + 1, world, world);
        }
        DemoReport.write(out.resolve("report"), "SAE ladder on the synthetic world",
                Map.of("world", world.describe(), "world_config", world.config()), ladder);
        JsonReport report = new JsonReport()
                .put("world", world.describe())
                .put("true_features", world.config().trueFeatureCount())
                .put("ladder", ladder);
        Path data = out.resolve("world").resolve("activations.npy");
        if (widths.length >= 2) {
            Map<String, Object> pair = comparePair(ladderName(widths[0]), ladderName(widths[1]), data);
            pair.put("novel_vs_truth", novelVsTruth(ladderName(widths[0]), ladderName(widths[1]), world));
            report.put("pair", pair);
            report.put("frankenstein", frankenstein("--synth-seed", Long.toString(seed), "--tokens", "1000000"));
        }
        report.put("seeds", matchSeeds());
        return report;
    }

    DemoLadder ladder(Backend backend, Matrix truth) {
        return new DemoLadder(backend, out.resolve("saes"), Architecture.parse(arch), k, tokens, batch, lr, l1, deadTokens, evalRows, truth,
                spec.commandLine().getErr());
    }

    /** compare and stitch of SMALL against LARGE on {@code data} with the commands themselves; their reports go under report/. */
    Map<String, Object> comparePair(String small, String large, Path data) {
        Path reports = out.resolve("report");
        String pairName = small + "-vs-" + large;
        Map<String, Object> pair = new LinkedHashMap<>();
        pair.put("small", small);
        pair.put("large", large);
        pair.put("compare", Subcommand.json(spec, "compare", saeDir(small), saeDir(large), "--data", data.toString(),
                "--rows", Integer.toString(evalRows), "--report", reports.resolve("compare-" + pairName).toString(), "--json"));
        pair.put("stitch", Subcommand.json(spec, "stitch", saeDir(small), saeDir(large), "--data", data.toString(),
                "--rows", Integer.toString(Math.min(evalRows, 16384)), "--report", reports.resolve("stitch-" + pairName).toString(), "--json"));
        return pair;
    }

    /** The novel latents of the pair scored against the world's true features. */
    private Map<String, Object> novelVsTruth(String small, String large, SyntheticWorld world) {
        Path reports = out.resolve("report");
        boolean[] novel = DemoReport.novelMask(reports.resolve("compare-" + small + "-vs-" + large).resolve("latents.csv"));
        try (Arena arena = Arena.ofShared(); Backend backend = backendOption.open();
             Sae s = SaeFiles.load(out.resolve("saes").resolve(small)); Sae l = SaeFiles.load(out.resolve("saes").resolve(large))) {
            NovelLatentTruth t = NovelLatentTruth.score(backend, world.trueFeatures().directions(arena), s.wDec(), l.wDec(), novel);
            Map<String, Object> truth = new LinkedHashMap<>();
            truth.put("novel", t.novel());
            truth.put("hits", t.hits());
            truth.put("precision", CompareCommand.finite(t.precision()));
            truth.put("missed_by_small", t.missedBySmall());
            truth.put("missed_found_by_large", t.missedFoundByLarge());
            truth.put("missed_found_by_novel", t.missedFoundByNovel());
            truth.put("recall", CompareCommand.finite(t.recall()));
            return truth;
        }
    }

    String saeDir(String name) { return out.resolve("saes").resolve(name).toString(); }

    /** A Frankenstein SAE from the whole ladder (SPEC §3), its decoder refitted exactly; {@code data} says where its rows come from. */
    Map<String, Object> frankenstein(String... data) {
        List<String> args = new ArrayList<>(List.of("frankenstein"));
        for (int width : widths) args.add(saeDir(ladderName(width)));
        args.addAll(List.of(data));
        args.addAll(List.of("--retrain", "exact", "--eval-rows", Integer.toString(evalRows),
                "--out", out.resolve("saes").resolve("frankenstein").toString(),
                "--report", out.resolve("report").resolve("frankenstein").toString(), "--json"));
        return Subcommand.json(spec, args.toArray(String[]::new));
    }

    /** The smallest SAE against its second seed. */
    Map<String, Object> matchSeeds() {
        return Subcommand.json(spec, "match", saeDir(ladderName(widths[0])), saeDir(secondSeedName()),
                "--report", out.resolve("report").resolve("match-seeds").toString(), "--json");
    }

    String ladderName(int width) { return Architecture.parse(arch).cliName() + "-" + width; }

    String secondSeedName() { return ladderName(widths[0]) + "-seed" + (seed + 1); }

    /** The truth and an evaluation slice of activations, so that eval and compare can be run on them. */
    private void writeWorld(SyntheticWorld world, Matrix truth) {
        Path dir = out.resolve("world");
        Npy.write(dir.resolve("activations.truth.npy"), truth, DType.F32);
        Npy.write(dir.resolve("activations.npy"), evalRows, world.dim(), DType.F32, world::writeRows);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> ladderOf(JsonReport report) { return (List<Map<String, Object>>) report.fields().get("ladder"); }

    private static int[] parseWidths(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
