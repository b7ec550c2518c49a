package dev.saestitch.cli;

import dev.saestitch.api.Evaluations;
import dev.saestitch.api.Training;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.EvaluationReport;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.extract.ActivationSidecar;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.Evaluation;
import dev.saestitch.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;

/** Trains one SAE, or a ladder of widths and seeds in one pass, and saves each in SAELens layout. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a sparse autoencoder on activations (or on the synthetic world) and save it in SAELens layout.",
                "Defaults follow the reference implementations; see README.md, 'Training defaults'."})
final class TrainCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;
    @Mixin DataOption dataOption;

    @Option(names = "--arch", defaultValue = "batchtopk", paramLabel = "relu|topk|batchtopk|jumprelu", description = "Architecture (default: ${DEFAULT-VALUE}).")
    String arch;
    @Option(names = "--width", defaultValue = "1024", paramLabel = "F", description = "Number of latents (default: ${DEFAULT-VALUE}).")
    int width;
    @Option(names = "--widths", split = ",", paramLabel = "F,F,...",
            description = "Train a ladder of these widths in one pass over the data (each batch read once): one SAE per folder DIR/ARCH-F-sSEED, checkpoints in DIR.checkpoint/ARCH-F-sSEED.")
    int[] widths;
    @Option(names = "--k", defaultValue = "32", description = "Active latents per sample: TopK/BatchTopK k, JumpReLU's target L0 (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--tokens", defaultValue = "10000000", paramLabel = "N", description = "Training tokens (default: ${DEFAULT-VALUE}).")
    long tokens;
    @Option(names = "--batch", defaultValue = "4096", paramLabel = "B", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", description = "Learning rate (default: per architecture, see README).")
    Double lr;
    @Option(names = "--l1", description = "ReLU: coefficient of the decoder-norm-weighted L1 penalty (default " + TrainConfig.DEFAULT_L1_COEFFICIENT + ").")
    Double l1;
    @Option(names = "--l0-coefficient", description = "JumpReLU: coefficient of the L0 penalty (default " + TrainConfig.DEFAULT_L0_COEFFICIENT + ").")
    Double l0Coefficient;
    @Option(names = "--dead-tokens", description = "A latent is dead when it has not fired in this many tokens (default " + TrainConfig.DEFAULT_DEAD_TOKENS + ").")
    Long deadTokens;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial weights (and of the data order unless --data-seed is given; default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--seeds", split = ",", paramLabel = "S,S,...",
            description = "Train these seeds (of every width) in one pass; the data order is --data-seed, by default the first seed's. Each SAE equals train --seed S --data-seed ORDER alone.")
    long[] seeds;
    @Option(names = "--data-seed", paramLabel = "SEED", description = "Seed of the data order alone, so that two runs can differ only in their initial weights (default: --seed).")
    Long dataSeed;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory for the SAE (cfg.json + sae_weights.safetensors).")
    Path out;
    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Save a checkpoint to DIR.checkpoint every STEPS steps (default: never).")
    Long checkpointEvery;
    @Option(names = "--resume", description = "Continue from DIR.checkpoint when it exists.")
    boolean resume;
    @Option(names = "--eval-rows", defaultValue = "65536", description = "Rows for the final metrics (default: ${DEFAULT-VALUE}).")
    int evalRows;
    @Option(names = "--synth-dim", defaultValue = "128", paramLabel = "D", description = "Dimension of the synthetic world when there is no --data (default: ${DEFAULT-VALUE}).")
    int synthDim;
    @Mixin FormatOption format;
    @Mixin JsonOption json;

    @Override
    public Integer call() throws IOException {
        FlagChecks.atLeast("--eval-rows", evalRows, 1);
        dataOption.inputs(new DistinctPaths()).output("--out", out).check();
        if (checkpointEvery != null) FlagChecks.atLeast("--checkpoint-every", checkpointEvery, 1);
        boolean ladder = widths != null || seeds != null;
        if (widths != null && matched("--width")) throw new UserInputException("--width and --widths: give one of them");
        if (seeds != null && matched("--seed")) throw new UserInputException("--seed and --seeds: give one of them");
        List<TrainConfig> configs = new ArrayList<>();
        for (long s : seeds != null ? seeds : new long[] {seed})
            for (int w : widths != null ? widths : new int[] {width}) configs.add(config(w, s));
        // The data order also picks the evaluation rows, so runs that differ only in --seed are scored on the same rows;
        // a ladder has one data order for all its SAEs (one pass), by default the first seed's.
        long order = dataSeed != null ? dataSeed : configs.getFirst().seed();
        format.checkHolds(configs.getFirst().architecture());
        Path checkpoint = out.resolveSibling(out.getFileName() + ".checkpoint");
        Training.Checkpoints checkpoints = new Training.Checkpoints(checkpoint, checkpointEvery != null ? checkpointEvery : 0, resume);
        try (Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(synthDim, arena);
             Backend backend = backendOption.open()) {
            // A batch larger than the data would repeat rows inside one step, and the run would report samples it never had.
            if (data.source().rows() < batch)
                throw new UserInputException(dataOption.path() + ": " + data.source().rows() + " rows, fewer than one batch of " + batch + " (--batch)");
            var err = spec.commandLine().getErr();
            err.println("train: " + (ladder ? configs.stream().map(Training::memberName).collect(Collectors.joining(", ")) + " in one pass"
                    : configs.getFirst().architecture().cliName() + " F=" + configs.getFirst().width()) + " on " + data.description());
            err.println("train: " + backend.summary());
            List<TrainingLog> logs = new ArrayList<>();
            List<Training.Result> runs = ladder
                    ? Training.ladder(backend, configs, data.source(), order, checkpoints,
                            c -> add(logs, new TrainingLog(err, "train " + Training.memberName(c), checkpoint.resolve(Training.memberName(c)))))
                    : List.of(Training.run(backend, configs.getFirst(), data.source(), order, checkpoints, add(logs, new TrainingLog(err, "train", checkpoint))));
            logs.forEach(TrainingLog::done);
            List<JsonReport> reports = new ArrayList<>();
            try {
                for (int i = 0; i < runs.size(); i++)
                    reports.add(evaluateAndSave(backend, data, order, runs.get(i), ladder ? out.resolve(Training.memberName(configs.get(i))) : out));
            } finally {
                for (Training.Result run : runs) run.sae().close();
            }
            print(ladder, reports, runs.getFirst());
        }
        return 0;
    }

    private boolean matched(String option) { return spec.commandLine().getParseResult().hasMatchedOption(option); }

    private static TrainingLog add(List<TrainingLog> logs, TrainingLog log) {
        logs.add(log);
        return log;
    }

    /** Evaluates a trained SAE on the run's evaluation rows, saves it to {@code dir} and returns its report. */
    private JsonReport evaluateAndSave(Backend backend, DataOption.Dataset data, long order, Training.Result run, Path dir) throws IOException {
        Sae sae = run.sae();
        if (dataOption.path() != null) sae.metadata().putAll(ActivationSidecar.saeLensMetadata(dataOption.path()));
        Evaluation ev = Evaluations.of(backend, sae, data.source(), order, evalRows, batch);
        // SAELens files carry the measured firing frequencies (sparsity.safetensors); sparsify's have no place for them.
        if (format.plain() == SaeFiles.Format.SAELENS) SaeFiles.save(sae, dir, ev.fireCounts(), ev.samples());
        else SaeFiles.save(sae, dir, format.plain());
        return EvaluationReport.of(backend, ev, sae, data.truth())
                .put("tokens", run.tokens())
                .put("steps", run.steps())
                .put("seconds", run.seconds())
                .put("tokens_per_s", run.tokensPerSecond())
                .put("out", dir.toString());
    }

    /**
     * One SAE: its report as before. A ladder: under {@code --json} one object with each SAE's report
     * in {@code saes} and the pass's tokens, seconds and rate; else each report under its folder's name.
     */
    private void print(boolean ladder, List<JsonReport> reports, Training.Result pass) {
        PrintWriter stdout = spec.commandLine().getOut();
        if (!ladder) {
            reports.getFirst().print(stdout, json.enabled);
        } else if (json.enabled) {
            new JsonReport().put("saes", reports.stream().map(JsonReport::fields).toList())
                    .put("tokens", pass.tokens()).put("seconds", pass.seconds()).put("tokens_per_s", pass.tokensPerSecond())
                    .put("out", out.toString()).print(stdout);
        } else {
            for (JsonReport r : reports) {
                stdout.println("== " + r.fields().get("out"));
                r.print(stdout, false);
            }
        }
    }

    private TrainConfig config(int width, long seed) {
        TrainConfig.Builder b = TrainConfig.builder(Architecture.parse(arch), width)
                .k(k).batchSize(batch).totalTokens(tokens).seed(seed);
        if (Architecture.parse(arch) == Architecture.JUMPRELU) b.targetL0(k);
        if (lr != null) b.lr(lr);
        if (l1 != null) b.l1Coefficient(l1);
        if (l0Coefficient != null) b.l0Coefficient(l0Coefficient);
        if (deadTokens != null) b.deadTokens(deadTokens);
        return b.build();
    }
}
