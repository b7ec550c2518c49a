package dev.saestitch.cli.report;

import dev.saestitch.api.FrankensteinResult;
import dev.saestitch.backend.Backend;
import dev.saestitch.franken.DecoderRetraining;
import dev.saestitch.franken.Frankenstein;
import dev.saestitch.dict.FeatureRecovery;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The frankenstein command's table on stdout and its report folder: summary.json (the --json
 * object plus the options), stages.csv (one row per plain SAE, merged stage and retrained stage)
 * and the papers' Fig. 10 as two plots, mse against F and mse against l0.
 */
public final class FrankenReport {

    private static final String[] COLUMNS = {"kind", "stage", "sae", "F", "l0", "mse", "fvu"};

    private FrankenReport() {}

    /** One point of the plots and one line of the CSV. */
    private record Point(String kind, String stage, String sae, int width, double l0, double mse, double fvu) {
        Object get(String column) {
            return switch (column) {
                case "kind" -> kind;
                case "stage" -> stage;
                case "sae" -> sae;
                case "F" -> width;
                case "l0" -> l0;
                case "mse" -> mse;
                case "fvu" -> fvu;
                default -> throw new IllegalArgumentException(column);
            };
        }
    }

    /**
     * The --json keys (a contract). {@code report}'s folder is added by {@link #write}.
     * @param pathOf where each SAE was read from
     * @param data   the activations' description, {@code truth} their true features or null
     * @param out    where the final SAE was saved in {@code format}, or null
     */
    public static JsonReport json(Backend backend, FrankensteinResult f, Frankenstein.Options options, Function<Sae, String> pathOf, String data, Matrix truth,
                           Path out, String format) {
        List<Map<String, Object>> stages = new ArrayList<>();
        for (Frankenstein.StageResult s : f.merge().stages()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("stage", s.stage().index());
            row.put("sae", pathOf.apply(s.stage().sae()));   // the merge visits SAEs by width, not in the order given
            row.put("sae_F", s.stage().sae().width());
            row.put("added", s.stage().addedCount());
            row.put("F", s.width());
            row.put("l0", s.retrained().l0());
            row.put("mse_merged", s.merged().mse());
            row.put("fvu_merged", s.merged().fvu());
            row.put("mse", s.retrained().mse());
            row.put("fvu", s.retrained().fvu());
            row.put("dead_fraction", s.retrained().deadFraction());
            stages.add(row);
        }
        List<Map<String, Object>> plain = new ArrayList<>();
        for (FrankensteinResult.PlainEvaluation p : f.plain()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("sae", pathOf.apply(p.sae()));
            row.put("architecture", p.sae().architecture().cliName());
            row.put("F", p.sae().width());
            row.put("l0", p.evaluation().l0());
            row.put("mse", p.evaluation().mse());
            row.put("fvu", p.evaluation().fvu());
            plain.add(row);
        }
        Frankenstein.StageResult last = f.last();
        DecoderRetraining.Options retrain = options.retrain();
        JsonReport r = new JsonReport()
                .put("stages", stages)
                .put("final_F", last.width())
                .put("final_l0", last.retrained().l0())
                .put("final_mse", last.retrained().mse())
                .put("final_fvu", last.retrained().fvu())
                .put("final_mse_merged", last.merged().mse())
                .put("retrain", retrain.method().cliName())
                .put("retrain_tokens", retrain.method() == DecoderRetraining.Method.NONE ? 0 : retrain.tokens() / retrain.batchSize() * retrain.batchSize())
                .put("retrain_seconds", f.merge().retrainSeconds())
                .put("threshold", options.threshold())
                .put("bias", options.bias().cliName())
                .put("eval_rows", f.split().evaluatedRows())
                .put("data", data)
                .put("plain", plain);
        if (truth != null)
            r.put("final_recovered_fraction", FeatureRecovery.score(backend, truth, f.merge().result().wDec()).fractionRecovered());
        if (out != null) r.put("out", out.toString()).put("out_format", format);
        return r;
    }

