package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFiles;
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
            for (int width : widths) {
                TrainConfig cfg = TrainConfig.builder(architecture, width).k(k).batchSize(batch).totalTokens(tokens)
                        .lr(lr).deadTokens(deadTokens).seed(seed).build();
                String name = architecture.cliName() + "-" + width;
                TrainingRun.Result run = TrainingRun.run(backend, cfg, world, seed, "demo " + name, null, 0, false, err);
                try (Sae sae = run.sae()) {
                    SaeFiles.save(sae, out.resolve("saes").resolve(name));
                    Evaluation ev = Evaluations.evaluate(backend, sae, world, seed, evalRows, batch);
                    Map<String, Object> row = Evaluations.report(ev, sae, truth)
                            .put("sae", out.resolve("saes").resolve(name).toString())
                            .put("seconds", run.seconds())
                            .put("tokens_per_s", run.tokensPerSecond()).fields();
                    ladder.add(row);
                }
            }
        }
        DemoReport.write(out.resolve("report"), world, ladder);
        JsonReport report = new JsonReport()
                .put("world", world.describe())
                .put("true_features", world.config().trueFeatureCount())
                .put("ladder", ladder)
                .put("report", out.resolve("report").toString());
        if (json) report.print(stdout);
        else DemoReport.printTable(stdout, ladder, out);
        return 0;
    }

    /** The truth and an evaluation slice of activations, so that eval and compare can be run on them. */
    private void writeWorld(SyntheticWorld world, Matrix truth) {
        Path dir = out.resolve("world");
        Npy.write(dir.resolve("activations.truth.npy"), truth, DType.F32);
        Npy.write(dir.resolve("activations.npy"), evalRows, world.dim(), DType.F32, world::writeRows);
    }
}
