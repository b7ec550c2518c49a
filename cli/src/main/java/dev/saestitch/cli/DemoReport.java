package dev.saestitch.cli;

import dev.saestitch.io.AtomicFiles;
import dev.saestitch.synth.SyntheticWorld;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The demo's table on stdout and its report folder: summary.json, ladder.csv and a plot. */
final class DemoReport {

    private static final String[] COLUMNS = {"width", "l0", "mse", "fvu", "dead_fraction", "recovered_fraction", "mean_max_cos", "seconds"};

    private DemoReport() {}

    static void printTable(PrintWriter out, List<Map<String, Object>> ladder, Path folder) {
        out.printf("%8s %7s %10s %8s %7s %10s %9s %8s%n", "F", "l0", "mse", "fvu", "dead", "recovered", "mean cos", "seconds");
        for (Map<String, Object> r : ladder)
            out.printf("%8d %7.2f %10.4g %8.4f %6.1f%% %9.1f%% %9.3f %8.1f%n", r.get("width"), r.get("l0"), r.get("mse"), r.get("fvu"),
                    100 * (double) r.get("dead_fraction"), 100 * (double) r.get("recovered_fraction"), r.get("mean_max_cos"), r.get("seconds"));
        out.println("mse: mean over samples and dimensions of (x − x̂)², in the data's units; recovered: true features with a latent at cosine ≥ 0.9.");
        out.println("SAEs, the world's files and the report are in " + folder);
        out.flush();
    }

    static void write(Path dir, SyntheticWorld world, List<Map<String, Object>> ladder) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder csv = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (Map<String, Object> r : ladder) {
            for (int i = 0; i < COLUMNS.length; i++) csv.append(i == 0 ? "" : ",").append(r.get(COLUMNS[i]));
            csv.append('\n');
        }
        writeText(dir.resolve("ladder.csv"), csv.toString());
        try {
            writeText(dir.resolve("summary.json"), JsonReport.mapper().writeValueAsString(Map.of(
                    "world", world.describe(), "world_config", world.config(), "ladder", ladder)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the demo summary", e);
        }
        writeChart(dir.resolve("ladder.png"), ladder);
    }

    /** mse and the recovered fraction against width, the two things a ladder shows. */
    private static void writeChart(Path png, List<Map<String, Object>> ladder) {
        System.setProperty("java.awt.headless", "true");
        double[] widths = ladder.stream().mapToDouble(r -> ((Number) r.get("width")).doubleValue()).toArray();
        double[] mse = ladder.stream().mapToDouble(r -> (double) r.get("mse")).toArray();
        double[] recovered = ladder.stream().mapToDouble(r -> (double) r.get("recovered_fraction")).toArray();
        XYChart chart = new XYChartBuilder().width(720).height(440).title("SAE ladder on the synthetic world")
                .xAxisTitle("latents F").yAxisTitle("mse").build();
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setXAxisLogarithmicDecadeOnly(false);
        styler.setLegendPosition(Styler.LegendPosition.InsideN);
        styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        styler.setYAxisMin(0, 0.0);
        styler.setYAxisMin(1, 0.0);
        styler.setYAxisMax(1, 1.0);
        chart.setYAxisGroupTitle(1, "recovered fraction");
        chart.addSeries("mse", widths, mse);
        chart.addSeries("recovered (cos ≥ 0.9)", widths, recovered).setYAxisGroup(1);
        try {
            AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + png, e);
        }
    }

    private static void writeText(Path file, String text) {
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
