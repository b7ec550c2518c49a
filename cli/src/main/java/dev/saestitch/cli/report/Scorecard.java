package dev.saestitch.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.saestitch.io.AtomicFiles;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's scorecard: each claim of the papers (SPEC §2–§4) beside the figure this run measured
 * and whether it holds, built from the demo's report (the --json object). A claim the run could not
 * measure is a line marked "not measured", never left out; a failing line is shown as failing.
 */
public final class Scorecard {

    enum Status {
        PASS, FAIL, NOT_MEASURED;

        String label() { return name().toLowerCase(Locale.ROOT).replace('_', ' '); }
    }

    /** One claim: {@code subject} names the pair, the ladder or the SAEs it was measured on. */
    record Line(String subject, String claim, String measured, Status status) {

        public Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subject", subject);
            m.put("claim", claim);
            m.put("measured", measured);
            m.put("status", status.label());
            return m;
        }
    }

    /** The papers' share of novel latents in the larger SAE, and the band around it that counts as reproduced. */
    static final double NOVEL_SHARE = 0.35, NOVEL_SHARE_BAND = 0.10;
    /** How far above the larger SAE's mse the stitching path may end (the hybrid keeps S's orphans). */
    static final double PATH_END_MARGIN = 0.05;
    /** The same-data paper's range of latents shared by two seeds (its small SAEs at the high end). */
    static final double PAPERS_SHARED_LOW = 0.30, PAPERS_SHARED_HIGH = 0.90;

    private static final String LADDER = "the ladder";

    private final List<Line> lines = new ArrayList<>();

    private Scorecard() {}

    /** The scorecard of a demo report: its pair(s), Frankenstein SAE and seed matches (and truth lines where the report has them). */
    @SuppressWarnings("unchecked")
    public static Scorecard of(Map<String, Object> report) {
        Scorecard card = new Scorecard();
        List<Map<String, Object>> pairs = new ArrayList<>();
        if (report.get("pair") instanceof Map<?, ?> pair) pairs.add((Map<String, Object>) pair);
        if (report.get("pairs") instanceof List<?> list) for (Object p : list) pairs.add((Map<String, Object>) p);
        for (Map<String, Object> pair : pairs) card.pair(pair);
        card.frankenstein((Map<String, Object>) report.get("frankenstein"));
        card.seeds((Map<String, Object>) report.get("seeds"), (Map<String, Object>) report.get("seeds_topk"),
                (List<Map<String, Object>>) report.get("ladder"));
        return card;
    }

    List<Line> lines() { return List.copyOf(lines); }

    private void add(String subject, String claim, String measured, Status status) { lines.add(new Line(subject, claim, measured, status)); }

    private void add(String subject, String claim, String measured, boolean holds) { add(subject, claim, measured, holds ? Status.PASS : Status.FAIL); }

    private void pair(Map<String, Object> pair) {
        String subject = pair.get("small") + " → " + pair.get("large");
        Map<?, ?> cmp = (Map<?, ?>) pair.get("compare"), stitch = (Map<?, ?>) pair.get("stitch");
        long novel = number(cmp.get("novel")).longValue(), reconstruction = number(cmp.get("reconstruction")).longValue();
        double share = (double) novel / (novel + reconstruction);
        add(subject, String.format("about %.0f%% of the larger SAE's latents are novel (within ±%.0f points)", 100 * NOVEL_SHARE, 100 * NOVEL_SHARE_BAND),
                String.format("%d of %d novel (%.1f%%)", novel, novel + reconstruction, 100 * share),
                Math.abs(share - NOVEL_SHARE) <= NOVEL_SHARE_BAND);
        table2(subject, "", (Map<?, ?>) cmp.get("table2"));
        if (cmp.get("table2_rescaled") instanceof Map<?, ?> rescaled) table2(subject, " (codes rescaled by each SAE's best single scale)", rescaled);
        Map<?, ?> where = (Map<?, ?>) cmp.get("mse_where_novel_fires");
        if (where.get("fires") instanceof Number fires && where.get("does_not_fire") instanceof Number quiet)
            add(subject, "the smaller SAE's mse is higher where novel latents fire", String.format("%.4g where one fires, %.4g where none does",
                    fires.doubleValue(), quiet.doubleValue()), fires.doubleValue() > quiet.doubleValue());
        else add(subject, "the smaller SAE's mse is higher where novel latents fire", "no novel latent fired (or every row had one)", Status.NOT_MEASURED);
        // The papers' path ends after the last swap, with S's orphans still in; a last drop step is reported beside it.
        Object kept = stitch.containsKey("before_drop_mse") ? stitch.get("before_drop_mse") : stitch.get("end_mse");
        double start = number(stitch.get("start_mse")).doubleValue(), end = number(kept).doubleValue(),
                large = number(stitch.get("large_mse")).doubleValue();
        add(subject, "the stitching path's mse falls from the smaller SAE's", String.format("%.4g → %.4g", start, end), end < start);
        add(subject, String.format("the stitching path ends within %.0f%% of the larger SAE's mse (or below it)", 100 * PATH_END_MARGIN),
                String.format("end %.4g, the larger SAE alone %.4g (%+.1f%%)", end, large, 100 * (end / large - 1)), end <= large * (1 + PATH_END_MARGIN));
        if (pair.get("novel_vs_truth") instanceof Map<?, ?> truth) truth(subject, truth);
    }

    /** Table 2's two rows: most novel latents lower the smaller SAE's mse when added alone, most reconstruction latents raise it. */
    private void table2(String subject, String variant, Map<?, ?> table) {
        Map<?, ?> nov = (Map<?, ?>) table.get("novel"), rec = (Map<?, ?>) table.get("reconstruction");
        long nLower = number(nov.get("delta_mse_negative")).longValue(), nRaise = number(nov.get("delta_mse_positive")).longValue();
        long rLower = number(rec.get("delta_mse_negative")).longValue(), rRaise = number(rec.get("delta_mse_positive")).longValue();
        add(subject, "Table 2" + variant + ": most novel latents lower the smaller SAE's mse when added alone",
                nLower + " lower, " + nRaise + " raise", nLower > nRaise);
        add(subject, "Table 2" + variant + ": most reconstruction latents raise it", rRaise + " raise, " + rLower + " lower", rRaise > rLower);
    }

    /** The synthetic world's lines: novel latents against the true features. */
    private void truth(String subject, Map<?, ?> truth) {
        if (truth.get("precision") instanceof Number p)
            add(subject, "truth: most novel latents are true features the smaller SAE missed",
                    String.format("%s of %s (precision %.2f)", truth.get("hits"), truth.get("novel"), p.doubleValue()), p.doubleValue() > 0.5);
        if (truth.get("recall") instanceof Number r)
            add(subject, "truth: most missed features that the larger SAE learnt are novel latents",
                    String.format("%s of %s (recall %.2f)", truth.get("missed_found_by_novel"), truth.get("missed_found_by_large"), r.doubleValue()),
                    r.doubleValue() > 0.5);
    }

    /** How far apart (relative) the two largest rungs' l0s must be to extrapolate the plain ladder along them. */
    private static final double MIN_L0_SPREAD = 0.05;

    /**
     * The Frankenstein SAE against the largest plain SAE, on the same rows. At no more l0 it must
     * reconstruct better; at a higher l0 the trade is stated, and it must beat the plain ladder's
     * mse extrapolated (linearly in l0, from its two largest rungs) to its own l0; where those rungs
     * have (nearly) one l0, or there is one rung, no plain SAE is at its l0: the trade is stated, not judged.
     */
    private void frankenstein(Map<String, Object> franken) {
        String claim = "the Frankenstein SAE reconstructs better than the largest plain SAE at its l0";
        if (franken == null) {
            add(LADDER, claim, "no Frankenstein SAE (a ladder of one)", Status.NOT_MEASURED);
            return;
        }
        List<?> plain = (List<?>) franken.get("plain");
        Map<?, ?> largest = (Map<?, ?>) plain.getLast();
        double fL0 = number(franken.get("final_l0")).doubleValue(), fMse = number(franken.get("final_mse")).doubleValue();
        double pL0 = number(largest.get("l0")).doubleValue(), pMse = number(largest.get("mse")).doubleValue();
        String measured = String.format("F %s, l0 %.1f, mse %.4g; plain %s: l0 %.1f, mse %.4g", franken.get("final_F"), fL0, fMse, largest.get("F"), pL0, pMse);
        if (fL0 <= pL0) {
            add(LADDER, claim, measured, fMse < pMse);
            return;
        }
        String trade = String.format("; the trade: l0 %+.0f%%, mse %+.0f%%", 100 * (fL0 / pL0 - 1), 100 * (fMse / pMse - 1));
        Map<?, ?> below = plain.size() < 2 ? null : (Map<?, ?>) plain.get(plain.size() - 2);
        double bL0 = below == null ? pL0 : number(below.get("l0")).doubleValue();
        // A line through the two largest rungs needs their l0s apart: a TopK ladder has l0 = k at every width.
        if (pL0 - bL0 < MIN_L0_SPREAD * pL0) {
            add(LADDER, claim, measured + trade + "; no plain SAE at this l0 (the plain ladder's l0 does not grow with its width)", Status.NOT_MEASURED);
            return;
        }
        double bMse = number(below.get("mse")).doubleValue();
        double atL0 = pMse + (bMse - pMse) / (bL0 - pL0) * (fL0 - pL0);
        add(LADDER, claim, measured + trade + String.format("; plain ladder extrapolated to l0 %.1f: mse %.4g", fL0, atL0), fMse < atL0);
    }

    /** Seed sharing against the papers' figures, per encoder metric, and ReLU against TopK at equal l0. */
    private void seeds(Map<String, Object> seeds, Map<String, Object> topk, List<Map<String, Object>> ladder) {
        String claim = String.format("two seeds share %.0f–%.0f%% of latents (the same-data paper; small SAEs at the high end)",
                100 * PAPERS_SHARED_LOW, 100 * PAPERS_SHARED_HIGH);
        if (seeds == null) {
            add("seeds", claim, "no second seed", Status.NOT_MEASURED);
            return;
        }
        String subject = width(seeds) + " latents, seeds differ in initial weights";
        double relu = number(seeds.get("shared_fraction")).doubleValue();
        add(subject, claim + ", encoders by weight cosine (the paper's rule)", String.format("%.1f%%", 100 * relu), relu >= PAPERS_SHARED_LOW);
        if (seeds.get("shared_fraction_covariance") instanceof Number cov)
            add(subject, claim + ", encoders by pre-activation correlation on the data", String.format("%.1f%%", 100 * cov.doubleValue()),
                    cov.doubleValue() >= PAPERS_SHARED_LOW);
        String pairClaim = "ReLU SAEs share more latents across seeds than TopK SAEs at equal l0";
        if (topk == null) {
            add(subject, pairClaim, "not measured: the demo trained no TopK pair beside a ReLU ladder", Status.NOT_MEASURED);
            return;
        }
        double l0 = number(ladder.getFirst().get("l0")).doubleValue();
        for (String metric : new String[] {"", "_covariance"}) {
            if (!(seeds.get("shared_fraction" + metric) instanceof Number r) || !(topk.get("shared_fraction" + metric) instanceof Number t)) continue;
            add(subject, pairClaim + (metric.isEmpty() ? ", encoders by weight cosine" : ", encoders by pre-activation correlation"),
                    String.format("ReLU (l0 %.1f) %.1f%%, TopK (k = %s) %.1f%%", l0, 100 * r.doubleValue(), topk.get("k"), 100 * t.doubleValue()),
                    r.doubleValue() > t.doubleValue());
        }
    }

    private static Object width(Map<String, Object> match) {
        return match.get("widths") instanceof List<?> w ? w.getFirst() : "?";
    }

    private static Number number(Object o) {
        if (o instanceof Number n) return n;
        throw new IllegalStateException("scorecard: the report has no number where one is needed: " + o);
    }

    int count(Status s) { return (int) lines.stream().filter(l -> l.status() == s).count(); }

    /** The scorecard's JSON: the lines and their counts. */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lines", lines.stream().map(Line::fields).toList());
        m.put("pass", count(Status.PASS));
        m.put("fail", count(Status.FAIL));
        m.put("not_measured", count(Status.NOT_MEASURED));
        return m;
    }

    /** Writes {@code file} (atomically: the report folders beside it are each replaced whole, so the scorecard is a file of its own). */
    public void write(Path file) {
        try {
            AtomicFiles.write(file, (JsonReport.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(fields()) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the scorecard", e);
        }
    }

    public void print(PrintWriter out) {
        out.printf("%nscorecard: the papers' claims against this run (%d pass, %d fail, %d not measured)%n",
                count(Status.PASS), count(Status.FAIL), count(Status.NOT_MEASURED));
        String subject = null;
        for (Line l : lines) {
            if (!l.subject().equals(subject)) {
                subject = l.subject();
                out.println("  " + subject);
            }
            out.printf("    %-14s %s: %s%n", "[" + l.status().label() + "]", l.claim(), l.measured());
        }
        out.flush();
    }
}
