package dev.saestitch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.cli.report.CompareReport;
import dev.saestitch.cli.report.ReportDir;
import dev.saestitch.data.TokenProvenance;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LargeMaxCosines;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.explore.ActivationHistogram;
import dev.saestitch.explore.LatentProfiles;
import dev.saestitch.explore.TokenContexts;
import dev.saestitch.explore.TopActivations;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the explorer's static site: the page, script and style from this jar's resources, and the
 * data as {@code data.js} ({@code window.SAESTITCH_EXPLORE = {...}}), a script rather than JSON
 * because browsers refuse {@code fetch} from {@code file://}. Token strings are untrusted: in the
 * data every {@code <} is written as {@code \u003c}, so no token can close the script element,
 * and the page inserts them as text only.
 */
final class ExploreSite {

    /** The comparison joined to the explored SAE's latents; "large" and "small" as in {@code compare}. */
    record Comparison(Path otherDir, LatentProfiles otherProfiles, boolean exploredIsLarge, LatentClasses classes, Families families,
                      LargeMaxCosines largeMaxCos, float[] smallMaxCos, int[] smallArgmax, double[] deltaMse) {}

    static final List<String> RESOURCES = List.of("index.html", "explore.js", "explore.css");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int quantiles;
    private final TokenContexts contexts;
    private final Map<Long, Object> contextOf = new TreeMap<>();
    private final Map<Integer, String> vocabulary = new TreeMap<>();

    ExploreSite(Path dir, int quantiles, int radius, TokenProvenance provenance) {
        this.dir = dir;
        this.quantiles = quantiles;
        this.contexts = provenance == null ? null : new TokenContexts(provenance, radius);
    }

    void write(Path saeDir, LatentProfiles profiles, Comparison comparison) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rows", profiles.rows());
        root.put("bins", binEdges());
        root.put("contexts_available", contexts != null);
        root.put("sae", sae(saeDir.toString(), profiles, comparison, true));
        if (comparison != null) {
            root.put("other", sae(comparison.otherDir().toString(), comparison.otherProfiles(), comparison, false));
            root.put("threshold", comparison.classes().threshold());
            root.put("families", families(comparison.families()));
        }
        root.put("contexts", contextOf);
        root.put("vocab", vocabulary);
        // Published whole, like a report: a folder holding files saestitch did not write is refused, never overwritten.
        ReportDir site = new ReportDir(dir);
        try {
            String json = JSON.writeValueAsString(root).replace("<", "\\u003c");
            site.text("data.js", "window.SAESTITCH_EXPLORE = " + json + ";\n");
            for (String name : RESOURCES)
                try (InputStream in = ExploreSite.class.getResourceAsStream("explore/" + name)) {
                    if (in == null) throw new IllegalStateException("resource explore/" + name + " missing from the jar");
                    site.bytes(name, in.readAllBytes());
                }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the explorer's data", e);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the explorer: " + e.getMessage(), e);
        }
        site.commit();
    }

    private static double[] binEdges() {
        double[] e = new double[ActivationHistogram.BINS - 1];
        for (int b = 1; b < ActivationHistogram.BINS; b++) e[b - 1] = ActivationHistogram.edge(b);
        return e;
    }

    /** One SAE's latents; {@code explored} says whether it is the SAE given as SAE (else --compare's). */
    private Map<String, Object> sae(String name, LatentProfiles p, Comparison c, boolean explored) {
        boolean large = c != null && c.exploredIsLarge() == explored;
        int[] familyOf = c == null ? null : familyOf(c.families(), p.latents(), large);
        List<Map<String, Object>> latents = new ArrayList<>(p.latents());
        for (int i = 0; i < p.latents(); i++) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("id", i);
            l.put("freq", p.frequency(i));
            l.put("fired", p.fired(i));
            l.put("mean", CompareReport.finite(p.meanWhenFiring(i)));
            l.put("top", hits(p.top(i)));
            l.put("quantiles", hits(p.quantileSamples(i, quantiles)));
            l.put("hist", p.histogram(i));
            if (c != null) {
                l.put("class", large ? (c.classes().isNovel(i) ? "novel" : "reconstruction") : "small");
                l.put("max_cos", large ? c.largeMaxCos().max()[i] : c.smallMaxCos()[i]);
                l.put("match", large ? c.largeMaxCos().argmax()[i] : c.smallArgmax()[i]);
                l.put("family", familyOf[i] < 0 ? null : familyOf[i]);
                l.put("delta_mse", large ? CompareReport.finite(c.deltaMse()[i]) : null);
            }
            latents.add(l);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", name);
        s.put("role", c == null ? "sae" : large ? "large" : "small");
        s.put("latents", latents);
        return s;
    }

    private static int[] familyOf(Families families, int latents, boolean large) {
        int[] of = new int[latents];
        Arrays.fill(of, -1);
        for (int f = 0; f < families.families().size(); f++) {
            Families.Family fam = families.families().get(f);
            for (int j : large ? fam.large() : fam.small()) of[j] = f;
        }
        return of;
    }

    private static List<Map<String, int[]>> families(Families families) {
        List<Map<String, int[]>> out = new ArrayList<>();
        for (Families.Family f : families.families()) out.add(Map.of("small", f.small(), "large", f.large()));
        return out;
    }

    /** [[value, row], ...], recording each row's context for the page. */
    private List<Object[]> hits(TopActivations.Hit[] hits) {
        List<Object[]> out = new ArrayList<>(hits.length);
        for (TopActivations.Hit h : hits) {
            out.add(new Object[] {h.value(), h.row()});
            if (contexts != null) contextOf.computeIfAbsent(h.row(), this::context);
        }
        return out;
    }

    /** {"focus": index of the firing token, "tokens": [ids], "doc": document}; strings go to the vocabulary once. */
    private Map<String, Object> context(long row) {
        TokenContexts.Context ctx = contexts.around(row);
        int[] ids = new int[ctx.length()];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = contexts.provenance().token(ctx.first() + t);
            vocabulary.computeIfAbsent(ids[t], contexts.provenance()::tokenString);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("focus", ctx.focus());
        m.put("tokens", ids);
        m.put("doc", contexts.provenance().document(row));
        m.put("position", contexts.provenance().position(row));
        return m;
    }
}
