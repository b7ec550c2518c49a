package dev.saestitch.cli;

import dev.saestitch.api.FrankensteinResult;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.FrankenReport;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.franken.DecoderRetraining;
import dev.saestitch.franken.Frankenstein;
import dev.saestitch.franken.NormalEquations;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Algorithm 1 of the stitching workshop paper: a Frankenstein SAE from a base and larger SAEs, its decoder retrained. */
@Command(name = "frankenstein", mixinStandardHelpOptions = true,
        description = {"Build a Frankenstein SAE (SPEC §3): start from BASE, add the latents of each LARGER SAE (by increasing size)",
                "whose max decoder cosine to the SAE built so far is below the threshold, then retrain the decoder of every stage",
                "with the encoders frozen. Reports F, l0 and mse on held-out rows for each stage, before and after retraining,",
                "next to the plain SAEs, and saves the final SAE (SAELens JumpReLU when every source allows it, else a composite)."})
final class FrankenCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;
    @Mixin DataOption dataOption;

    @Parameters(index = "0", paramLabel = "BASE", description = "The base SAE directory (SAELens or sparsify layout); all its latents are kept.")
    Path base;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "LARGER", description = "Larger SAE directories to take novel latents from.")
    List<Path> larger;
    @Option(names = "--threshold", defaultValue = "0.7", description = "A latent is novel when its max decoder cosine is below this (default: ${DEFAULT-VALUE}).")
    double threshold;
    @Option(names = "--retrain", defaultValue = "adam", paramLabel = "adam|exact|none",
            description = {"Decoder retraining: adam (as the papers), exact (least squares from the float64 normal equations:",
                    "a dense (F+1)² Gram matrix and a Cholesky solve growing as F³, seconds at F = 2048; for a few thousand latents),",
                    "or none (default: ${DEFAULT-VALUE})."})
    String retrain;
    @Option(names = "--tokens", defaultValue = "2000000", paramLabel = "N", description = "Rows streamed to retrain the decoders (default: ${DEFAULT-VALUE}).")
    long tokens;
    @Option(names = "--batch", defaultValue = "4096", paramLabel = "B", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", description = "Adam's rate for inputs normalised to E‖x‖² = D (default: 3e-3).")
    Double lr;
    @Option(names = "--bias", defaultValue = "eq5", paramLabel = "eq5|keep", description = "Decoder bias before retraining: eq. 5's weighted mean or the base's (default: ${DEFAULT-VALUE}).")
    String bias;
    @Option(names = "--plain", arity = "1..*", paramLabel = "DIR", description = "More plain SAEs to report and plot beside the Frankenstein SAE.")
    List<Path> plain = new ArrayList<>();
    @Option(names = "--eval-rows", defaultValue = "65536", description = "Held-out rows for the metrics, at most a quarter of the data (default: ${DEFAULT-VALUE}).")
    int evalRows;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the row order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--out", paramLabel = "DIR", description = "Save the final SAE here (loadable by eval).")
    Path out;
    @Option(names = "--report", paramLabel = "DIR", description = "Write summary.json, stages.csv and the mse-vs-F and mse-vs-l0 plots here.")
    Path report;
    @Mixin FormatOption format;
    @Mixin JsonOption json;

    private final Map<Sae, Path> pathOf = new IdentityHashMap<>();

    @Override
    public Integer call() {
        FlagChecks.atLeast("--eval-rows", evalRows, 1);
        FlagChecks.atLeast("--batch", batch, 1);
        if (format.name != null && out == null) throw new UserInputException("--format is the layout of the SAE written to --out DIR: give --out");
        SaeFiles.checkCompositeFormat(format.asked(), out);
        DistinctPaths paths = dataOption.inputs(new DistinctPaths()).input("BASE", base);
        larger.forEach(p -> paths.input("LARGER", p));
        plain.forEach(p -> paths.input("--plain", p));
        paths.output("--out", out).output("--report", report).check();
        var options = new Frankenstein.Options(threshold, CompositeSae.BiasRule.parse(bias),
                new DecoderRetraining.Options(DecoderRetraining.Method.parse(retrain), tokens, batch,
                        lr != null ? lr : DecoderRetraining.Options.DEFAULT_LR, NormalEquations.DEFAULT_RIDGE));
        PrintWriter err = spec.commandLine().getErr();
        List<Sae> loaded = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            Sae baseSae = load(base, loaded);
            List<Sae> largerSaes = new ArrayList<>();
            for (Path p : larger) largerSaes.add(load(p, loaded));
            for (Path p : plain) if (pathOf.values().stream().noneMatch(q -> sameFile(p, q))) load(p, loaded);   // each SAE reported once
            try (DataOption.Dataset data = dataOption.open(baseSae.dIn(), arena); Backend backend = backendOption.open()) {
                for (Sae s : loaded) dataOption.checkInputDim(s.dIn(), pathOf.get(s), data);
                err.println("frankenstein: " + loaded.size() + " SAEs on " + data.description());
                err.println("frankenstein: " + backend.summary());
                Progress progress = new Progress(err, "frankenstein retrain", options.retrain().steps() * batch, "tok");
                try (FrankensteinResult f = FrankensteinResult.build(backend, baseSae, largerSaes, loaded, data.source(), options, evalRows, batch, seed,
                        n -> progress.status(n, ""))) {
                    if (options.retrain().method() != DecoderRetraining.Method.NONE) progress.done();
                    String written = out == null ? null : SaeFiles.save(f.merge().result(), out, Map.of(), format.asked());
                    JsonReport result = FrankenReport.json(backend, f, options, s -> pathOf.get(s).toString(), data.description(), data.truth(), out, written);
                    if (report != null) FrankenReport.write(report, result, options);
                    if (json.enabled) result.print(spec.commandLine().getOut());
                    else FrankenReport.printTable(spec.commandLine().getOut(), result);
                }
            }
        } finally {
            for (Sae s : loaded) s.close();
        }
        return 0;
    }

    private Sae load(Path p, List<Sae> loaded) {
        Sae s = SaeFiles.load(p);
        loaded.add(s);
        pathOf.put(s, p);
        return s;
    }

    private static boolean sameFile(Path a, Path b) { return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize()); }
}
