package dev.saestitch.cli.report;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scorecard's rules on hand-made demo reports: each claim passes, fails or is not measured as its figures say. */
class ScorecardTest {

    private static Map<String, Object> signs(long lower, long raise) { return Map.of("delta_mse_negative", lower, "delta_mse_positive", raise); }

    private static Map<String, Object> pair(long novel, long reconstruction, Map<String, Object> recTable, double fires, double quiet,
                                            double start, double end, double large) {
        Map<String, Object> cmp = new LinkedHashMap<>();
        cmp.put("novel", novel);
        cmp.put("reconstruction", reconstruction);
        cmp.put("table2", Map.of("novel", signs(novel - 1, 1), "reconstruction", recTable));
        cmp.put("mse_where_novel_fires", Map.of("fires", fires, "does_not_fire", quiet));
        return Map.of("small", "s", "large", "l", "compare", cmp,
                "stitch", Map.of("start_mse", start, "end_mse", end, "large_mse", large, "steps", 10));
    }

    private static Map<String, Object> franken(double l0, double mse) {
        return Map.of("final_F", 100, "final_l0", l0, "final_mse", mse,
                "plain", List.of(Map.of("F", 50, "l0", 10.0, "mse", 0.20), Map.of("F", 100, "l0", 20.0, "mse", 0.10)));
    }

    private static Map<String, Object> report(Map<String, Object> pair, Map<String, Object> franken, Double shared, Double topkShared) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ladder", List.of(Map.of("width", 50, "l0", 10.0)));
        r.put("pairs", List.of(pair));
        r.put("frankenstein", franken);
        if (shared != null) r.put("seeds", Map.of("shared_fraction", shared, "widths", List.of(50, 50)));
        if (topkShared != null) r.put("seeds_topk", Map.of("shared_fraction", topkShared, "k", 10));
        return r;
    }

    private static Scorecard.Status status(Scorecard card, String claimStart) {
        return card.lines().stream().filter(l -> l.claim().startsWith(claimStart)).findFirst().orElseThrow(() -> new AssertionError(claimStart)).status();
    }

    @Test
    void thePapersPictureIsAllPasses() {
        Scorecard card = Scorecard.of(report(pair(35, 65, signs(10, 55), 0.2, 0.1, 0.2, 0.104, 0.1), franken(20, 0.09), 0.5, 0.2));
        assertEquals(0, card.count(Scorecard.Status.FAIL), card.fields().toString());
        assertEquals(0, card.count(Scorecard.Status.NOT_MEASURED), card.fields().toString());
    }

    @Test
    void eachClaimFailsOnItsOwnFigure() {
        Scorecard card = Scorecard.of(report(pair(60, 40, signs(30, 10), 0.1, 0.2, 0.2, 0.106, 0.1), franken(20, 0.11), 0.1, 0.2));
        assertEquals(Scorecard.Status.FAIL, status(card, "about 35%"), "60% novel is outside 35 ± 10");
        assertEquals(Scorecard.Status.PASS, status(card, "Table 2: most novel"));
        assertEquals(Scorecard.Status.FAIL, status(card, "Table 2: most reconstruction"));
        assertEquals(Scorecard.Status.FAIL, status(card, "the smaller SAE's mse is higher"));
        assertEquals(Scorecard.Status.PASS, status(card, "the stitching path's mse falls"));
        assertEquals(Scorecard.Status.FAIL, status(card, "the stitching path ends within 5%"), "6% above the larger SAE");
        assertEquals(Scorecard.Status.FAIL, status(card, "the Frankenstein SAE"));
        assertEquals(Scorecard.Status.FAIL, status(card, "two seeds share"));
        assertEquals(Scorecard.Status.FAIL, status(card, "ReLU SAEs share more"));
    }

    @Test
    void aHigherL0IsJudgedAgainstTheLadderExtrapolatedToIt() {
        // Plain rungs (l0 10, mse 0.2) and (20, 0.1): the ladder's line gives mse 0.05 at l0 25.
        assertEquals(Scorecard.Status.PASS, status(Scorecard.of(report(pair(35, 65, signs(1, 9), 2, 1, 2, 1, 1), franken(25, 0.04), null, null)), "the Frankenstein SAE"));
        assertEquals(Scorecard.Status.FAIL, status(Scorecard.of(report(pair(35, 65, signs(1, 9), 2, 1, 2, 1, 1), franken(25, 0.06), null, null)), "the Frankenstein SAE"));
    }

    @Test
    void whatWasNotMeasuredIsSaid() {
        Scorecard card = Scorecard.of(report(pair(35, 65, signs(1, 9), 2, 1, 2, 1, 1), null, null, null));
        assertEquals(Scorecard.Status.NOT_MEASURED, status(card, "the Frankenstein SAE"));
        assertEquals(Scorecard.Status.NOT_MEASURED, status(card, "two seeds share"));
    }

    @Test
    void aLadderOfOneL0StatesTheTradeWithoutJudgingIt() {
        // TopK rungs all fire k latents: no line through the rungs reaches the Frankenstein SAE's l0.
        Map<String, Object> franken = Map.of("final_F", 100, "final_l0", 20.0, "final_mse", 0.05,
                "plain", List.of(Map.of("F", 50, "l0", 16.0, "mse", 0.20), Map.of("F", 100, "l0", 16.0, "mse", 0.10)));
        Scorecard card = Scorecard.of(report(pair(35, 65, signs(10, 55), 0.2, 0.1, 0.2, 0.104, 0.1), franken, null, null));
        assertEquals(Scorecard.Status.NOT_MEASURED, status(card, "the Frankenstein SAE"));
        String measured = card.lines().stream().filter(l -> l.claim().startsWith("the Frankenstein SAE")).findFirst().orElseThrow().measured();
        assertTrue(measured.contains("the trade: l0 +25%, mse -50%"), measured);
    }
}
