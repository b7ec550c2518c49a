package dev.saestitch.cli.report;

import dev.saestitch.match.PairMatch;
import dev.saestitch.match.SeedComparison;
import dev.saestitch.sae.Sae;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What {@code match} found: the pairs that were matched (indices into the SAE list, s < t) and,
 * for three or more SAEs, their comparison; and the ways of reporting it (JSON keys, text).
 */
public record MatchSummary(List<Pair> pairs, SeedComparison comparison) {

    public record Pair(int s, int t, PairMatch match) {}

    public static MatchSummary ofPair(PairMatch m) { return new MatchSummary(List.of(new Pair(0, 1, m)), null); }

    public static MatchSummary ofComparison(SeedComparison c) {
        List<Pair> pairs = new ArrayList<>();
        for (int s = 0; s < c.size(); s++) for (int t = s + 1; t < c.size(); t++) pairs.add(new Pair(s, t, c.pair(s, t)));
        return new MatchSummary(pairs, c);
    }

    /** The numbers of one pair, as keys of the report. */
    public static JsonReport pairFields(PairMatch m) {
        return new JsonReport()
                .put("shared", m.sharedCount())
                .put("shared_fraction", m.sharedFraction())
                .put("shared_fraction_of_b", m.sharedFractionOfB())
                .put("mean_matched_cos", m.meanDecoderCosine())
                .put("mean_matched_cos_enc", m.meanEncoderCosine())
                .put("mean_max_cos", m.meanMaxCosine());
    }

    public JsonReport report(List<Path> paths, List<Sae> saes, double threshold, double seconds) {
        JsonReport r = new JsonReport()
                .put("saes", paths.stream().map(Path::toString).toList())
                .put("widths", saes.stream().map(Sae::width).toList())
                .put("threshold", threshold);
        if (comparison == null) {
            r.fields().putAll(pairFields(pairs.getFirst().match()).fields());
        } else {
            r.put("shared_fraction", mean(pairs, PairMatch::sharedFraction))
                    .put("mean_matched_cos", mean(pairs, PairMatch::meanDecoderCosine))
                    .put("mean_matched_cos_enc", mean(pairs, PairMatch::meanEncoderCosine))
                    .put("mean_max_cos", mean(pairs, PairMatch::meanMaxCosine))
                    .put("only_in_base", comparison.meanOnlyInBase());
            List<Double> perBase = new ArrayList<>();
            for (int b = 0; b < comparison.size(); b++) perBase.add(comparison.onlyInBase(b));
            r.put("only_in_base_per_sae", perBase);
            List<Object> pairRows = new ArrayList<>();
            for (Pair p : pairs) {
                JsonReport row = new JsonReport().put("a", p.s()).put("b", p.t());
                row.fields().putAll(pairFields(p.match()).fields());
                pairRows.add(row.fields());
            }
            r.put("pairs", pairRows);
        }
        return r.put("seconds", seconds);
    }

    public void printText(PrintWriter out, List<Path> paths, JsonReport result) {
        if (comparison == null) {
            PairMatch m = pairs.getFirst().match();
            out.printf("A %s (%d latents)%nB %s (%d latents)%n", paths.get(0), m.widthA(), paths.get(1), m.widthB());
            out.printf("shared              %d of A's %d latents: %.4f (%.4f of B's)%n", m.sharedCount(), m.widthA(), m.sharedFraction(), m.sharedFractionOfB());
            out.printf("mean matched cos    decoder %.4f, encoder %.4f%n", m.meanDecoderCosine(), m.meanEncoderCosine());
            out.printf("mean max cos        %.4f (decoder, A's latents against B)%n", m.meanMaxCosine());
        } else {
            for (int i = 0; i < paths.size(); i++) out.printf("%2d %s%n", i, paths.get(i));
            out.printf("%3s %3s %8s %8s %8s %8s %8s%n", "A", "B", "shared", "fraction", "dec cos", "enc cos", "max cos");
            for (Pair p : pairs) {
                PairMatch m = p.match();
                out.printf("%3d %3d %8d %8.4f %8.4f %8.4f %8.4f%n", p.s(), p.t(), m.sharedCount(), m.sharedFraction(),
                        m.meanDecoderCosine(), m.meanEncoderCosine(), m.meanMaxCosine());
            }
            out.printf("mean    %8s %8.4f %8.4f %8.4f %8.4f%n", "", result.fields().get("shared_fraction"), result.fields().get("mean_matched_cos"),
                    result.fields().get("mean_matched_cos_enc"), result.fields().get("mean_max_cos"));
            StringBuilder perBase = new StringBuilder();
            for (int b = 0; b < comparison.size(); b++) perBase.append(b == 0 ? "" : ", ").append(String.format("%d: %.4f", b, comparison.onlyInBase(b)));
            out.printf("only in base: %.4f (mean over the %d SAEs as base; %s)%n", comparison.meanOnlyInBase(), comparison.size(), perBase);
        }
        if ("covariance".equals(result.fields().get("encoder_metric")))
            out.printf("encoders compared by the correlation of their pre-activations over %s (encoder \"cos\" is that correlation)%n", result.fields().get("data"));
        out.printf("threshold %.3g; %.2f s%s%n", (double) result.fields().get("threshold"), (double) result.fields().get("seconds"),
                result.fields().containsKey("report") ? "; report in " + result.fields().get("report") : "");
        out.flush();
    }

    private static double mean(List<Pair> pairs, ToDoubleFunction<PairMatch> f) {
        return pairs.stream().mapToDouble(p -> f.applyAsDouble(p.match())).average().orElseThrow();
    }
}
