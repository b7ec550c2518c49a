package dev.saestitch.cli.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** PNG charts for the reports, drawn headless with XChart. */
public final class Plots {

    static {
        System.setProperty("java.awt.headless", "true");   // before XChart touches AWT: servers have no display
    }

    public static final Color NOVEL = new Color(0x2E, 0x8B, 0x3E);
    public static final Color RECONSTRUCTION = new Color(0xC0, 0x39, 0x2B);
    public static final Color NEUTRAL = new Color(0x2C, 0x5A, 0xA0);
    private static final int WIDTH = 900, HEIGHT = 600;

    private Plots() {}

    /** A chart builder of the given size; every report draws through Plots, so AWT is headless before it starts. */
    public static XYChartBuilder builder(int width, int height) { return new XYChartBuilder().width(width).height(height); }

    public static XYChart chart(String title, String xLabel, String yLabel) {
        XYChart chart = builder(WIDTH, HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        var styler = chart.getStyler();
        styler.setPlotGridLinesColor(new Color(0xE0, 0xE0, 0xE0));
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setMarkerSize(6);
        styler.setAntiAlias(true);
        return chart;
    }

    /** A histogram of {@code values} in {@code bins} equal bins over [lo, hi], drawn as a filled step curve. */
    public static void histogram(XYChart chart, String name, double[] values, int bins, double lo, double hi, Color color) {
        double[] counts = new double[bins];
        double width = (hi - lo) / bins;
        for (double v : values) {
            if (!(v >= lo && v <= hi)) continue;
            counts[Math.min(bins - 1, (int) ((v - lo) / width))]++;
        }
        double[] x = new double[2 * bins], y = new double[2 * bins];   // both edges of every bin: flat tops
        for (int b = 0; b < bins; b++) {
            x[2 * b] = lo + b * width;
            x[2 * b + 1] = lo + (b + 1) * width;
            y[2 * b] = y[2 * b + 1] = counts[b];
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setFillColor(translucent(color));
    }

    /** Points without lines. */
    public static void scatter(XYChart chart, String name, double[] x, double[] y, Color color) {
        if (x.length == 0) return;
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(translucent(color));
    }

    /** A connected path, with markers when it has few points. */
    public static void line(XYChart chart, String name, double[] x, double[] y, Color color) {
        if (x.length == 0) return;
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(color);
        s.setMarker(x.length <= 150 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setMarkerColor(color);
    }

    /** One labelled point with a large marker (e.g. an SAE on its own). */
    public static void point(XYChart chart, String name, double x, double y, Color color) {
        XYSeries s = chart.addSeries(name, new double[] {x}, new double[] {y});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.DIAMOND);
        s.setMarkerColor(color);
    }

    /** A dashed guide line from (x0, y0) to (x1, y1), e.g. the threshold θ; not in the legend. */
    public static void guide(XYChart chart, String name, double x0, double y0, double x1, double y1) {
        XYSeries s = chart.addSeries(name, new double[] {x0, x1}, new double[] {y0, y1});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(Color.GRAY);
        s.setLineStyle(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        s.setShowInLegend(false);
    }

    /**
     * The [q, 1 − q] quantile range of the finite values, widened by 5% on each side: an axis
     * range that keeps a few extreme outliers from squashing everything else (the paper's Figure 1
     * hides them too). Null when there are no finite values.
     */
    public static double[] robustRange(double[] values, double q) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) return null;
        double lo = v[(int) Math.floor(q * (v.length - 1))], hi = v[(int) Math.ceil((1 - q) * (v.length - 1))];
        double pad = 0.05 * Math.max(hi - lo, Math.max(Math.abs(hi), 1e-12));
        return new double[] {lo - pad, hi + pad};
    }

    /**
     * Tick labels for values up to {@code maxAbs}: plain decimals in [0.01, 1e5), else scientific
     * (XChart's default drops the leading zero and rounds small Δmse values away).
     */
    public static String decimalPattern(double maxAbs) {
        return maxAbs >= 0.01 && maxAbs < 1e5 ? "#,##0.0###" : "0.0##E0";
    }

    /** {@code chart} rendered as PNG bytes. */
    public static byte[] png(XYChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the chart '" + chart.getTitle() + "'", e);
        }
    }

    private static Color translucent(Color c) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), 110);
    }
}
