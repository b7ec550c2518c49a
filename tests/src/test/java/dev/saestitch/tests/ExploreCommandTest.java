package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.explore.ExplorePass;
import dev.saestitch.explore.LatentProfiles;
import dev.saestitch.explore.TopActivations;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.sae.SaeRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** explore end to end on the planted pair: the batched pass against one dense encoding, and the site's data. */
class ExploreCommandTest {

    private static final int ROWS = 480, TOP = 6;

    @TempDir static Path shared;
    @TempDir Path tmp;
    private static Path small, large, acts;

    @BeforeAll static void inputs() {
        small = shared.resolve("small");
        large = shared.resolve("large");
        acts = shared.resolve("acts.npy");
        ExploreSites.writePair(small, large);
        ExploreSites.writeRowsWithProvenance(acts, ROWS);
    }

    /** Batches of 100 (the last one short) give the top-N, counts and means of one encoding of all rows at once. */
    @Test void batchedPassMatchesOneDenseEncoding() {
        try (Sae sae = SaeFiles.load(large); ActivationSource source = ActivationFiles.open(acts, null);
             Backend backend = Backends.select("cpu"); Arena arena = Arena.ofConfined();
             SaeRunner runner = new SaeRunner(backend, sae, ROWS)) {
            LatentProfiles p = ExplorePass.run(backend, sae, source, ROWS, 100, TOP, 0, n -> {});
            Matrix x = Matrix.allocate(arena, ROWS, sae.dIn());
            source.read(LongStream.range(0, ROWS).toArray(), 0, x);
            SparseCodes codes = runner.encode(x);
            List<List<TopActivations.Hit>> all = new ArrayList<>();
            for (int i = 0; i < sae.width(); i++) all.add(new ArrayList<>());
            for (int b = 0; b < ROWS; b++)
                for (int e = codes.rowStart(b); e < codes.rowStart(b + 1); e++)
                    if (codes.value(e) > 0) all.get(codes.index(e)).add(new TopActivations.Hit(codes.value(e), b));
            int silent = 0;
            for (int i = 0; i < sae.width(); i++) {
                List<TopActivations.Hit> hits = all.get(i);
                if (hits.isEmpty()) silent++;
                assertEquals(hits.size(), p.fired(i), "latent " + i);
                double mean = hits.stream().mapToDouble(TopActivations.Hit::value).average().orElse(Double.NaN);
                assertEquals(mean, p.meanWhenFiring(i), Double.isNaN(mean) ? 0 : 1e-9 * mean, "latent " + i);
                List<TopActivations.Hit> expected = hits.stream().sorted(Comparator.comparing(TopActivations.Hit::value).reversed()
                        .thenComparingLong(TopActivations.Hit::row)).limit(TOP).toList();
                assertEquals(expected, List.of(p.top(i)), "latent " + i);
            }
            assertTrue(silent < sae.width(), "some latents fire on the planted rows");
        }
    }

    @Test void siteJoinsTheComparisonAndKeepsTokensAsText() throws IOException {
        Path site = tmp.resolve("site");
        Cli run = Cli.run("explore", large.toString(), "--compare", small.toString(), "--data", acts.toString(), "--out", site.toString(),
                "--top", Integer.toString(TOP), "--backend", "cpu", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.json().get("contexts").asBoolean());
        for (String f : List.of("index.html", "explore.js", "explore.css", "data.js")) assertTrue(Files.isRegularFile(site.resolve(f)), f);
        String js = Files.readString(site.resolve("data.js"));
        assertFalse(js.contains("<"), "no raw '<' in data.js: a token cannot close the script element");
        JsonNode d = ExploreSites.data(site);
        JsonNode latents = d.get("sae").get("latents");
        try (Sae l = SaeFiles.load(large); Sae s = SaeFiles.load(small)) {
            assertEquals(l.width(), latents.size());
            assertEquals(s.width(), d.get("other").get("latents").size());
        }
        assertEquals("large", d.get("sae").get("role").asText());
        int novel = 0;
        for (JsonNode l : latents) {
            assertTrue(l.get("top").size() <= TOP);
            assertEquals(Math.min(TOP, l.get("fired").asLong()), l.get("top").size());
            String cls = l.get("class").asText();
            assertTrue(cls.equals("novel") || cls.equals("reconstruction"), cls);
            if (cls.equals("novel")) novel++;
            assertEquals(cls.equals("novel"), l.get("max_cos").asDouble() < 0.7, "class follows max cos against θ");
            for (JsonNode hit : l.get("top")) {
                JsonNode ctx = d.get("contexts").get(hit.get(1).asText());
                assertNotNull(ctx, "context of row " + hit.get(1));
                long row = hit.get(1).asLong();
                int focus = ctx.get("focus").asInt();
                assertEquals(row % ExploreSites.WINDOW, ctx.get("position").asLong());
                assertEquals((row * 7 + row / 5) % ExploreSites.VOCAB, ctx.get("tokens").get(focus).asInt(), "the firing token of row " + row);
                long windowStart = row - row % ExploreSites.WINDOW, windowEnd = windowStart + ExploreSites.WINDOW - 1;  // documents hold two windows
                assertEquals(row - Math.max(windowStart, row - 8), focus, "context starts 8 tokens back or at its window's start");
                assertEquals(Math.min(windowEnd, row + 8) - Math.max(windowStart, row - 8) + 1, ctx.get("tokens").size(), "context of row " + row);
            }
        }
        assertEquals(run.json().get("novel").asInt(), novel);
        assertEquals(ExploreSites.SCRIPT_TOKEN, d.get("vocab").get("3").asText(), "the script token survives as a string");
    }

