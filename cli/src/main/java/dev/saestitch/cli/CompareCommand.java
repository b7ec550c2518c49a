package dev.saestitch.cli;

import dev.saestitch.api.Batches;
import dev.saestitch.api.Comparison;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.CompareReport;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.sae.Autoencoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Compares the dictionaries of a small and a large SAE (SPEC §2). */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compare a small SAE with a large one: max decoder cosine of every LARGE latent over SMALL (and back),",
                "novel (max cosine < θ) vs reconstruction latents, latent families (components of the graph cos > θ).",
                "With activations (--data FILE or --synthetic): the exact Δmse of adding each LARGE latent alone to SMALL,",
                "the paper's Table 2, and SMALL's mse where novel latents fire and where they do not."})
final class CompareCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;
    @Mixin DataOption dataOption;

    @Mixin SaePairArguments saes;
    @Option(names = "--threshold", defaultValue = "0.7", paramLabel = "θ", description = "Cosine threshold: novel below it (default: ${DEFAULT-VALUE}).")
    double threshold;
    @Option(names = "--synthetic", description = "Measure on the built-in synthetic world (of the SAEs' d_in) when there is no --data.")
    boolean synthetic;
    @Option(names = "--rows", defaultValue = "65536", description = "Rows of data to measure on (default: ${DEFAULT-VALUE}, at most the data's).")
    int rows;
    @Option(names = "--batch", defaultValue = "4096", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the row order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--report", paramLabel = "DIR", description = "Write summary.json, latents.csv and PNG plots into DIR.")
    Path reportDir;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        if (!(threshold > 0 && threshold <= 1)) throw new UserInputException("--threshold must be in (0, 1], got " + threshold);
        if (rows < 1 || batch < 1) throw new UserInputException("--rows and --batch must be at least 1, got " + rows + " and " + batch);
        if (synthetic && dataOption.path() != null) throw new UserInputException("give --data FILE or --synthetic, not both");
        dataOption.inputs(saes.inputs()).output("--report", reportDir).check();
        PrintWriter err = spec.commandLine().getErr();
        try (SaePair<Autoencoder> pair = saes.loadAny(); Backend backend = backendOption.open()) {
            err.println("compare: SMALL " + pair.small() + ", LARGE " + pair.large() + "; " + backend.summary());
            Comparison comparison = Comparison.of(backend, pair.small(), pair.large(), threshold);
            String description = null;
            if (dataOption.path() != null || synthetic) {
                try (Arena arena = Arena.ofShared(); DataOption.Dataset data = dataOption.open(pair.small().dIn(), arena)) {
                    dataOption.checkInputDim(pair.small().dIn(), saes.smallDir, data);
                    Progress progress = new Progress(err, "compare", Batches.of(rows, batch, data.source().rows()).rows(), "rows");
                    comparison = comparison.onData(backend, pair.small(), pair.large(), data.source(), seed, rows, batch, n -> progress.status(n, ""));
                    progress.done();
                    description = data.description();
                }
            }
            JsonReport report = CompareReport.json(comparison, saes.smallDir, saes.largeDir, pair.small(), pair.large(), description);
            if (reportDir != null) CompareReport.write(reportDir, report, comparison);
            report.print(spec.commandLine().getOut(), json.enabled);
        }
        return 0;
    }
}
