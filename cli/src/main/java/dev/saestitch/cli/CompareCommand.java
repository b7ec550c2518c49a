package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.AdditionScan;
import dev.saestitch.dict.AdditionTable;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LargeMaxCosines;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.dict.TileShape;
import dev.saestitch.io.SaeFiles;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
        PrintWriter err = spec.commandLine().getErr();
        try (SaePair pair = saes.load(); Backend backend = backendOption.open()) {
            err.println("compare: SMALL " + pair.small() + ", LARGE " + pair.large() + "; " + backend.describe());
            DictionaryComparison cmp = DictionaryComparison.compare(backend, pair.large().wDec(), pair.small().wDec(), threshold,
                    TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, pair.large().width(), pair.small().width()));
            LatentClasses classes = LatentClasses.of(cmp);
            Families families = Families.of(cmp);
            LargeMaxCosines cosines = LargeMaxCosines.of(cmp, pair.large().wDec(), pair.small().wDec());
            JsonReport report = weightReport(pair, cmp, classes, families, cosines);
            AdditionScan.Result scan = null;
            if (dataOption.path() != null || synthetic) {
                try (Arena arena = Arena.ofShared(); DataOption.Dataset data = dataOption.open(pair.small().dIn(), arena)) {
                    if (dataOption.path() != null) SaeFiles.checkInputDim(pair.small(), saes.smallDir, data.source().dim(), dataOption.path());
                    int b = (int) Math.max(1, Math.min(batch, Math.min(rows, data.source().rows())));
                    int batches = (int) Math.max(1, Math.min(rows, data.source().rows()) / b);
                    Progress progress = new Progress(err, "compare", (long) batches * b, "rows");
                    scan = AdditionScan.run(backend, pair.small(), pair.large(), classes.novelMask(), new ShuffledFeed(data.source(), seed),
                            batches, b, n -> progress.status(n, ""));
                    progress.done();
                    report.put("data", data.description());
                    dataReport(report, scan, classes);
                }
            }
            if (reportDir != null) {
                report.put("report", reportDir.toString());
                writeReport(new ReportDir(reportDir), report, classes, families, cosines, scan);
            }
            Evaluations.print(report, json.enabled, spec.commandLine().getOut());
        }
        return 0;
    }

    /** How many S- and L-latents a family holds. */
    private record FamilySize(int small, int large) {}

    private JsonReport weightReport(SaePair pair, DictionaryComparison cmp, LatentClasses classes, Families families, LargeMaxCosines cosines) {
        float[] back = cmp.maxCosine().maxOverA();   // per S-latent, its max cosine over L
        long smallCovered = 0;
        double meanBack = 0;
        for (float c : back) {
            meanBack += c / back.length;
            if (c >= threshold) smallCovered++;
        }
        Map<FamilySize, Integer> sizes = new TreeMap<>(Comparator.comparingInt(FamilySize::small).thenComparingInt(FamilySize::large));
        for (Families.Family f : families.families()) sizes.merge(new FamilySize(f.small().length, f.large().length), 1, Integer::sum);
        List<Map<String, Object>> familySizes = new ArrayList<>();
        sizes.forEach((size, n) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("small", size.small());
            m.put("large", size.large());
            m.put("families", n);
            familySizes.add(m);
        });
        return new JsonReport()
                .put("small", saes.smallDir.toString())
                .put("large", saes.largeDir.toString())
                .put("small_width", pair.small().width())
                .put("large_width", pair.large().width())
                .put("d_in", pair.small().dIn())
                .put("threshold", threshold)
                .put("novel", classes.novelCount())
                .put("reconstruction", classes.reconstructionCount())
                .put("families", families.families().size())
                .put("family_sizes", familySizes)
                .put("small_without_family", families.isolatedSmall().length)
                .put("mean_max_cos", Arrays.stream(cosines.max()).average().orElse(Double.NaN))
                .put("mean_max_cos_small_over_large", meanBack)
                .put("small_with_counterpart", smallCovered);
    }

    private static void dataReport(JsonReport report, AdditionScan.Result scan, LatentClasses classes) {
        AdditionTable t = AdditionTable.of(scan.deltaMse(), classes);
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("novel", signs(t.novelDecrease(), t.novelIncrease(), t.novelUnchanged()));
        table.put("reconstruction", signs(t.reconstructionDecrease(), t.reconstructionIncrease(), t.reconstructionUnchanged()));
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("fires", finite(scan.mseWhereNovelFires()));
        where.put("does_not_fire", finite(scan.mseWhereNoNovelFires()));
        where.put("samples_where_fires", scan.samplesWithNovel());
        where.put("per_latent_fires", finite(scan.perLatent().mseWhereActive()));
        where.put("per_latent_does_not_fire", finite(scan.perLatent().mseWhereInactive()));
        where.put("per_latent_count", scan.perLatent().latents());
        report.put("samples", scan.samples())
                .put("small_mse", scan.small().mse())
                .put("small_l0", scan.small().l0())
                .put("large_mse", scan.large().mse())
                .put("large_l0", scan.large().l0())
                .put("table2", table)
                .put("mse_where_novel_fires", where);
    }

    private static Map<String, Object> signs(int decrease, int increase, int unchanged) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("delta_mse_negative", decrease);
        m.put("delta_mse_positive", increase);
        m.put("delta_mse_zero", unchanged);
        return m;
    }

    /** JSON has no NaN: an undefined mean (no samples on one side) is null. */
    static Double finite(double v) { return Double.isFinite(v) ? v : null; }

    private void writeReport(ReportDir dir, JsonReport report, LatentClasses classes, Families families, LargeMaxCosines cosines, AdditionScan.Result scan) {
        int[] familyOf = new int[classes.latents()];
        Arrays.fill(familyOf, -1);
        for (int f = 0; f < families.families().size(); f++) for (int j : families.families().get(f).large()) familyOf[j] = f;
        StringBuilder csv = new StringBuilder("latent,max_cos,argmax,class,family,delta_mse\n");
        for (int j = 0; j < classes.latents(); j++) {
            csv.append(j).append(',').append(String.format(Locale.ROOT, "%.6f", cosines.max()[j])).append(',').append(cosines.argmax()[j]).append(',')
                    .append(classes.isNovel(j) ? "novel" : "reconstruction").append(',').append(familyOf[j] < 0 ? "" : Integer.toString(familyOf[j])).append(',')
                    .append(scan == null ? "" : String.format(Locale.ROOT, "%.6g", scan.deltaMse()[j])).append('\n');
        }
        dir.text("latents.csv", csv.toString());
        dir.png("max_cosine.png", maxCosineHistogram(cosines.max()));
        if (scan != null) dir.png("delta_mse_vs_max_cosine.png", deltaMseScatter(cosines.max(), scan.deltaMse(), classes));
        dir.json("summary.json", report);
    }

    /** The paper's Figure 3: the distribution of m_i over LARGE's latents, θ marked. */
    private XYChart maxCosineHistogram(double[] maxCos) {
        double lo = Math.min(0, Arrays.stream(maxCos).min().orElse(0));
        XYChart chart = Plots.chart("Max decoder cosine of each LARGE latent over SMALL", "max cosine similarity", "LARGE latents");
        Plots.histogram(chart, "LARGE latents (" + maxCos.length + ")", maxCos, 50, lo, 1, Plots.NEUTRAL);
        double top = chart.getSeriesMap().values().iterator().next().getYMax();
        Plots.guide(chart, "θ", threshold, 0, threshold, top);
        chart.getStyler().setXAxisMin(lo).setXAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        return chart;
    }

    /** The paper's Figure 1: Δmse of adding each LARGE latent to SMALL against its max cosine, by class. */
    private XYChart deltaMseScatter(double[] maxCos, double[] delta, LatentClasses classes) {
        XYChart chart = Plots.chart("Change of SMALL's mse when one LARGE latent is added", "max cosine similarity to SMALL", "Δ mse");
        for (boolean novel : new boolean[] {true, false}) {
            int n = novel ? classes.novelCount() : classes.reconstructionCount();
            double[] x = new double[n], y = new double[n];
            for (int j = 0, k = 0; j < classes.latents(); j++)
                if (classes.isNovel(j) == novel) {
                    x[k] = maxCos[j];
                    y[k++] = delta[j];
                }
            Plots.scatter(chart, (novel ? "novel (" : "reconstruction (") + n + ")", x, y, novel ? Plots.NOVEL : Plots.RECONSTRUCTION);
        }
        double[] yRange = Plots.robustRange(delta, 0.005);
        double xLo = Math.min(0, Arrays.stream(maxCos).min().orElse(0));
        if (yRange != null) {
            chart.getStyler().setYAxisMin(yRange[0]).setYAxisMax(yRange[1]);
            chart.getStyler().setYAxisDecimalPattern(Plots.decimalPattern(Math.max(Math.abs(yRange[0]), Math.abs(yRange[1]))));
            Plots.guide(chart, "θ", threshold, yRange[0], threshold, yRange[1]);
        }
        Plots.guide(chart, "zero", xLo, 0, 1, 0);
        chart.getStyler().setXAxisMin(xLo).setXAxisMax(1.0);
        return chart;
    }
}
