package dev.saestitch.cli;

import dev.saestitch.api.Evaluations;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.EvaluationReport;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Reconstruction metrics of a saved SAE on activations. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate an SAE (SAELens or sparsify layout) on activations: mse, sse, fvu, l0, dead fraction, and recovery of true features when known.")
final class EvalCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;
    @Mixin DataOption dataOption;

    @Parameters(index = "0", paramLabel = "SAE_DIR", description = "The SAE directory.")
    Path saeDir;
    @Option(names = "--rows", defaultValue = "65536", description = "Rows to evaluate (default: ${DEFAULT-VALUE}, at most the data's).")
    int rows;
    @Option(names = "--batch", defaultValue = "4096", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the row order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        FlagChecks.atLeast("--rows", rows, 1);
        FlagChecks.atLeast("--batch", batch, 1);
        try (Autoencoder sae = SaeFiles.loadAny(saeDir);
             Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(sae.dIn(), arena);
             Backend backend = backendOption.open()) {
            dataOption.checkInputDim(sae.dIn(), saeDir, data);
            spec.commandLine().getErr().println("eval: " + sae + " on " + data.description() + "; " + backend.summary());
            Evaluation ev = Evaluations.of(backend, sae, data.source(), seed, rows, batch);
            EvaluationReport.of(backend, ev, sae, data.truth()).put("sae", saeDir.toString()).print(spec.commandLine().getOut(), json.enabled);
        }
        return 0;
    }
}
