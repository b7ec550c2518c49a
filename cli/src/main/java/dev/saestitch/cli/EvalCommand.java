package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSaeFiles;
import dev.saestitch.sae.CompositeSaeRunner;
import dev.saestitch.sae.Sae;
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
        if (rows < 1) throw new UserInputException("--rows must be at least 1, got " + rows);
        if (CompositeSaeFiles.isComposite(saeDir)) return evaluateComposite();
        try (Sae sae = SaeFiles.load(saeDir);
             Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(sae.dIn(), arena);
             Backend backend = backendOption.open()) {
            if (dataOption.path() != null) SaeFiles.checkInputDim(sae, saeDir, data.source().dim(), dataOption.path());
            spec.commandLine().getErr().println("eval: " + sae + " on " + data.description() + "; " + backend.describe());
            int evalRows = (int) Math.min(rows, data.source().rows());
            Evaluation ev = Evaluations.evaluate(backend, sae, data.source(), seed, evalRows, batch);
            Evaluations.print(Evaluations.report(backend, ev, sae, data.truth()).put("sae", saeDir.toString()), json.enabled, spec.commandLine().getOut());
        }
        return 0;
    }

    /** A composite SAE (stitched, Frankenstein) in our own layout, through its composite runner. */
    private Integer evaluateComposite() {
        try (CompositeSae sae = CompositeSaeFiles.load(saeDir);
             Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(sae.dIn(), arena);
             Backend backend = backendOption.open()) {
            if (data.source().dim() != sae.dIn())
                throw new SaeFileException(dataOption.path(), "activations have dimension " + data.source().dim() + " but the SAE at " + saeDir + " has d_in=" + sae.dIn());
            spec.commandLine().getErr().println("eval: " + sae + " on " + data.description() + "; " + backend.describe());
            int evalRows = (int) Math.min(rows, data.source().rows());
            Evaluation ev = Evaluations.evaluate(b -> new CompositeSaeRunner(backend, sae, b), data.source(), seed, evalRows, batch);
            Evaluations.print(Evaluations.report(backend, ev, "composite", sae.dIn(), sae.width(), sae.wDec(), data.truth()).put("sae", saeDir.toString()),
                    json.enabled, spec.commandLine().getOut());
        }
        return 0;
    }
}
