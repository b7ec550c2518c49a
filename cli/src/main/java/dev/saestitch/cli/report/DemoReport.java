package dev.saestitch.cli.report;

import dev.saestitch.api.Comparison;
import dev.saestitch.api.Stitching;
import dev.saestitch.dict.AdditionScan;
import dev.saestitch.dict.AdditionTable;
import dev.saestitch.dict.FeatureRecovery;
import dev.saestitch.dict.NovelLatentTruth;
import dev.saestitch.dict.StitchPath;
import dev.saestitch.franken.Frankenstein;
import dev.saestitch.match.PairMatch;
import dev.saestitch.train.Evaluation;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The demo's table on stdout and its report folder: summary.json, ladder.csv and a plot; truth
 * columns only where the truth is known. Rendered from the engine API's typed results; the JSON
 * objects of each step are their commands' and are written by those commands' reports.
 */
public final class DemoReport {

    /**
     * One rung of the ladder.
     *
     * @param recovery the true features' recovery, null where the truth is unknown
     * @param json     the rung's row of the JSON report (eval's keys, "sae", "seconds", "tokens_per_s"), from the same values
     */
    public record Rung(int width, Evaluation evaluation, FeatureRecovery.Result recovery, double seconds, Map<String, Object> json) {}

    /**
     * A compared and stitched pair of the ladder.
     *
     * @param rescaled the comparison with each SAE's codes rescaled by its best single scale, or null
     * @param truth    its novel latents scored against the true features, or null where they are unknown
     */
    public record Pair(String small, String large, Comparison comparison, Comparison.Rescaled rescaled, Stitching.StitchResult path,
                       NovelLatentTruth truth) {}

    /** Two seeds of one SAE matched: by weights (the paper's rule, at {@code threshold}) and by the correlation of their pre-activations on the data. */
    public record Seeds(PairMatch byWeights, PairMatch byData, double threshold) {}

    /**
     * What the demo measured.
     *
     * @param frankenstein the Frankenstein SAE's last stage, or null when the ladder has one rung
     * @param topkSeeds    a TopK pair of seeds at k = {@code topkK} beside a ReLU ladder, or null
     */
    public record Demo(List<Rung> ladder, List<Pair> pairs, Frankenstein.StageResult frankenstein, Seeds seeds, Seeds topkSeeds, int topkK) {}

    private static final String[] COLUMNS = {"width", "l0", "mse", "fvu", "dead_fraction", "recovered_fraction", "mean_max_cos", "seconds"};

    private DemoReport() {}

    public static void printTable(PrintWriter out, Demo demo, Path folder) {
        List<Rung> ladder = demo.ladder();
        boolean truth = ladder.getFirst().recovery() != null;
        out.printf("%8s %7s %10s %8s %7s", "F", "l0", "mse", "fvu", "dead");
        if (truth) out.printf(" %10s %9s", "recovered", "mean cos");
        out.printf(" %8s%n", "seconds");
        for (Rung r : ladder) {
            Evaluation ev = r.evaluation();
            out.printf("%8d %7.2f %10.4g %8.4f %6.1f%%", r.width(), ev.l0(), ev.mse(), ev.fvu(), 100 * ev.deadFraction());
            if (truth) out.printf(" %9.1f%% %9.3f", 100 * r.recovery().fractionRecovered(), r.recovery().meanMaxCosine());
            out.printf(" %8.1f%n", r.seconds());
        }
        out.println("mse: mean over samples and dimensions of (x − x̂)², in the data's units" + (truth ? "; recovered: true features with a latent at cosine ≥ 0.9." : ", on held-out tokens."));
        for (Pair pair : demo.pairs()) printPair(out, pair);
        if (demo.frankenstein() != null) printFrankenstein(out, demo.frankenstein(), ladder);
        Seeds seeds = demo.seeds();
        out.printf("%ntwo seeds of the smallest SAE: %.1f%% of latents shared (both matchings agree, cos ≥ %s), mean matched cosine %.3f, mean max cosine %.3f%n",
                100 * seeds.byWeights().sharedFraction(), seeds.threshold(), seeds.byWeights().meanDecoderCosine(), seeds.byWeights().meanMaxCosine());
        out.printf("  encoders compared by the correlation of their pre-activations on the data: %.1f%% shared, mean matched encoder correlation %.3f%n",
                100 * seeds.byData().sharedFraction(), seeds.byData().meanEncoderCosine());
        if (demo.topkSeeds() != null)
            out.printf("two seeds of a TopK SAE of the same width at k = %s: %.1f%% shared (by weights), %.1f%% (encoders by pre-activation correlation)%n",
                    demo.topkK(), 100 * demo.topkSeeds().byWeights().sharedFraction(), 100 * demo.topkSeeds().byData().sharedFraction());
        out.println("SAEs, data files and the report are in " + folder);
        out.flush();
    }

