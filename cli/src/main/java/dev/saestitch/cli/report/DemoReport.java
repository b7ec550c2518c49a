package dev.saestitch.cli.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The demo's table on stdout and its report folder: summary.json, ladder.csv and a plot; truth columns only where the truth is known. */
public final class DemoReport {

    private static final String[] COLUMNS = {"width", "l0", "mse", "fvu", "dead_fraction", "recovered_fraction", "mean_max_cos", "seconds"};

    private DemoReport() {}

    public static void printTable(PrintWriter out, List<Map<String, Object>> ladder, Path folder, Map<String, Object> result) {
        boolean truth = ladder.getFirst().containsKey("recovered_fraction");
        out.printf("%8s %7s %10s %8s %7s", "F", "l0", "mse", "fvu", "dead");
        if (truth) out.printf(" %10s %9s", "recovered", "mean cos");
        out.printf(" %8s%n", "seconds");
        for (Map<String, Object> r : ladder) {
            out.printf("%8d %7.2f %10.4g %8.4f %6.1f%%", r.get("width"), r.get("l0"), r.get("mse"), r.get("fvu"), 100 * (double) r.get("dead_fraction"));
            if (truth) out.printf(" %9.1f%% %9.3f", 100 * (double) r.get("recovered_fraction"), r.get("mean_max_cos"));
            out.printf(" %8.1f%n", r.get("seconds"));
        }
        out.println("mse: mean over samples and dimensions of (x − x̂)², in the data's units" + (truth ? "; recovered: true features with a latent at cosine ≥ 0.9." : ", on held-out tokens."));
        if (result.get("pair") instanceof Map<?, ?> pair) printPair(out, pair);
        if (result.get("pairs") instanceof List<?> pairs) for (Object pair : pairs) printPair(out, (Map<?, ?>) pair);
        if (result.get("frankenstein") instanceof Map<?, ?> franken) printFrankenstein(out, franken, ladder);
        if (result.get("seeds") instanceof Map<?, ?> seeds)
            out.printf("%ntwo seeds of the smallest SAE: %.1f%% of latents shared (both matchings agree, cos ≥ %s), mean matched cosine %.3f, mean max cosine %.3f%n",
                    100 * ((Number) seeds.get("shared_fraction")).doubleValue(), seeds.get("threshold"), seeds.get("mean_matched_cos"), seeds.get("mean_max_cos"));
        if (result.get("seeds") instanceof Map<?, ?> seeds && seeds.get("shared_fraction_covariance") instanceof Number cov)
            out.printf("  encoders compared by the correlation of their pre-activations on the data: %.1f%% shared, mean matched encoder correlation %.3f%n",
                    100 * cov.doubleValue(), seeds.get("mean_matched_cos_enc_covariance"));
        if (result.get("seeds_topk") instanceof Map<?, ?> topk)
            out.printf("two seeds of a TopK SAE of the same width at k = %s: %.1f%% shared (by weights), %.1f%% (encoders by pre-activation correlation)%n",
                    topk.get("k"), 100 * ((Number) topk.get("shared_fraction")).doubleValue(), 100 * ((Number) topk.get("shared_fraction_covariance")).doubleValue());
        out.println("SAEs, data files and the report are in " + folder);
        out.flush();
    }

