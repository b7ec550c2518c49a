package dev.saestitch.cli.report;

import dev.saestitch.api.Comparison;
import dev.saestitch.dict.AdditionScan;
import dev.saestitch.dict.AdditionTable;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.sae.Autoencoder;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** compare's --json object and its report folder (summary.json, latents.csv, Figs. 1 and 3), from a {@link Comparison}. */
public final class CompareReport {

    private CompareReport() {}

    /** Table 2's JSON: per class, how many latents lower, raise or leave S's mse when added alone. */
    public static Map<String, Object> table2(AdditionTable t) {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("novel", signs(t.novelDecrease(), t.novelIncrease(), t.novelUnchanged()));
        table.put("reconstruction", signs(t.reconstructionDecrease(), t.reconstructionIncrease(), t.reconstructionUnchanged()));
        return table;
    }

    /** The codes' best single scales and Table 2 with the codes rescaled, added to a compare object. */
    public static JsonReport putRescaled(JsonReport compare, Comparison.Rescaled r) {
        Map<String, Object> shrinkage = new LinkedHashMap<>();
        shrinkage.put("small_scale", r.smallScale());
        shrinkage.put("large_scale", r.largeScale());
        return compare.put("code_scale", shrinkage).put("table2_rescaled", table2(r.data().table2()));
    }

    /** The --json keys (a contract); {@code data} describes the activations, null without data. */
    public static JsonReport json(Comparison c, Path smallDir, Path largeDir, Autoencoder small, Autoencoder large, String data) {
        JsonReport report = new JsonReport()
                .put("small", smallDir.toString())
                .put("large", largeDir.toString())
                .put("small_width", small.width())
                .put("large_width", large.width())
                .put("d_in", small.dIn())
                .put("threshold", c.threshold())
                .put("novel", c.classes().novelCount())
                .put("reconstruction", c.classes().reconstructionCount())
                .put("families", c.families().families().size())
                .put("family_sizes", c.familySizes().stream().map(CompareReport::familySize).toList())
                .put("small_without_family", c.families().isolatedSmall().length)
                .put("mean_max_cos", Arrays.stream(c.largeMaxCos().max()).average().orElse(Double.NaN))
                .put("mean_max_cos_small_over_large", c.meanMaxCosSmallOverLarge())
                .put("small_with_counterpart", c.smallWithCounterpart());
        if (c.data() == null) return report;
        AdditionScan.Result scan = c.data().scan();
        AdditionTable t = c.data().table2();
        Map<String, Object> table = table2(t);
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("fires", finite(scan.mseWhereNovelFires()));
        where.put("does_not_fire", finite(scan.mseWhereNoNovelFires()));
        where.put("samples_where_fires", scan.samplesWithNovel());
        where.put("per_latent_fires", finite(scan.perLatent().mseWhereActive()));
        where.put("per_latent_does_not_fire", finite(scan.perLatent().mseWhereInactive()));
        where.put("per_latent_count", scan.perLatent().latents());
        return report.put("data", data)
                .put("samples", scan.samples())
                .put("small_mse", scan.small().mse())
                .put("small_l0", scan.small().l0())
                .put("large_mse", scan.large().mse())
                .put("large_l0", scan.large().l0())
                .put("table2", table)
                .put("mse_where_novel_fires", where);
    }

    private static Map<String, Object> familySize(Comparison.FamilySize s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("small", s.small());
        m.put("large", s.large());
        m.put("families", s.count());
        return m;
    }

    private static Map<String, Object> signs(int decrease, int increase, int unchanged) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("delta_mse_negative", decrease);
        m.put("delta_mse_positive", increase);
        m.put("delta_mse_zero", unchanged);
        return m;
    }

    /** JSON has no NaN: an undefined mean (no samples on one side) is null. */
    public static Double finite(double v) { return Double.isFinite(v) ? v : null; }

    /** Writes the folder; {@code report} gets the folder's name first, so that summary.json holds it as --json does. */
    public static void write(Path folder, JsonReport report, Comparison c) {
        report.put("report", folder.toString());
        ReportDir dir = new ReportDir(folder);
        LatentClasses classes = c.classes();
        double[] maxCos = c.largeMaxCos().max();
        double[] delta = c.data() == null ? null : c.data().scan().deltaMse();
        int[] familyOf = c.familyOfLarge();
        StringBuilder csv = new StringBuilder("latent,max_cos,argmax,class,family,delta_mse\n");
        for (int j = 0; j < classes.latents(); j++) {
            csv.append(j).append(',').append(String.format(Locale.ROOT, "%.6f", maxCos[j])).append(',').append(c.largeMaxCos().argmax()[j]).append(',')
                    .append(classes.isNovel(j) ? "novel" : "reconstruction").append(',').append(familyOf[j] < 0 ? "" : Integer.toString(familyOf[j])).append(',')
                    .append(delta == null ? "" : String.format(Locale.ROOT, "%.6g", delta[j])).append('\n');
        }
        dir.text("latents.csv", csv.toString());
        dir.png("max_cosine.png", maxCosineHistogram(maxCos, c.threshold()));
        if (delta != null) dir.png("delta_mse_vs_max_cosine.png", deltaMseScatter(maxCos, delta, classes, c.threshold()));
        dir.json("summary.json", report);
        dir.commit();
    }

    /** The paper's Figure 3: the distribution of m_i over LARGE's latents, θ marked. */
    private static XYChart maxCosineHistogram(double[] maxCos, double threshold) {
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
    private static XYChart deltaMseScatter(double[] maxCos, double[] delta, LatentClasses classes, double threshold) {
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
