package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.dict.LatentCodes;
import dev.saestitch.dict.StitchPath;
import dev.saestitch.dict.StitchPlan;
import dev.saestitch.dict.TileShape;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.CompositeSaeFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.SaeRunner;
import dev.saestitch.train.ShuffledFeed;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

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
    @Option(names = "--at-step", paramLabel = "N", description = "Export the hybrid after N steps (0 = SMALL).")
    Integer atStep;
    @Option(names = "--size", paramLabel = "F", description = "Export the hybrid whose number of latents is closest to F (the earliest such step).")
    Integer size;
    @Option(names = "--out", paramLabel = "DIR", description = "Where --at-step or --size writes the hybrid.")
    Path out;
    @Option(names = "--report", paramLabel = "DIR", description = "Write summary.json, path.csv and PNG plots into DIR.")
    Path reportDir;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        BiasRule rule = BiasRule.parse(bias);
        boolean byDelta = switch (order.toLowerCase(Locale.ROOT)) {
            case "random" -> false;
            case "delta" -> true;
            default -> throw new UserInputException("unknown --order '" + order + "' (expected random or delta)");
        };
        validate();
        PrintWriter err = spec.commandLine().getErr();
        try (SaePair pair = saes.load();
             Backend backend = backendOption.open();
             Arena arena = Arena.ofShared();
             DataOption.Dataset data = dataOption.open(pair.small().dIn(), arena)) {
            Sae small = pair.small(), large = pair.large();
            if (dataOption.path() != null) SaeFiles.checkInputDim(small, saes.smallDir, data.source().dim(), dataOption.path());
            err.println("stitch: SMALL " + small + ", LARGE " + large + " on " + data.description() + "; " + backend.describe());
            int n = (int) Math.min(rows, data.source().rows()), b = Math.min(batch, n);
            Matrix x = Matrix.allocate(arena, n, small.dIn());   // (N, D) the evaluation rows
            new ShuffledFeed(data.source(), seed).next(x);

            LatentCodes smallCodes, largeCodes;
            ReconstructionMetrics largeAlone = new ReconstructionMetrics(small.dIn());
            try (SaeRunner runS = new SaeRunner(backend, small, b); SaeRunner runL = new SaeRunner(backend, large, b)) {
                smallCodes = LatentCodes.encode(runS, x, b);
                largeCodes = LatentCodes.encode(runL, x, b);
                Matrix xHat = Matrix.allocate(arena, b, small.dIn());
                for (int from = 0; from < n; from += b) {
                    Matrix rowsNow = x.rows(from, Math.min(b, n - from)), out = xHat.rows(0, rowsNow.rows());
                    var codes = runL.encode(rowsNow);
                    runL.decode(codes, out);
                    largeAlone.add(rowsNow, out, codes.nnz());
                }
            }
            DictionaryComparison cmp = DictionaryComparison.compare(backend, large.wDec(), small.wDec(), threshold,
                    TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, large.width(), small.width()));
            Families families = Families.of(cmp);
            StitchPath path = new StitchPath(x, small, smallCodes, large, largeCodes, rule);
            int[] additions = byDelta ? StitchPlan.byDeltaMse(families.isolatedLarge(), path.largeAdditionDeltaMse())
                    : StitchPlan.randomOrder(families.isolatedLarge(), seed);
            StitchPlan plan = StitchPlan.of(families, additions, small.width());
            Progress progress = new Progress(err, "stitch", plan.size(), "steps");
            List<StitchPath.Step> steps = StitchPath.walk(path, plan, step -> progress.advance(1));
            progress.done();

            StitchPath.Step start = steps.getFirst(), end = steps.getLast();
            ReconstructionMetrics.Summary l = largeAlone.summary();
            JsonReport report = new JsonReport()
                    .put("small", saes.smallDir.toString())
                    .put("large", saes.largeDir.toString())
                    .put("data", data.description())
                    .put("rows", n)
                    .put("threshold", threshold)
                    .put("order", byDelta ? "delta" : "random")
                    .put("bias", rule.cliName())
                    .put("family_order", "mean_cosine_desc")
                    .put("novel", LatentClasses.of(cmp).novelCount())
                    .put("added", families.isolatedLarge().length)
                    .put("families", families.families().size())
                    .put("steps", plan.size())
                    .put("start_mse", start.mse()).put("start_l0", start.l0()).put("start_F", start.width())
                    .put("end_mse", end.mse()).put("end_l0", end.l0()).put("end_F", end.width())
                    .put("large_mse", l.mse()).put("large_l0", l.l0()).put("large_F", large.width());
            if (out != null) report.put("export", export(small, large, plan, steps, rule));
            if (reportDir != null) {
                report.put("report", reportDir.toString());
                writeReport(new ReportDir(reportDir), report, steps, l, large.width());
            }
            Evaluations.print(report, json.enabled, spec.commandLine().getOut());
        }
        return 0;
    }

    private void validate() {
        if (!(threshold > 0 && threshold <= 1)) throw new UserInputException("--threshold must be in (0, 1], got " + threshold);
        if (rows < 1 || batch < 1) throw new UserInputException("--rows and --batch must be at least 1, got " + rows + " and " + batch);
        if (synthetic && dataOption.path() != null) throw new UserInputException("give --data FILE or --synthetic, not both");
        if (!synthetic && dataOption.path() == null)
            throw new UserInputException("stitch evaluates its path on activations: give --data FILE, or --synthetic for the built-in world");
        if (atStep != null && size != null) throw new UserInputException("give --at-step or --size, not both");
        if ((atStep != null || size != null) != (out != null)) throw new UserInputException("--at-step and --size export a hybrid: they go with --out DIR");
        if (atStep != null && atStep < 0) throw new UserInputException("--at-step must be at least 0, got " + atStep);
        if (size != null && size < 1) throw new UserInputException("--size must be at least 1, got " + size);
    }

    /** Writes the chosen hybrid to --out and says what was written. */
    private Map<String, Object> export(Sae small, Sae large, StitchPlan plan, List<StitchPath.Step> steps, BiasRule rule) {
        int step = atStep != null ? atStep : closestStep(steps, size);
        if (step > plan.size()) throw new UserInputException("--at-step " + step + " is past the path's last step " + plan.size());
        String format;
        try (CompositeSae hybrid = StitchPath.hybrid(small, large, plan.hybridAt(step), rule)) {
            if (hybrid.expressibleAsJumpRelu()) {
                try (Sae sae = hybrid.toJumpRelu()) {
                    Map<String, Object> from = new LinkedHashMap<>();
                    from.put("small", saes.smallDir.toString());
                    from.put("large", saes.largeDir.toString());
                    from.put("step", step);
                    from.put("bias", rule.cliName());
                    sae.metadata().put("saestitch_stitched_from", from);
                    SaeFiles.save(sae, out);
                }
                format = "saelens_jumprelu";
            } else {
                CompositeSaeFiles.save(hybrid, out);
                format = CompositeSaeFiles.ARCHITECTURE;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("out", out.toString());
        m.put("step", step);
        m.put("F", steps.get(step).width());
        m.put("mse", steps.get(step).mse());
        m.put("l0", steps.get(step).l0());
        m.put("format", format);
        return m;
    }

    /** The earliest step whose number of latents is closest to {@code f}. */
    private static int closestStep(List<StitchPath.Step> steps, int f) {
        int best = 0;
        for (StitchPath.Step s : steps) if (Math.abs(s.width() - f) < Math.abs(steps.get(best).width() - f)) best = s.step();
        return best;
    }

    private void writeReport(ReportDir dir, JsonReport report, List<StitchPath.Step> steps, ReconstructionMetrics.Summary large, int largeWidth) {
        StringBuilder csv = new StringBuilder("step,kind,F,mse,l0\n");
        for (StitchPath.Step s : steps)
            csv.append(s.step()).append(',').append(s.kind()).append(',').append(s.width()).append(',')
                    .append(String.format(Locale.ROOT, "%.9g,%.6g%n", s.mse(), s.l0()));
        dir.text("path.csv", csv.toString());
        dir.png("mse_vs_l0.png", pathChart(steps, "L0 (mean active latents)", StitchPath.Step::l0, large.l0(), large.mse()));
        XYChart byWidth = pathChart(steps, "dictionary size F", s -> s.width(), largeWidth, large.mse());
        byWidth.getStyler().setXAxisDecimalPattern("#,##0");
        dir.png("mse_vs_F.png", byWidth);
        dir.json("summary.json", report);
    }

    /** The papers' Figures 2 and 5: the path's mse against {@code x}, additions and swaps in two colours, both SAEs marked. */
    private static XYChart pathChart(List<StitchPath.Step> steps, String xLabel, ToDoubleFunction<StitchPath.Step> x, double largeX, double largeMse) {
        XYChart chart = Plots.chart("Stitching path from SMALL towards LARGE", xLabel, "mse");
        int lastAdd = 0;
        while (lastAdd + 1 < steps.size() && steps.get(lastAdd + 1).kind().equals(StitchPlan.Kind.ADD.cliName())) lastAdd++;
        List<StitchPath.Step> adds = steps.subList(0, lastAdd + 1), swaps = steps.subList(lastAdd, steps.size());
        Plots.line(chart, "adding novel latents (" + lastAdd + ")", xs(adds, x), xs(adds, StitchPath.Step::mse), Plots.NOVEL);
        if (swaps.size() > 1)
            Plots.line(chart, "swapping families (" + (swaps.size() - 1) + ")", xs(swaps, x), xs(swaps, StitchPath.Step::mse), Plots.RECONSTRUCTION);
        Plots.point(chart, "SMALL", x.applyAsDouble(steps.getFirst()), steps.getFirst().mse(), Plots.NEUTRAL);
        Plots.point(chart, "LARGE alone", largeX, largeMse, java.awt.Color.BLACK);
        chart.getStyler().setYAxisDecimalPattern(Plots.decimalPattern(Math.max(largeMse, steps.stream().mapToDouble(StitchPath.Step::mse).max().orElse(0))));
        return chart;
    }

    private static double[] xs(List<StitchPath.Step> steps, ToDoubleFunction<StitchPath.Step> f) {
        return steps.stream().mapToDouble(f).toArray();
    }
}