    /** Explored from the small side, the roles swap: its latents are "small", the classes belong to --compare's latents. */
    @Test void smallSideGetsTheBackwardComparison() {
        Path site = tmp.resolve("site");
        Cli run = Cli.run("explore", small.toString(), "--compare", large.toString(), "--data", acts.toString(), "--out", site.toString(), "--backend", "cpu");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode d = ExploreSites.data(site);
        assertEquals("small", d.get("sae").get("role").asText());
        assertEquals("large", d.get("other").get("role").asText());
        for (JsonNode l : d.get("sae").get("latents")) {
            assertEquals("small", l.get("class").asText());
            assertTrue(l.get("delta_mse").isNull());
            JsonNode match = d.get("other").get("latents").get(l.get("match").asInt());
            assertTrue(match.get("max_cos").asDouble() >= l.get("max_cos").asDouble() - 1e-6 || match.get("match").asInt() != l.get("id").asInt(),
                    "the best match's own max cosine is at least the cosine between them");
        }
    }

    @Test void withoutProvenanceContextsAreUnavailable() {
        Path bare = tmp.resolve("bare.npy"), site = tmp.resolve("site");
        PlantedSaes.writeRows(bare, 200);
        Cli run = Cli.run("explore", small.toString(), "--data", bare.toString(), "--out", site.toString(), "--backend", "cpu");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("contexts are unavailable"), run.err());
        JsonNode d = ExploreSites.data(site);
        assertFalse(d.get("contexts_available").asBoolean());
        assertEquals(0, d.get("contexts").size());
        assertFalse(d.has("other"));
    }

    @Test void refusesBadArguments() {
        Cli run = Cli.run("explore", small.toString(), "--data", acts.toString(), "--out", tmp.toString(), "--top", "0", "--backend", "cpu");
        assertEquals(1, run.exitCode());
        assertTrue(run.lastErrorLine().contains("--top"), run.lastErrorLine());
    }

    /** The site is published whole, like a report (issue 14): rerunning replaces it, a folder with a user's file is refused and kept. */
    @Test void siteReplacesItsOwnFolderAndRefusesAUsersOne() throws IOException {
        Path bare = tmp.resolve("bare.npy"), site = tmp.resolve("site");
        PlantedSaes.writeRows(bare, 200);
        String[] args = {"explore", small.toString(), "--data", bare.toString(), "--out", site.toString(), "--backend", "cpu"};
        assertEquals(0, Cli.run(args).exitCode());
        Cli again = Cli.run(args);
        assertEquals(0, again.exitCode(), again.err());
        java.nio.file.Files.writeString(site.resolve("notes.txt"), "mine");
        Cli refused = Cli.run(args);
        assertEquals(1, refused.exitCode(), refused.err());
        assertTrue(refused.lastErrorLine().contains(site.toAbsolutePath() + ": exists and holds [notes.txt]"), refused.lastErrorLine());
        assertEquals("mine", java.nio.file.Files.readString(site.resolve("notes.txt")));
    }
}