    /** Compare's counts, the paper's Table 2, the novel latents against the truth, and the stitching path's ends. */
    private static void printPair(PrintWriter out, Pair pair) {
        Comparison cmp = pair.comparison();
        out.printf("%ncompare %s → %s (θ = %s): %s novel, %s reconstruction latents, %s families%n", pair.small(), pair.large(),
                cmp.threshold(), cmp.classes().novelCount(), cmp.classes().reconstructionCount(), cmp.families().families().size());
        out.println("Table 2, latents of the larger SAE by the exact change in mse when added alone to the smaller one:");
        out.printf("  %-15s %9s %9s%n", "", "Δmse < 0", "Δmse > 0");
        printSigns(out, cmp.data().table2());
        if (pair.rescaled() != null) {
            out.printf("the same with each SAE's codes rescaled by its best single scale (smaller %.3f, larger %.3f; 1 = no shrinkage):%n",
                    pair.rescaled().smallScale(), pair.rescaled().largeScale());
            printSigns(out, pair.rescaled().data().table2());
        }
        AdditionScan.Result scan = cmp.data().scan();
        out.printf("smaller SAE's mse where a novel latent fires: %s, where none does: %s%n", number(scan.mseWhereNovelFires(), "%.4g"),
                number(scan.mseWhereNoNovelFires(), "%.4g"));
        NovelLatentTruth truth = pair.truth();
        if (truth != null)
            out.printf("novel latents against the true features: %s of %s are features the smaller SAE missed (precision %s);%n"
                            + "  of the %s missed features the larger SAE learnt, %s are novel latents (recall %s)%n",
                    truth.hits(), truth.novel(), number(truth.precision(), "%.2f"), truth.missedFoundByLarge(),
                    truth.missedFoundByNovel(), number(truth.recall(), "%.2f"));
        Stitching.StitchResult path = pair.path();
        StitchPath.Step beforeDrop = StitchReport.beforeDrop(path);
        if (beforeDrop != null) {
            out.printf("stitching path: mse %.4g → %.4g over %d steps (the larger SAE alone: %.4g)%n",
                    path.start().mse(), beforeDrop.mse(), path.plan().size() - 1, path.largeAlone().mse());
            out.printf("  %s orphans (smaller-SAE latents in no family, kept by the path) dropped in a last step: mse %.4g%n",
                    StitchReport.orphansDropped(path), path.end().mse());
        } else
            out.printf("stitching path: mse %.4g → %.4g over %s steps (the larger SAE alone: %.4g)%n",
                    path.start().mse(), path.end().mse(), path.plan().size(), path.largeAlone().mse());
    }

    /** Table 2's two rows: per class, how many latents lower and raise the smaller SAE's mse. */
    private static void printSigns(PrintWriter out, AdditionTable t) {
        out.printf("  %-15s %9s %9s%n", "novel", t.novelDecrease(), t.novelIncrease());
        out.printf("  %-15s %9s %9s%n", "reconstruction", t.reconstructionDecrease(), t.reconstructionIncrease());
    }

    /** The Frankenstein SAE's final size, l0 and mse next to the plain SAE of the ladder closest in size. */
    private static void printFrankenstein(PrintWriter out, Frankenstein.StageResult franken, List<Rung> ladder) {
        int f = franken.width();
        Rung nearest = ladder.get(0);
        for (Rung r : ladder)
            if (Math.abs(r.width() - f) < Math.abs(nearest.width() - f)) nearest = r;
        out.printf("%nFrankenstein SAE from the ladder (decoder refitted exactly): F %d, l0 %.2f, mse %.4g (held-out rows);%n"
                        + "  the plain SAE of %s latents: l0 %.2f, mse %.4g%n",
                f, franken.retrained().l0(), franken.retrained().mse(), nearest.width(), nearest.evaluation().l0(), nearest.evaluation().mse());
    }

    /** A number in {@code pattern}, or "n/a" where it is undefined (NaN: a mean or ratio over nothing). */
    private static String number(double value, String pattern) {
        return Double.isFinite(value) ? String.format(pattern, value) : "n/a";
    }

    /** summary.json ({@code about} and the ladder's JSON rows), ladder.csv and ladder.png under {@code folder}. */
    public static void write(Path folder, String title, Map<String, Object> about, List<Rung> ladder) {
        ReportDir dir = new ReportDir(folder);
        boolean truth = ladder.getFirst().recovery() != null;
        List<String> columns = Arrays.stream(COLUMNS).filter(c -> truth || !c.equals("recovered_fraction") && !c.equals("mean_max_cos")).toList();
        StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
        for (Rung r : ladder) {
            Evaluation ev = r.evaluation();
            List<Object> values = new ArrayList<>(List.of(r.width(), ev.l0(), ev.mse(), ev.fvu(), ev.deadFraction()));
            if (truth) values.addAll(List.of(r.recovery().fractionRecovered(), r.recovery().meanMaxCosine()));
            values.add(r.seconds());
            csv.append(values.stream().map(String::valueOf).collect(Collectors.joining(","))).append('\n');
        }
        dir.text("ladder.csv", csv.toString());
        Map<String, Object> summary = new LinkedHashMap<>(about);
        summary.put("ladder", ladder.stream().map(Rung::json).toList());
        dir.json("summary.json", summary);
        dir.png("ladder.png", chart(title, ladder));
        dir.commit();
    }

    /** mse against width, and the recovered fraction where the truth is known: what a ladder shows. */
    private static XYChart chart(String title, List<Rung> ladder) {
        double[] widths = ladder.stream().mapToDouble(Rung::width).toArray();
        double[] mse = ladder.stream().mapToDouble(r -> r.evaluation().mse()).toArray();
        XYChart chart = Plots.builder(720, 440).title(title).xAxisTitle("latents F").yAxisTitle("mse").build();
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setXAxisLogarithmicDecadeOnly(false);
        styler.setLegendPosition(Styler.LegendPosition.InsideN);
        styler.setYAxisMin(0, 0.0);
        chart.addSeries("mse", widths, mse);
        if (ladder.getFirst().recovery() != null) {
            styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            styler.setYAxisMin(1, 0.0);
            styler.setYAxisMax(1, 1.0);
            chart.setYAxisGroupTitle(1, "recovered fraction");
            double[] recovered = ladder.stream().mapToDouble(r -> r.recovery().fractionRecovered()).toArray();
            chart.addSeries("recovered (cos ≥ 0.9)", widths, recovered).setYAxisGroup(1);
        }
        return chart;
    }
}