    /** Compare's counts, the paper's Table 2, the novel latents against the truth, and the stitching path's ends. */
    private static void printPair(PrintWriter out, Map<?, ?> pair) {
        Map<?, ?> cmp = (Map<?, ?>) pair.get("compare"), stitch = (Map<?, ?>) pair.get("stitch"), truth = (Map<?, ?>) pair.get("novel_vs_truth");
        out.printf("%ncompare %s → %s (θ = %s): %s novel, %s reconstruction latents, %s families%n", pair.get("small"), pair.get("large"),
                cmp.get("threshold"), cmp.get("novel"), cmp.get("reconstruction"), cmp.get("families"));
        Map<?, ?> table = (Map<?, ?>) cmp.get("table2");
        out.println("Table 2, latents of the larger SAE by the exact change in mse when added alone to the smaller one:");
        out.printf("  %-15s %9s %9s%n", "", "Δmse < 0", "Δmse > 0");
        for (String kind : new String[] {"novel", "reconstruction"}) {
            Map<?, ?> row = (Map<?, ?>) table.get(kind);
            out.printf("  %-15s %9s %9s%n", kind, row.get("delta_mse_negative"), row.get("delta_mse_positive"));
        }
        if (cmp.get("table2_rescaled") instanceof Map<?, ?> rescaled && cmp.get("code_scale") instanceof Map<?, ?> scale) {
            out.printf("the same with each SAE's codes rescaled by its best single scale (smaller %.3f, larger %.3f; 1 = no shrinkage):%n",
                    scale.get("small_scale"), scale.get("large_scale"));
            for (String kind : new String[] {"novel", "reconstruction"}) {
                Map<?, ?> row = (Map<?, ?>) rescaled.get(kind);
                out.printf("  %-15s %9s %9s%n", kind, row.get("delta_mse_negative"), row.get("delta_mse_positive"));
            }
        }
        Map<?, ?> where = (Map<?, ?>) cmp.get("mse_where_novel_fires");
        out.printf("smaller SAE's mse where a novel latent fires: %s, where none does: %s%n", number(where.get("fires"), "%.4g"), number(where.get("does_not_fire"), "%.4g"));
        if (truth != null)
            out.printf("novel latents against the true features: %s of %s are features the smaller SAE missed (precision %s);%n"
                            + "  of the %s missed features the larger SAE learnt, %s are novel latents (recall %s)%n",
                    truth.get("hits"), truth.get("novel"), number(truth.get("precision"), "%.2f"), truth.get("missed_found_by_large"),
                    truth.get("missed_found_by_novel"), number(truth.get("recall"), "%.2f"));
        if (stitch.get("before_drop_mse") instanceof Number kept) {
            out.printf("stitching path: mse %.4g → %.4g over %d steps (the larger SAE alone: %.4g)%n",
                    stitch.get("start_mse"), kept.doubleValue(), ((Number) stitch.get("steps")).intValue() - 1, stitch.get("large_mse"));
            out.printf("  %s orphans (smaller-SAE latents in no family, kept by the path) dropped in a last step: mse %.4g%n",
                    stitch.get("orphans_dropped"), stitch.get("end_mse"));
        } else
            out.printf("stitching path: mse %.4g → %.4g over %s steps (the larger SAE alone: %.4g)%n",
                    stitch.get("start_mse"), stitch.get("end_mse"), stitch.get("steps"), stitch.get("large_mse"));
    }

    /** The Frankenstein SAE's final size, l0 and mse next to the plain SAE of the ladder closest in size. */
    private static void printFrankenstein(PrintWriter out, Map<?, ?> franken, List<Map<String, Object>> ladder) {
        int f = ((Number) franken.get("final_F")).intValue();
        Map<String, Object> nearest = ladder.get(0);
        for (Map<String, Object> r : ladder)
            if (Math.abs((int) r.get("width") - f) < Math.abs((int) nearest.get("width") - f)) nearest = r;
        out.printf("%nFrankenstein SAE from the ladder (decoder refitted exactly): F %d, l0 %.2f, mse %.4g (held-out rows);%n"
                        + "  the plain SAE of %s latents: l0 %.2f, mse %.4g%n",
                f, franken.get("final_l0"), franken.get("final_mse"), nearest.get("width"), nearest.get("l0"), nearest.get("mse"));
    }

    /** A JSON number in {@code pattern}, or "n/a" where the report has null (an undefined mean or ratio). */
    private static String number(Object value, String pattern) {
        return value instanceof Number n ? String.format(pattern, n.doubleValue()) : "n/a";
    }

    /** summary.json ({@code about} and the ladder), ladder.csv and ladder.png under {@code folder}. */
    public static void write(Path folder, String title, Map<String, Object> about, List<Map<String, Object>> ladder) {
        ReportDir dir = new ReportDir(folder);
        List<String> columns = Arrays.stream(COLUMNS).filter(c -> ladder.getFirst().containsKey(c)).toList();
        StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
        for (Map<String, Object> r : ladder) {
            csv.append(columns.stream().map(c -> String.valueOf(r.get(c))).collect(Collectors.joining(","))).append('\n');
        }
        dir.text("ladder.csv", csv.toString());
        Map<String, Object> summary = new LinkedHashMap<>(about);
        summary.put("ladder", ladder);
        dir.json("summary.json", summary);
        dir.png("ladder.png", chart(title, ladder));
        dir.commit();
    }

    /** mse against width, and the recovered fraction where the truth is known: what a ladder shows. */
    private static XYChart chart(String title, List<Map<String, Object>> ladder) {
        double[] widths = ladder.stream().mapToDouble(r -> ((Number) r.get("width")).doubleValue()).toArray();
        double[] mse = ladder.stream().mapToDouble(r -> (double) r.get("mse")).toArray();
        XYChart chart = Plots.builder(720, 440).title(title).xAxisTitle("latents F").yAxisTitle("mse").build();
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setXAxisLogarithmicDecadeOnly(false);
        styler.setLegendPosition(Styler.LegendPosition.InsideN);
        styler.setYAxisMin(0, 0.0);
        chart.addSeries("mse", widths, mse);
        if (ladder.getFirst().containsKey("recovered_fraction")) {
            styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            styler.setYAxisMin(1, 0.0);
            styler.setYAxisMax(1, 1.0);
            chart.setYAxisGroupTitle(1, "recovered fraction");
            double[] recovered = ladder.stream().mapToDouble(r -> (double) r.get("recovered_fraction")).toArray();
            chart.addSeries("recovered (cos ≥ 0.9)", widths, recovered).setYAxisGroup(1);
        }
        return chart;
    }
}
