package dev.saestitch.cli.report;

import dev.saestitch.api.Stitching;
import dev.saestitch.dict.StitchPath;
import dev.saestitch.dict.StitchPlan;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** stitch's --json object and its report folder (summary.json, path.csv, the papers' Figs. 2 and 5), from a walked path. */
public final class StitchReport {

    private StitchReport() {}

    /** The --json keys (a contract). */
    public static JsonReport json(Stitching.StitchResult path, Path smallDir, Path largeDir, String data) {
        StitchPath.Step start = path.start(), end = path.end();
        Stitching.Options o = path.options();
        JsonReport report = new JsonReport()
                .put("small", smallDir.toString())
                .put("large", largeDir.toString())
                .put("data", data)
                .put("rows", path.rows())
                .put("threshold", o.threshold())
                .put("order", o.order().cliName())
                .put("bias", o.bias().cliName())
                .put("family_order", "mean_cosine_desc")
                .put("novel", path.novel())
                .put("added", path.added())
                .put("families", path.families())
                .put("steps", path.plan().size())
                .put("start_mse", start.mse()).put("start_l0", start.l0()).put("start_F", start.width())
                .put("end_mse", end.mse()).put("end_l0", end.l0()).put("end_F", end.width())
                .put("large_mse", path.largeAlone().mse()).put("large_l0", path.largeAlone().l0()).put("large_F", path.large().width());
        StitchPath.Step before = beforeDrop(path);
        if (before != null)
            report.put("orphans_dropped", orphansDropped(path))
                    .put("before_drop_mse", before.mse()).put("before_drop_l0", before.l0()).put("before_drop_F", before.width());
        return report;
    }

    /** The step before the path's last one when that last step drops SMALL's orphans, else null. */
    static StitchPath.Step beforeDrop(Stitching.StitchResult path) {
        List<StitchPlan.Move> moves = path.plan().moves();
        return !moves.isEmpty() && moves.getLast().kind() == StitchPlan.Kind.DROP ? path.steps().get(path.steps().size() - 2) : null;
    }

    /** How many orphans the last step drops (call only where {@link #beforeDrop} is not null). */
    static int orphansDropped(Stitching.StitchResult path) { return path.plan().moves().getLast().removeSmall().length; }

    /** Writes the folder; {@code report} gets the folder's name first, so that summary.json holds it as --json does. */
    public static void write(Path folder, JsonReport report, Stitching.StitchResult path) {
        report.put("report", folder.toString());
        ReportDir dir = new ReportDir(folder);
        List<StitchPath.Step> steps = path.steps();
        double largeMse = path.largeAlone().mse();
        StringBuilder csv = new StringBuilder("step,kind,F,mse,l0\n");
        for (StitchPath.Step s : steps)
            csv.append(s.step()).append(',').append(s.kind()).append(',').append(s.width()).append(',')
                    .append(String.format(Locale.ROOT, "%.9g,%.6g%n", s.mse(), s.l0()));
        dir.text("path.csv", csv.toString());
        dir.png("mse_vs_l0.png", pathChart(steps, "L0 (mean active latents)", StitchPath.Step::l0, path.largeAlone().l0(), largeMse));
        XYChart byWidth = pathChart(steps, "dictionary size F", s -> s.width(), path.large().width(), largeMse);
        byWidth.getStyler().setXAxisDecimalPattern("#,##0");
        dir.png("mse_vs_F.png", byWidth);
        dir.json("summary.json", report);
        dir.commit();
    }

    /** The papers' Figures 2 and 5: the path's mse against {@code x}, additions and swaps in two colours, both SAEs marked. */
    private static XYChart pathChart(List<StitchPath.Step> steps, String xLabel, ToDoubleFunction<StitchPath.Step> x, double largeX, double largeMse) {
        XYChart chart = Plots.chart("Stitching path from SMALL towards LARGE", xLabel, "mse");
        int lastAdd = 0;
        while (lastAdd + 1 < steps.size() && steps.get(lastAdd + 1).kind().equals(StitchPlan.Kind.ADD.cliName())) lastAdd++;
        boolean dropped = steps.getLast().kind().equals(StitchPlan.Kind.DROP.cliName());
        int swapEnd = steps.size() - (dropped ? 1 : 0);
        List<StitchPath.Step> adds = steps.subList(0, lastAdd + 1), swaps = steps.subList(lastAdd, swapEnd);
        Plots.line(chart, "adding novel latents (" + lastAdd + ")", xs(adds, x), xs(adds, StitchPath.Step::mse), Plots.NOVEL);
        if (swaps.size() > 1)
            Plots.line(chart, "swapping families (" + (swaps.size() - 1) + ")", xs(swaps, x), xs(swaps, StitchPath.Step::mse), Plots.RECONSTRUCTION);
        if (dropped) {
            List<StitchPath.Step> drop = steps.subList(swapEnd - 1, steps.size());
            Plots.line(chart, "dropping SMALL's orphans", xs(drop, x), xs(drop, StitchPath.Step::mse), Plots.NEUTRAL);
        }
        Plots.point(chart, "SMALL", x.applyAsDouble(steps.getFirst()), steps.getFirst().mse(), Plots.NEUTRAL);
        Plots.point(chart, "LARGE alone", largeX, largeMse, java.awt.Color.BLACK);
        chart.getStyler().setYAxisDecimalPattern(Plots.decimalPattern(Math.max(largeMse, steps.stream().mapToDouble(StitchPath.Step::mse).max().orElse(0))));
        return chart;
    }

    private static double[] xs(List<StitchPath.Step> steps, ToDoubleFunction<StitchPath.Step> f) {
        return steps.stream().mapToDouble(f).toArray();
    }
}
