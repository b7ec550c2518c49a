package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.data.TokenProvenance;
import dev.saestitch.dict.AdditionScan;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LargeMaxCosines;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.dict.TileShape;
import dev.saestitch.explore.ExplorePass;
import dev.saestitch.explore.LatentProfiles;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.ShuffledFeed;
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
        PrintWriter err = spec.commandLine().getErr();
        try (Sae sae = SaeFiles.load(saeDir);
             Sae other = otherDir == null ? null : SaeFiles.load(otherDir);
             ActivationSource source = ActivationFiles.open(data, null);
             Backend backend = backendOption.open()) {
            SaeFiles.checkInputDim(sae.dIn(), saeDir, source.dim(), data);
            if (other != null) SaeFiles.checkInputDim(other.dIn(), otherDir, source.dim(), data);
            long n = Math.min(rows, source.rows());
            err.println("explore: " + sae + (other == null ? "" : " against " + other) + " on " + source.describe() + "; " + backend.describe());
            LatentProfiles profiles = profile(backend, sae, source, n, "explore", err);
            ExploreSite.Comparison comparison = other == null ? null : compare(backend, sae, other, source, n, err);
            try (TokenProvenance provenance = TokenProvenance.openBeside(data, source.rows()).orElse(null)) {
                new ExploreSite(out, quantiles, context, provenance).write(saeDir, profiles, comparison);
                JsonReport report = new JsonReport().put("sae", saeDir.toString()).put("out", out.toString()).put("index", out.resolve("index.html").toString())
                        .put("latents", sae.width()).put("rows", n).put("contexts", provenance != null);
                if (comparison != null) report.put("compare", otherDir.toString()).put("novel", comparison.classes().novelCount());
                if (provenance == null) err.println("explore: no token provenance beside " + data + ": contexts are unavailable");
                err.println("explore: open " + out.resolve("index.html").toAbsolutePath());
                report.print(spec.commandLine().getOut(), json.enabled);
            }
        }
        return 0;
    }

    private LatentProfiles profile(Backend backend, Sae sae, ActivationSource source, long n, String what, PrintWriter err) {
        Progress progress = new Progress(err, what, n, "rows");
        LatentProfiles p = ExplorePass.run(backend, sae, source, n, batch, top, 0, r -> progress.status(r, ""));
        progress.done();
        return p;
    }

    /** The comparison of the pair, whichever is larger, with the larger one's Δmse over the same rows. */
    private ExploreSite.Comparison compare(Backend backend, Sae sae, Sae other, ActivationSource source, long n, PrintWriter err) {
        boolean saeIsLarge = sae.width() >= other.width();
        Sae small = saeIsLarge ? other : sae, large = saeIsLarge ? sae : other;
        DictionaryComparison cmp = DictionaryComparison.compare(backend, large.wDec(), small.wDec(), threshold,
                TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, large.width(), small.width()));
        LatentClasses classes = LatentClasses.of(cmp);
        int b = (int) Math.min(batch, n), batches = (int) Math.max(1, n / b);
        Progress progress = new Progress(err, "Δmse", (long) batches * b, "rows");
        AdditionScan.Result scan = AdditionScan.run(backend, small, large, classes.novelMask(), new ShuffledFeed(source, 0), batches, b, r -> progress.status(r, ""));
        progress.done();
        LatentProfiles otherProfiles = profile(backend, other, source, n, "explore other", err);
        return new ExploreSite.Comparison(otherDir, otherProfiles, saeIsLarge, classes, Families.of(cmp),
                LargeMaxCosines.of(cmp, large.wDec(), small.wDec()), cmp.maxCosine().maxOverA(), cmp.maxCosine().argmaxInA(), scan.deltaMse());
    }
}
