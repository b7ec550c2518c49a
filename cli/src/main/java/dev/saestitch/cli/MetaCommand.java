package dev.saestitch.cli;

import dev.saestitch.api.Training;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.cli.report.MetaReport;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.meta.DecoderRows;
import dev.saestitch.meta.MetaComparison;
import dev.saestitch.meta.MetaTraining;
import dev.saestitch.meta.RowReconstruction;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** A meta-SAE: an SAE trained on another SAE's decoder rows (SPEC §5). */
@Command(name = "meta", mixinStandardHelpOptions = true,
        description = {"Train a meta-SAE (\"SAEs do not find canonical units of analysis\", SPEC §5): a BatchTopK SAE whose samples",
                "are the decoder rows of SAE, one per latent, each scaled to unit norm first (a latent's direction counts, not",
                "its norm; zero rows stay zero). Every epoch visits every row once, in a fresh shuffled order.",
                "Defaults (F = the SAE's latents): width 0.25·F and k 4 (SAEBench, the paper); 200 epochs (200·F rows);",
                "batch F/8 within [64, 4096] and at most F, so that a run has about 1600 Adam steps; learning rate",
                "8e-4/sqrt(width/16384) (the TopK rule 2e-4/sqrt(width/16384), ×4 for these short runs); a meta-latent is dead",
                "after one epoch (F rows) without firing; the rest as train (input scaled to E‖x‖² = D, b_dec centring).",
                "Reports variance_explained = 1 − fvu over the unit-norm decoder rows, l0 and dead_fraction with the inference",
                "threshold; with --compare PLAIN_SAE (an SAE of similar width trained on the activations) each meta-latent's",
                "max decoder cosine with PLAIN_SAE (the paper's Fig. 22): mean_max_cos and a histogram.",
                "Saves the meta-SAE to --out DIR (SAELens layout) and a report (summary.json, meta_max_cos_hist.png) to --report."})
final class MetaCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;

    @Parameters(index = "0", paramLabel = "SAE", description = "The SAE whose decoder rows the meta-SAE learns (SAELens or sparsify layout).")
    Path saePath;
    @Option(names = "--width", paramLabel = "W", description = "Meta-latents (default: 0.25 × the SAE's latents).")
    Integer width;
    @Option(names = "--k", defaultValue = "" + MetaTraining.DEFAULT_K, description = "Meta-latents active per row, BatchTopK's k (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--tokens", paramLabel = "N", description = "Rows to train on, counting repeats (default: 200 × the SAE's latents, 200 epochs).")
    Long tokens;
    @Option(names = "--batch", paramLabel = "B", description = "Rows per step (default: F/8 within [64, 4096], at most F).")
    Integer batch;
    @Option(names = "--lr", description = "Learning rate (default: 8e-4 / sqrt(width / 16384)).")
    Double lr;
    @Option(names = "--dead-tokens", paramLabel = "N", description = "A meta-latent is dead after N rows without firing (default: F, one epoch).")
    Long deadTokens;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial weights and of the row order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--compare", paramLabel = "PLAIN_SAE", description = "A plain SAE of similar width trained on the activations: max cosine of each meta-latent with its decoder rows.")
    Path compare;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory for the meta-SAE (cfg.json + sae_weights.safetensors).")
    Path out;
    @Option(names = "--report", paramLabel = "DIR", description = "Report folder: summary.json and, with --compare, meta_max_cos_hist.png (default: DIR.report beside --out).")
    Path report;
    @Mixin FormatOption format;
    @Mixin JsonOption json;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        Path reportDir = report != null ? report : out.resolveSibling(out.getFileName() + ".report");
        new DistinctPaths().input("SAE", saePath).input("--compare", compare).output("--out", out).output("--report", reportDir).check();
        try (Sae base = SaeFiles.load(saePath);
             Sae plain = compare == null ? null : SaeFiles.load(compare);
             DecoderRows rows = DecoderRows.of(base);
             Backend backend = backendOption.open()) {
            if (plain != null) DataOption.checkSameInput(saePath, base.dIn(), compare, plain.dIn(), "--compare needs");
            TrainConfig cfg = config(base.width());
            format.checkHolds(cfg.architecture());
            err.println("meta: " + cfg.architecture().cliName() + " width " + cfg.width() + " k " + cfg.k() + " on " + rows.describe()
                    + (rows.zeroRows() > 0 ? " (" + rows.zeroRows() + " zero rows left at zero)" : ""));
            err.println(String.format("meta: %.0f epochs, batch %d, %d steps, lr %.3g; %s", (double) cfg.totalTokens() / base.width(),
                    cfg.batchSize(), cfg.steps(), cfg.lr(), backend.summary()));
            TrainingLog log = new TrainingLog(err, "meta", null);
            Training.Result run = Training.run(backend, cfg, rows, seed, Training.Checkpoints.NONE, log);
            log.done();
            try (Sae meta = run.sae()) {
                meta.metadata().put("meta_sae_of", saePath.toString());
                meta.metadata().put("meta_sae_inputs", "unit-norm decoder rows");
                SaeFiles.save(meta, out, format.plain());
                RowReconstruction fit = RowReconstruction.of(backend, meta, rows);
                JsonReport result = new JsonReport()
                        .put("sae", saePath.toString())
                        .put("sae_width", base.width())
                        .put("d_in", base.dIn())
                        .put("width", meta.width())
                        .put("k", meta.k())
                        .put("tokens", run.tokens())
                        .put("epochs", (double) run.tokens() / base.width())
                        .put("steps", run.steps())
                        .put("batch", cfg.batchSize())
                        .put("lr", cfg.lr())
                        .put("seconds", run.seconds())
                        .put("variance_explained", fit.varianceExplained())
                        .put("fvu", fit.fvu())
                        .put("mse", fit.mse())
                        .put("l0", fit.l0())
                        .put("dead_fraction", fit.deadFraction());
                MetaComparison comparison = plain == null ? null : MetaComparison.of(backend, meta, plain);
                if (comparison != null)
                    result.put("compare", compare.toString())
                            .put("compare_width", plain.width())
                            .put("mean_max_cos", comparison.meanMaxCosine())
                            .put("fraction_max_cos_ge_0_7", comparison.fractionAtLeast(0.7))
                            .put("compare_mean_max_cos", comparison.plainMeanMaxCosine());
                result.put("out", out.toString()).put("report", reportDir.toString());
                MetaReport.write(reportDir, result, comparison);
                result.print(spec.commandLine().getOut(), json.enabled);
            }
        }
        return 0;
    }

    private TrainConfig config(int baseWidth) {
        int w = width != null ? width : MetaTraining.defaultWidth(baseWidth);
        TrainConfig.Builder b = MetaTraining.defaults(baseWidth, w, k).seed(seed);
        if (tokens != null) b.totalTokens(tokens);
        if (batch != null) b.batchSize(batch);
        if (lr != null) b.lr(lr);
        if (deadTokens != null) b.deadTokens(deadTokens);
        return b.build();
    }
}
