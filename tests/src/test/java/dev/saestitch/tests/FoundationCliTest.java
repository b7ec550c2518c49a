package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The foundation commands end to end: info, synth, train, eval and demo on small shapes, their
 * --json keys (a contract for scripts), and the one-line errors with exit code 1 on bad input.
 */
class FoundationCliTest {

    @TempDir static Path dir;
    static Path data;
    static Path sae;

    @BeforeAll
    static void trainASmallSae() {
        data = dir.resolve("acts.npy");
        Cli synth = Cli.run("synth", "--dim", "16", "--rows", "6000", "--seed", "3", "--out", data.toString(), "--json");
        assertEquals(0, synth.exitCode(), synth.err());
        assertEquals(6000, synth.json().get("rows").asLong());
        assertTrue(Files.isRegularFile(dir.resolve("acts.truth.npy")));
        sae = dir.resolve("sae");
        Cli train = Cli.run("train", "--arch", "topk", "--width", "48", "--k", "4", "--data", data.toString(), "--tokens", "40000",
                "--batch", "256", "--lr", "5e-3", "--seed", "1", "--eval-rows", "2048", "--out", sae.toString(), "--json");
        assertEquals(0, train.exitCode(), train.err());
        JsonNode j = train.json();
        for (String key : new String[] {"mse", "fvu", "l0", "dead_fraction", "recovered_fraction", "tokens", "out"})
            assertTrue(j.has(key), "train --json lacks " + key + ": " + j);
        assertTrue(j.get("l0").asDouble() <= 4 && j.get("l0").asDouble() >= 3.8, "TopK inference l0 " + j.get("l0"));
        assertTrue(train.err().contains("train"), "progress goes to stderr");
    }

    @Test
    void infoSaysWhichBackendRunsAndWhy() {
        Cli info = Cli.run("info", "--json");
        assertEquals(0, info.exitCode(), info.err());
        String backend = info.json().get("backend").asText(), detail = info.json().get("backend_detail").asText();
        if (backend.equals("cpu")) assertTrue(detail.contains("CUDA not available: "), info.out());   // and why not
        else assertTrue(backend.equals("cuda") && detail.contains("chosen automatically"), info.out());
    }

    @Test
    void trainedSaeLoadsAndEvaluates() {
        try (Sae loaded = SaeFiles.load(sae)) {
            assertEquals(Architecture.TOPK, loaded.architecture());
            assertEquals(16, loaded.dIn());
            assertEquals(48, loaded.width());
        }
        Cli eval = Cli.run("eval", sae.toString(), "--data", data.toString(), "--rows", "4000", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode j = eval.json();
        for (String key : new String[] {"mse", "sse", "fvu", "l0", "dead_fraction", "samples"})
            assertTrue(j.has(key), "eval --json lacks " + key + ": " + j);
        assertTrue(j.get("fvu").asDouble() > 0 && j.get("fvu").asDouble() < 1, "a trained SAE explains some variance: " + j);
        assertTrue(j.has("recovered_fraction"), "synth's truth file beside the data is found");
    }

    @Test
    void missingDataFileIsOneLineExitOneAndNothingWritten() {
        Path out = dir.resolve("never");
        Cli train = Cli.run("train", "--data", dir.resolve("nope.npy").toString(), "--out", out.toString());
        assertEquals(1, train.exitCode());
        assertTrue(train.lastErrorLine().contains("nope.npy"), train.err());
        assertFalse(train.err().contains("\tat "), "no stack trace: " + train.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void truncatedNpyIsReportedWithItsName() throws IOException {
        Path bad = dir.resolve("truncated.npy");
        byte[] whole = Files.readAllBytes(data);
        Files.write(bad, java.util.Arrays.copyOf(whole, whole.length - 100));
        Cli eval = Cli.run("eval", sae.toString(), "--data", bad.toString());
        assertEquals(1, eval.exitCode());
        assertTrue(eval.lastErrorLine().contains("truncated.npy") && eval.lastErrorLine().contains("truncated"), eval.err());
    }

    @Test
    void dimensionMismatchNamesBothFiles() {
        Path other = dir.resolve("d24.npy");
        assertEquals(0, Cli.run("synth", "--dim", "24", "--rows", "300", "--out", other.toString()).exitCode());
        Cli eval = Cli.run("eval", sae.toString(), "--data", other.toString());
        assertEquals(1, eval.exitCode());
        assertTrue(eval.lastErrorLine().contains("d24.npy") && eval.lastErrorLine().contains(sae.getFileName().toString()), eval.err());
    }

    @Test
    void missingSaeAndBadArchitectureAreUserErrors() {
        Cli eval = Cli.run("eval", dir.resolve("no-such-sae").toString(), "--data", data.toString());
        assertEquals(1, eval.exitCode());
        assertTrue(eval.lastErrorLine().contains("no-such-sae"), eval.err());
        Cli train = Cli.run("train", "--arch", "gated", "--out", dir.resolve("x").toString());
        assertEquals(1, train.exitCode());
        assertTrue(train.lastErrorLine().contains("gated"), train.err());
    }

    @Test
    void demoWritesItsTableSaesAndReport() throws IOException {
        Path out = dir.resolve("demo");
        Cli demo = Cli.run("demo", "--dim", "16", "--widths", "32,64", "--k", "4", "--tokens", "20000", "--batch", "256",
                "--eval-rows", "2048", "--out", out.toString());
        assertEquals(0, demo.exitCode(), demo.err());
        for (String line : new String[] {"recovered", "Table 2", "stitching path", "Frankenstein SAE", "two seeds", "scorecard",
                "truth: most novel latents are true features the smaller SAE missed", "[not measured] ReLU SAEs share more"})
            assertTrue(demo.out().contains(line), "demo output lacks '" + line + "':\n" + demo.out());
        for (String f : new String[] {"report/summary.json", "scorecard.json", "report/ladder.csv", "report/ladder.png", "world/activations.npy",
                "world/activations.truth.npy", "saes/topk-32/cfg.json", "saes/topk-64/sae_weights.safetensors", "saes/topk-32-seed1/cfg.json",
                "report/compare-topk-32-vs-topk-64/latents.csv", "report/stitch-topk-32-vs-topk-64/path.csv",
                "report/frankenstein/summary.json", "report/match-seeds/summary.json"})
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        try (Stream<String> lines = Files.lines(out.resolve("report/ladder.csv"))) {
            assertEquals(3, lines.count(), "header + one row per width");
        }
        Path explorer = out.resolve("explorer");
        assertTrue(Files.isRegularFile(explorer.resolve("index.html")), "explorer/index.html");
        assertTrue(demo.err().contains(explorer.resolve("index.html").toAbsolutePath().toString()), "demo names the explorer:\n" + demo.err());
        JsonNode site = ExploreSites.data(explorer);
        assertEquals(64, site.get("sae").get("latents").size(), "explored SAE is the pair's larger");
        assertEquals(32, site.get("other").get("latents").size(), "compared with the smaller");
        assertFalse(site.get("contexts_available").asBoolean(), "the synthetic world has no tokens");
    }
}
