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
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Trains one SAE and saves it in SAELens layout. */
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
        TrainConfig cfg = config();
        format.checkHolds(cfg.architecture());
        // The data order also picks the evaluation rows, so runs that differ only in --seed are scored on the same rows.
        long order = dataSeed != null ? dataSeed : seed;
        Path checkpoint = out.resolveSibling(out.getFileName() + ".checkpoint");
        try (Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(synthDim, arena);
             Backend backend = backendOption.open()) {
            // A batch larger than the data would repeat rows inside one step, and the run would report samples it never had.
            if (data.source().rows() < cfg.batchSize())
                throw new UserInputException(dataOption.path() + ": " + data.source().rows() + " rows, fewer than one batch of " + cfg.batchSize() + " (--batch)");
            var err = spec.commandLine().getErr();
            err.println("train: " + cfg.architecture().cliName() + " F=" + cfg.width() + " on " + data.description());
            err.println("train: " + backend.summary());
            TrainingLog log = new TrainingLog(err, "train", checkpoint);
            Training.Result run = Training.run(backend, cfg, data.source(), order, new Training.Checkpoints(checkpoint, checkpointEvery != null ? checkpointEvery : 0, resume), log);
            log.done();
            try (Sae sae = run.sae()) {
                if (dataOption.path() != null) sae.metadata().putAll(ActivationSidecar.saeLensMetadata(dataOption.path()));
                Evaluation ev = Evaluations.of(backend, sae, data.source(), order, evalRows, batch);
                // SAELens files carry the measured firing frequencies (sparsity.safetensors); sparsify's have no place for them.
                if (format.plain() == SaeFiles.Format.SAELENS) SaeFiles.save(sae, out, ev.fireCounts(), ev.samples());
                else SaeFiles.save(sae, out, format.plain());
                JsonReport report = EvaluationReport.of(backend, ev, sae, data.truth())
                        .put("tokens", run.tokens())
                        .put("steps", run.steps())
                        .put("seconds", run.seconds())
                        .put("tokens_per_s", run.tokensPerSecond())
                        .put("out", out.toString());
                report.print(spec.commandLine().getOut(), json.enabled);
            }
        }
        return 0;
    }

    private TrainConfig config() {
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
