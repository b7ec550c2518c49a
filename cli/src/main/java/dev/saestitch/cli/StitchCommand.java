package dev.saestitch.cli;

import dev.saestitch.api.Stitching;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.cli.report.StitchReport;
import dev.saestitch.dict.StitchPath;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** The stitching path from a small SAE to a large one (SPEC §2; the papers' Figures 2 and 5). */
@Command(name = "stitch", mixinStandardHelpOptions = true,
        description = {"Interpolate from SMALL towards LARGE: add LARGE's latents without a family one by one (the novel ones),",
                "then swap the families (remove their SMALL latents, add their LARGE ones) in order of mean cosine, highest first.",
                "Records (step, kind, F, mse, l0) at every step on --rows rows held in memory, evaluated incrementally.",
                "--at-step N or --size F exports that hybrid: a JumpReLU SAE in SAELens layout when no TopK SAE contributes",
                "latents, else a saestitch composite directory; eval reads both."})
final class StitchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;
    @Mixin DataOption dataOption;

    @Mixin SaePairArguments saes;
    @Option(names = "--synthetic", description = "Use the built-in synthetic world (of the SAEs' d_in) when there is no --data.")
    boolean synthetic;
    @Option(names = "--order", defaultValue = "random", paramLabel = "random|delta",
            description = "Order of the additions: seeded random, or by the Δmse of adding each alone to SMALL, most helpful first (default: ${DEFAULT-VALUE}).")
    String order;
    @Option(names = "--bias", defaultValue = "eq5", paramLabel = "eq5|keep",
            description = "Decoder bias of a hybrid: eq5 mixes SMALL's and LARGE's b_dec by their shares of the latents; keep uses SMALL's (default: ${DEFAULT-VALUE}).")
    String bias;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the row order and of the random order (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--rows", defaultValue = "16384", description = "Rows held in memory to evaluate the path on (default: ${DEFAULT-VALUE}, at most the data's).")
    int rows;
    @Option(names = "--batch", defaultValue = "4096", description = "Rows per batch when encoding (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--threshold", defaultValue = "0.7", paramLabel = "θ", description = "Cosine threshold of the families (default: ${DEFAULT-VALUE}).")
    double threshold;
    @Option(names = "--drop-orphans", description = "End the path with one more step that removes SMALL's orphans (its latents in no family, which no swap removes), so that it ends at LARGE.")
    boolean dropOrphans;
    @Option(names = "--at-step", paramLabel = "N", description = "Export the hybrid after N steps (0 = SMALL).")
    Integer atStep;
    @Option(names = "--size", paramLabel = "F", description = "Export the hybrid whose number of latents is closest to F (the earliest such step).")
    Integer size;
    @Option(names = "--out", paramLabel = "DIR", description = "Where --at-step or --size writes the hybrid.")
    Path out;
    @Option(names = "--report", paramLabel = "DIR", description = "Write summary.json, path.csv and PNG plots into DIR.")
    Path reportDir;
    @Mixin FormatOption format;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        validate();
        dataOption.inputs(saes.inputs()).output("--out", out).output("--report", reportDir).check();
        Stitching.Options options = new Stitching.Options(Stitching.Order.parse(order), BiasRule.parse(bias), threshold, seed, rows, batch, dropOrphans);
        PrintWriter err = spec.commandLine().getErr();
        // The path's bias mixes each source SAE's own b_dec by Eq. 5 and the hybrid keeps each latent's source SAE: both need S and L as SAEs of their own.
        try (SaePair<Sae> pair = saes.loadPlain("stitch needs plain SAEs (the path mixes each SAE's own decoder bias and the hybrid keeps each latent's source SAE); compare takes composites");
             Backend backend = backendOption.open();
             Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(pair.small().dIn(), arena)) {
            dataOption.checkInputDim(pair.small().dIn(), saes.smallDir, data);
            err.println("stitch: SMALL " + pair.small() + ", LARGE " + pair.large() + " on " + data.description() + "; " + backend.summary());
            Stitching.Plan plan = Stitching.plan(backend, pair.small(), pair.large(), data.source(), options);
            Progress progress = new Progress(err, "stitch", plan.size(), "steps");
            Stitching.StitchResult path = plan.walk(step -> progress.advance(1));
            progress.done();
            JsonReport report = StitchReport.json(path, saes.smallDir, saes.largeDir, data.description());
            if (out != null) report.put("export", export(path));
            if (reportDir != null) StitchReport.write(reportDir, report, path);
            report.print(spec.commandLine().getOut(), json.enabled);
        }
        return 0;
    }

    /** Saves the hybrid at --at-step or --size (SaeFiles' one save decision) and says what was written. */
    private Map<String, Object> export(Stitching.StitchResult path) {
        int step = atStep != null ? atStep : path.closestStep(size);
        if (step > path.plan().size()) throw new UserInputException("--at-step " + step + " is past the path's last step " + path.plan().size());
        Map<String, Object> from = new LinkedHashMap<>();
        from.put("small", saes.smallDir.toString());
        from.put("large", saes.largeDir.toString());
        from.put("step", step);
        from.put("bias", path.options().bias().cliName());
        String written;
        try (CompositeSae hybrid = path.hybrid(step)) {
            written = SaeFiles.save(hybrid, out, Map.of("saestitch_stitched_from", from), format.asked());
        }
        StitchPath.Step at = path.steps().get(step);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("out", out.toString());
        m.put("step", step);
        m.put("F", at.width());
        m.put("mse", at.mse());
        m.put("l0", at.l0());
        m.put("format", written);
        return m;
    }

    private void validate() {
        if (!(threshold > 0 && threshold <= 1)) throw new UserInputException("--threshold must be in (0, 1], got " + threshold);
        if (rows < 1 || batch < 1) throw new UserInputException("--rows and --batch must be at least 1, got " + rows + " and " + batch);
        if (synthetic && dataOption.path() != null) throw new UserInputException("give --data FILE or --synthetic, not both");
        if (!synthetic && dataOption.path() == null)
            throw new UserInputException("stitch evaluates its path on activations: give --data FILE, or --synthetic for the built-in world");
        if (atStep != null && size != null) throw new UserInputException("give --at-step or --size, not both");
        if ((atStep != null || size != null) != (out != null)) throw new UserInputException("--at-step and --size export a hybrid: they go with --out DIR");
        if (format.name != null && out == null) throw new UserInputException("--format is the layout of the hybrid written to --out DIR: give --out");
        SaeFiles.checkCompositeFormat(format.asked(), out);
        if (atStep != null && atStep < 0) throw new UserInputException("--at-step must be at least 0, got " + atStep);
        if (size != null && size < 1) throw new UserInputException("--size must be at least 1, got " + size);
    }
}