    public static void printTable(PrintWriter out, JsonReport result) {
        out.printf("%5s %8s %7s %8s %12s %12s  %s%n", "stage", "F", "added", "l0", "mse merged", "mse " + result.fields().get("retrain"), "from");
        for (Map<String, Object> s : rows(result, "stages"))
            out.printf("%5d %8d %7d %8.2f %12.5g %12.5g  %s%n", s.get("stage"), s.get("F"), s.get("added"), s.get("l0"),
                    s.get("mse_merged"), s.get("mse"), s.get("sae"));
        out.printf("%nplain SAEs on the same held-out rows:%n%8s %8s %12s  %s%n", "F", "l0", "mse", "sae");
        for (Map<String, Object> p : rows(result, "plain"))
            out.printf("%8d %8.2f %12.5g  %s%n", p.get("F"), p.get("l0"), p.get("mse"), p.get("sae"));
        out.printf("%nmse: mean over held-out samples and dimensions of (x − x̂)², %d rows not used for retraining.%n", result.fields().get("eval_rows"));
        if (result.fields().containsKey("out")) out.println("saved the final SAE (" + result.fields().get("out_format") + ") to " + result.fields().get("out"));
        out.flush();
    }

    /** Writes the folder; {@code result} gets the folder's name first, so that summary.json holds it as --json does. */
    public static void write(Path folder, JsonReport result, Frankenstein.Options options) {
        result.put("report", folder.toString());
        ReportDir dir = new ReportDir(folder);
        List<Point> points = points(result);
        StringBuilder csv = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (Point p : points) {
            for (int i = 0; i < COLUMNS.length; i++) csv.append(i == 0 ? "" : ",").append(csvField(p.get(COLUMNS[i])));
            csv.append('\n');
        }
        dir.text("stages.csv", csv.toString());
        Map<String, Object> summary = new LinkedHashMap<>(result.fields());
        summary.put("options", options);
        dir.json("summary.json", summary);
        String retrained = "Frankenstein, retrained (" + result.fields().get("retrain") + ")";
        dir.png("mse_vs_F.png", chart("mse against dictionary size", "latents F", true, points, retrained, Point::width));
        dir.png("mse_vs_l0.png", chart("mse against l0", "l0 (mean active latents)", false, points, retrained, Point::l0));
        dir.commit();
    }

    private static List<Point> points(JsonReport result) {
        List<Point> points = new ArrayList<>();
        for (Map<String, Object> p : rows(result, "plain"))
            points.add(new Point("plain", "", (String) p.get("sae"), (int) p.get("F"), (double) p.get("l0"), (double) p.get("mse"), (double) p.get("fvu")));
        boolean retrained = !"none".equals(result.fields().get("retrain"));
        for (String kind : retrained ? new String[] {"merged", "retrained"} : new String[] {"merged"})
            for (Map<String, Object> s : rows(result, "stages")) {
                String suffix = kind.equals("merged") ? "_merged" : "";
                points.add(new Point(kind, String.valueOf(s.get("stage")), (String) s.get("sae"), (int) s.get("F"), (double) s.get("l0"),
                        (double) s.get("mse" + suffix), (double) s.get("fvu" + suffix)));
            }
        return points;
    }

    /** One series per kind, log-scaled mse (merged SAEs before retraining sit far above the rest). */
    private static XYChart chart(String title, String xTitle, boolean logX, List<Point> points, String retrainedName,
                                 java.util.function.ToDoubleFunction<Point> x) {
        XYChart chart = Plots.builder(720, 460).title(title).xAxisTitle(xTitle).yAxisTitle("held-out mse").build();
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(logX);
        styler.setXAxisLogarithmicDecadeOnly(false);
        styler.setYAxisLogarithmic(true);
        styler.setYAxisLogarithmicDecadeOnly(false);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setMarkerSize(8);
        Map<String, String> names = Map.of("plain", "plain SAEs", "merged", "Frankenstein, merged (not retrained)", "retrained", retrainedName);
        for (String kind : new String[] {"plain", "merged", "retrained"}) {
            List<Point> series = points.stream().filter(p -> p.kind().equals(kind)).sorted(Comparator.comparingDouble(x)).toList();
            if (series.isEmpty()) continue;
            chart.addSeries(names.get(kind), series.stream().mapToDouble(x).toArray(), series.stream().mapToDouble(Point::mse).toArray());
        }
        return chart;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(JsonReport result, String key) {
        return (List<Map<String, Object>>) result.fields().get(key);
    }

    /** Quotes a field that holds a comma or a quote (paths can). */
    private static String csvField(Object v) {
        String s = String.valueOf(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
