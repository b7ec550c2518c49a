package dev.saestitch.cli.report;

import dev.saestitch.match.PairMatch;
import dev.saestitch.match.SeedComparison;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * match's report folder:
 * <ul>
 *   <li>{@code summary.json}: what {@code --json} prints;</li>
 *   <li>{@code matches.csv} (two SAEs) or {@code matches_S_T.csv} per pair (S, T indices in argument
 *       order): latent, partner_dec, cos_dec, partner_enc, cos_enc, shared, one row per latent of the
 *       first SAE (partner −1 and empty cosine where the first SAE is wider and the latent is left over);</li>
 *   <li>{@code shared_with.csv} (three or more): sae, latent, shared_with (how many other SAEs share it; 0 = only in base);</li>
 *   <li>{@code matched_cos_hist.png}: histograms of the decoder and encoder matched cosines (pooled over pairs);</li>
 *   <li>{@code matched_cos_scatter.png}: decoder against encoder matched cosine per latent, coloured by
 *       whether the two matchings agree on the partner (the paper's Fig. 1).</li>
 * </ul>
 */
public final class MatchReport {

    private MatchReport() {}

    public static void write(Path folder, JsonReport summary, MatchSummary matches) {
        ReportDir dir = new ReportDir(folder);
        dir.json("summary.json", summary);
        boolean single = matches.comparison() == null;
        for (MatchSummary.Pair p : matches.pairs())
            dir.text(single ? "matches.csv" : "matches_" + p.s() + "_" + p.t() + ".csv", matchesCsv(p.match()));
        if (!single) dir.text("shared_with.csv", sharedWithCsv(matches.comparison()));
        String pairs = single ? "" : " (" + matches.pairs().size() + " pairs pooled)";
        dir.png("matched_cos_hist.png", histogram(matches, pairs));
        dir.png("matched_cos_scatter.png", scatter(matches, pairs));
        dir.commit();
    }

    public static String matchesCsv(PairMatch m) {
        StringBuilder csv = new StringBuilder("latent,partner_dec,cos_dec,partner_enc,cos_enc,shared\n");
        for (int i = 0; i < m.widthA(); i++)
            csv.append(i).append(',').append(m.decoderPartner()[i]).append(',').append(number(m.decoderCosine()[i])).append(',')
                    .append(m.encoderPartner()[i]).append(',').append(number(m.encoderCosine()[i])).append(',')
                    .append(m.isShared(i)).append('\n');
        return csv.toString();
    }

    private static String sharedWithCsv(SeedComparison c) {
        StringBuilder csv = new StringBuilder("sae,latent,shared_with\n");
        for (int b = 0; b < c.size(); b++) {
            int[] counts = c.sharedWith(b);
            for (int i = 0; i < counts.length; i++) csv.append(b).append(',').append(i).append(',').append(counts[i]).append('\n');
        }
        return csv.toString();
    }

    private static XYChart histogram(MatchSummary matches, String pairs) {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("decoder", pooled(matches, true));
        series.put("encoder", pooled(matches, false));
        PairMatch first = matches.pairs().getFirst().match();
        return MatchHistogram.chart("Matched cosines" + pairs + ", shared: " + sharedText(matches), "cosine with the matched latent",
                series, first.threshold());
    }

    /** Decoder against encoder matched cosine, one point per matched latent, by whether the two assignments agree. */
    private static XYChart scatter(MatchSummary matches, String pairs) {
        List<double[]> agree = new ArrayList<>(), disagree = new ArrayList<>();
        for (MatchSummary.Pair p : matches.pairs()) {
            PairMatch m = p.match();
            for (int i = 0; i < m.widthA(); i++) {
                if (m.decoderPartner()[i] < 0) continue;
                double[] point = {m.decoderCosine()[i], m.encoderCosine()[i]};
                (m.decoderPartner()[i] == m.encoderPartner()[i] ? agree : disagree).add(point);
            }
        }
        XYChart chart = Plots.builder(620, 560).title("Matched cosines per latent" + pairs)
                .xAxisTitle("decoder cosine").yAxisTitle("encoder cosine").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(3);
        addPoints(chart, "matchings disagree (" + disagree.size() + ")", disagree, new java.awt.Color(255, 127, 14, 140));
        addPoints(chart, "matchings agree (" + agree.size() + ")", agree, new java.awt.Color(31, 119, 180, 160));
        return chart;
    }

    private static void addPoints(XYChart chart, String name, List<double[]> points, java.awt.Color color) {
        if (points.isEmpty()) return;   // XChart cannot draw an empty series
        double[] x = new double[points.size()], y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
    }

    private static double[] pooled(MatchSummary matches, boolean decoder) {
        return matches.pairs().stream()
                .flatMapToDouble(p -> java.util.Arrays.stream(decoder ? p.match().decoderCosine() : p.match().encoderCosine()))
                .toArray();
    }

    private static String sharedText(MatchSummary matches) {
        double mean = matches.pairs().stream().mapToDouble(p -> p.match().sharedFraction()).average().orElseThrow();
        return String.format("%.1f%%", 100 * mean);
    }

    /** A cosine for the CSV: the shortest string that reads back to the same double; empty when there is none. */
    private static String number(double v) { return Double.isNaN(v) ? "" : Double.toString(v); }

}
