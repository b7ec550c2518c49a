package dev.saestitch.cli.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.util.Map;

/**
 * Histograms of cosine similarities as PNG charts (match's matched cosines, meta's max cosines):
 * counts in bins of {@value #BIN_WIDTH} from just below the smallest value up to 1, one step line
 * per series, and the threshold as a dashed line.
 */
public final class MatchHistogram {

    public static final double BIN_WIDTH = 0.02;

    private MatchHistogram() {}

    /** The bins: their left edges {@code lo + i·width} and the counts; NaN values are skipped. */
    public record Bins(double lo, double width, long[] counts) {}

    /**
     * Counts {@code values} in bins of {@code width} covering [lo, 1]: bin i holds
     * [lo + i·width, lo + (i+1)·width), the last bin also 1 and the float rounding just above it.
     */
    public static Bins bins(double[] values, double lo, double width) {
        int n = (int) Math.ceil((1 - lo) / width - 1e-9);
        long[] counts = new long[Math.max(1, n)];
        for (double v : values) {
            if (Double.isNaN(v)) continue;
            int i = (int) Math.floor((v - lo) / width);
            counts[Math.clamp(i, 0, counts.length - 1)]++;
        }
        return new Bins(lo, width, counts);
    }

    /** The left edge of the bin of the smallest finite value among all series (bins are aligned to multiples of the width). */
    public static double lowEdge(Map<String, double[]> series) {
        double min = 1;
        for (double[] v : series.values()) for (double x : v) if (!Double.isNaN(x)) min = Math.min(min, x);
        return Math.max(-1, Math.floor(min / BIN_WIDTH) * BIN_WIDTH);
    }

    /** One histogram line per series; {@code threshold} NaN draws no threshold line. */
    public static XYChart chart(String title, String xTitle, Map<String, double[]> series, double threshold) {
        XYChart chart = Plots.builder(760, 460).title(title).xAxisTitle(xTitle).yAxisTitle("latents").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisMin(0.0);
        double lo = lowEdge(series);
        long peak = 1;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            Bins b = bins(e.getValue(), lo, BIN_WIDTH);
            double[] x = new double[b.counts().length + 1], y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = lo + i * BIN_WIDTH;
                y[i] = b.counts()[Math.min(i, b.counts().length - 1)];   // the last point closes the last step
                peak = Math.max(peak, (long) y[i]);
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (!Double.isNaN(threshold)) {
            XYSeries t = chart.addSeries("threshold " + threshold, new double[] {threshold, threshold}, new double[] {0, peak});
            t.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            t.setMarker(SeriesMarkers.NONE);
            t.setLineStyle(SeriesLines.DASH_DASH);
            t.setLineColor(java.awt.Color.GRAY);
        }
        return chart;
    }
}
