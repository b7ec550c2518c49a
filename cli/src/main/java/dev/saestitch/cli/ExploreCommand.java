package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The latent explorer (issue 11): a static site of every latent's top contexts, joined to the comparison with another SAE. */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = {"Write a static latent explorer into DIR (open DIR/index.html from the file system): per latent its top",
                "activating contexts, samples at activation quantiles, firing frequency, histogram and mean activation; with",
                "--compare, its class (novel/reconstruction), max cosine, best match, family and Δmse against the other SAE."})
final class ExploreCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;

    @Parameters(index = "0", paramLabel = "SAE", description = "The SAE directory to explore.")
    Path saeDir;
    @Option(names = "--compare", paramLabel = "OTHER_SAE", description = "The other SAE of a pair (smaller or larger), for classes, families and Δmse.")
    Path otherDir;
    @Option(names = "--data", required = true, paramLabel = "ACTS", description = "Activations, N×D (.npy or .safetensors); contexts need the provenance files `activations` writes beside a .npy.")
    Path data;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the site into.")
    Path out;
    @Option(names = "--top", defaultValue = "20", description = "Top activating contexts per latent (default: ${DEFAULT-VALUE}).")
    int top;
    @Option(names = "--quantiles", defaultValue = "5", description = "Samples at activation quantiles per latent (default: ${DEFAULT-VALUE}).")
    int quantiles;
    @Option(names = "--context", defaultValue = "8", description = "Tokens shown on each side of the firing token (default: ${DEFAULT-VALUE}).")
    int context;
    @Option(names = "--rows", defaultValue = "1000000", description = "Rows to scan, in order (default: ${DEFAULT-VALUE}, at most the data's).")
    long rows;
    @Option(names = "--batch", defaultValue = "4096", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--threshold", defaultValue = "0.7", paramLabel = "θ", description = "Cosine threshold of --compare: novel below it (default: ${DEFAULT-VALUE}).")
    double threshold;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        if (top < 1 || quantiles < 0 || context < 0 || rows < 1 || batch < 1)
            throw new UserInputException("--top, --rows and --batch must be at least 1 and --quantiles, --context at least 0");
        if (!(threshold > 0 && threshold <= 1)) throw new UserInputException("--threshold must be in (0, 1], got " + threshold);
        new DistinctPaths().input("SAE", saeDir).input("--compare", otherDir).input("--data", data).output("--out", out).check();
        PrintWriter err = spec.commandLine().getErr();
        try (Sae sae = SaeFiles.load(saeDir);
             Sae other = otherDir == null ? null : SaeFiles.load(otherDir);
             ActivationSource source = ActivationFiles.open(data, null);
             Backend backend = backendOption.open()) {
            SaeFiles.checkInputDim(sae.dIn(), saeDir, source.dim(), data);
            if (other != null) SaeFiles.checkInputDim(other.dIn(), otherDir, source.dim(), data);
            long n = Math.min(rows, source.rows());
            err.println("explore: " + sae + (other == null ? "" : " against " + other) + " on " + source.describe() + "; " + backend.summary());
            ExploreRun.Written site = new ExploreRun(top, quantiles, context, batch, threshold)
                    .write(backend, sae, saeDir, other, otherDir, source, data, n, out, err);
            JsonReport report = new JsonReport().put("sae", saeDir.toString()).put("out", out.toString()).put("index", site.index().toString())
                    .put("latents", sae.width()).put("rows", n).put("contexts", site.contexts());
            if (other != null) report.put("compare", otherDir.toString()).put("novel", site.novel());
            err.println("explore: open " + site.index().toAbsolutePath());
            report.print(spec.commandLine().getOut(), json.enabled);
        }
        return 0;
    }
}
