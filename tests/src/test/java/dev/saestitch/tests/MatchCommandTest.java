package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.saestitch.tests.MatchSaes.*;
import static org.junit.jupiter.api.Assertions.*;

/** {@code saestitch match}: exit codes, JSON keys and the report folder, on planted and real SAEs. */
class MatchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int D = 64, F = 96;

    @TempDir Path tmp;

    /**
     * An SAE and a copy with its latents permuted share every latent, and each latent's partner is
     * where the permutation put it; the report holds the CSV of exactly that, and two PNGs.
     */
    @Test void aPermutedCopyIsFullyShared() throws IOException {
        int[] perm = permutation(3, F);   // the copy's latent j is the original's perm[j]
        Path a, b;
        try (Sae original = random(1, D, F)) {
            a = save(original.copy(), tmp.resolve("a"));
            b = save(permuted(original, perm), tmp.resolve("b"));
        }
        Path report = tmp.resolve("report");
        Run r = run("match", a.toString(), b.toString(), "--json", "--report", report.toString(), "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(1.0, j.get("shared_fraction").asDouble());
        assertEquals(F, j.get("shared").asInt());
        assertEquals(1.0, j.get("mean_matched_cos").asDouble(), 1e-6);
        assertEquals(1.0, j.get("mean_matched_cos_enc").asDouble(), 1e-6);
        assertEquals(1.0, j.get("mean_max_cos").asDouble(), 1e-6);
        assertFalse(j.has("only_in_base"), "only_in_base needs three SAEs");

        List<String> csv = Files.readAllLines(report.resolve("matches.csv"));
        assertEquals("latent,partner_dec,cos_dec,partner_enc,cos_enc,shared", csv.getFirst());
        assertEquals(F + 1, csv.size());
        int[] inverse = new int[F];
        for (int jj = 0; jj < F; jj++) inverse[perm[jj]] = jj;
        for (int i = 0; i < F; i++) {
            String[] cells = csv.get(i + 1).split(",");
            assertEquals(i, Integer.parseInt(cells[0]));
            assertEquals(inverse[i], Integer.parseInt(cells[1]), "decoder partner of latent " + i);
            assertEquals(inverse[i], Integer.parseInt(cells[3]), "encoder partner of latent " + i);
            assertEquals("true", cells[5]);
        }
        ObjectNode printed = j.deepCopy();
        assertEquals(report.toString(), printed.remove("report").asText());
        assertEquals(printed, JSON.readTree(report.resolve("summary.json").toFile()), "summary.json is the JSON printed, less the report's own path");
        for (String png : List.of("matched_cos_hist.png", "matched_cos_scatter.png")) assertPng(report.resolve(png));
    }

    /**
     * Three SAEs: the original, its permuted copy, and an unrelated random SAE. In D = 64 two random
     * directions have cosine ~N(0, 1/64), so the unrelated SAE shares nothing (0.7 is 5.6 σ): the
     * pairs share 1, 0, 0 of their latents, and only the unrelated SAE's latents are only in their
     * base: only_in_base = (0 + 0 + 1) / 3.
     */
    @Test void threeSaesReportOnlyInBaseAndEveryPair() throws IOException {
        Path a, b, c;
        try (Sae original = random(1, D, F)) {
            a = save(original.copy(), tmp.resolve("a"));
            b = save(permuted(original, permutation(4, F)), tmp.resolve("b"));
        }
        c = save(random(2, D, F), tmp.resolve("c"));
        Path report = tmp.resolve("report3");
        Run r = run("match", a.toString(), b.toString(), c.toString(), "--json", "--report", report.toString(), "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(1.0 / 3, j.get("only_in_base").asDouble(), 1e-12);
        assertEquals(List.of(0.0, 0.0, 1.0), JSON.convertValue(j.get("only_in_base_per_sae"), List.class));
        assertEquals(1.0 / 3, j.get("shared_fraction").asDouble(), 1e-12, "mean over the pairs of 1, 0, 0");
        assertTrue(j.has("mean_matched_cos") && j.has("mean_max_cos"));
        JsonNode pairs = j.get("pairs");
        assertEquals(3, pairs.size());
        double[] expected = {1, 0, 0};   // pairs (0,1), (0,2), (1,2)
        for (int p = 0; p < 3; p++) {
            assertEquals(expected[p], pairs.get(p).get("shared_fraction").asDouble(), "pair " + pairs.get(p));
            for (String key : List.of("a", "b", "mean_matched_cos", "mean_matched_cos_enc", "mean_max_cos")) assertTrue(pairs.get(p).has(key), key);
        }
        for (String f : List.of("summary.json", "matches_0_1.csv", "matches_0_2.csv", "matches_1_2.csv", "shared_with.csv", "matched_cos_hist.png"))
            assertTrue(Files.isRegularFile(report.resolve(f)), f);
    }

    /** Layers 1 and 3 of OthelloGPT's residual stream are different activations: few latents match (4.9% when this test was written). */
    @Test void realSaesOfDifferentLayersShareFewLatents() throws IOException {
        Path l1 = OTHELLO.resolve("blocks.1.hook_resid_pre.d1024"), l3 = OTHELLO.resolve("blocks.3.hook_resid_pre.d1024");
        assertTrue(Files.isDirectory(l1) && Files.isDirectory(l3), "real SAEs not found at " + OTHELLO + " (the copy lives in fixtures/; -Dsaestitch.data overrides)");
        Run r = run("match", l1.toString(), l3.toString(), "--json", "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = JSON.readTree(r.out());
        double shared = j.get("shared_fraction").asDouble();
        assertTrue(shared > 0 && shared < 0.2, "shared fraction " + shared);
        assertTrue(j.get("mean_max_cos").asDouble() >= j.get("mean_matched_cos").asDouble(), "a max is at least the matched cosine");
    }

    @Test void aMissingSaeIsOneLineAndExitCode1() throws IOException {
        Path a = save(random(1, D, F), tmp.resolve("a"));
        Path missing = tmp.resolve("no-such-sae");
        Run r = run("match", a.toString(), missing.toString(), "--backend", "cpu");
        assertEquals(1, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertEquals("", r.out());

        Run bad = run("match", a.toString(), a.toString(), "--threshold", "1.5");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("--threshold"), bad.err());
    }

    static void assertPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 1000, file + " has " + bytes.length + " bytes");
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals("PNG", new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII), file + " is not a PNG");
    }

    /**
     * --encoder-metric covariance reads --data: a permuted copy is still fully shared (correlation 1
     * for each partner), the JSON names the metric and the data; without --data it is one line, exit 1.
     */
    @Test void theCovarianceMetricReadsTheData() throws IOException {
        int[] perm = permutation(4, F);
        Path a, b;
        try (Sae original = random(2, D, F)) {
            a = save(original.copy(), tmp.resolve("ca"));
            b = save(permuted(original, perm), tmp.resolve("cb"));
        }
        Path acts = tmp.resolve("acts.npy");
        Run synth = run("synth", "--dim", Integer.toString(D), "--rows", "3000", "--seed", "5", "--out", acts.toString());
        assertEquals(0, synth.exit(), synth.err());
        Run r = run("match", a.toString(), b.toString(), "--encoder-metric", "covariance", "--data", acts.toString(), "--batch", "1000",
                "--json", "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("covariance", j.get("encoder_metric").asText());
        assertEquals(acts.toString(), j.get("data").asText());
        assertEquals(1.0, j.get("shared_fraction").asDouble());
        assertEquals(1.0, j.get("mean_matched_cos_enc").asDouble(), 1e-5);
        Run noData = run("match", a.toString(), b.toString(), "--encoder-metric", "covariance");
        assertEquals(1, noData.exit());
        assertEquals(1, noData.err().strip().lines().count(), noData.err());
        assertTrue(noData.err().contains("--encoder-metric covariance needs --data ACTS"), noData.err());
    }
}
