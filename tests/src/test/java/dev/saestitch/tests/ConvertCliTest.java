package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code convert} moves an SAE SAELens → sparsify → SAELens; {@code eval} gives the same numbers at
 * every stage (to float32 rounding of the stored weights: 1e-6 relative on mse and fvu, l0 exact).
 */
class ConvertCliTest {

    @TempDir Path dir;

    private JsonNode eval(Path sae, Path data) {
        Cli r = Cli.run("eval", sae.toString(), "--data", data.toString(), "--rows", "4096", "--json");
        assertEquals(0, r.exitCode(), r.err());
        return r.json();
    }

    private static void assertSameNumbers(JsonNode expected, JsonNode actual, String stage) {
        for (String key : new String[] {"mse", "fvu"})
            assertEquals(expected.get(key).asDouble(), actual.get(key).asDouble(), 1e-6 * Math.abs(expected.get(key).asDouble()), stage + " " + key);
        assertEquals(expected.get("l0").asDouble(), actual.get("l0").asDouble(), 0.0, stage + " l0");
    }

    @Test void roundTripThroughBothLayoutsKeepsTheEvalNumbers() {
        Path original = dir.resolve("saelens"), data = dir.resolve("acts.npy");
        PlantedSaes.writeLarge(original, Architecture.TOPK);
        PlantedSaes.writeRows(data, 4096);
        JsonNode before = eval(original, data);

        Path sparsify = dir.resolve("sparsify");
        Cli toSparsify = Cli.run("convert", original.toString(), sparsify.toString(), "--format", "sparsify", "--json");
        assertEquals(0, toSparsify.exitCode(), toSparsify.err());
        assertEquals("sparsify", toSparsify.json().get("format").asText());
        assertTrue(Files.isRegularFile(sparsify.resolve("sae.safetensors")) && Files.isRegularFile(sparsify.resolve("cfg.json")));
        assertSameNumbers(before, eval(sparsify, data), "sparsify");

        Path back = dir.resolve("back");
        Cli toSaeLens = Cli.run("convert", sparsify.toString(), back.toString(), "--format", "saelens");
        assertEquals(0, toSaeLens.exitCode(), toSaeLens.err());
        assertTrue(Files.isRegularFile(back.resolve("sae_weights.safetensors")));
        assertSameNumbers(before, eval(back, data), "back to SAELens");
    }

    @Test void refusesWhatItCannotWrite() {
        Path relu = dir.resolve("relu");
        PlantedSaes.writeSmall(relu);
        Cli r = Cli.run("convert", relu.toString(), dir.resolve("x").toString(), "--format", "sparsify");
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.lastErrorLine().contains("sparsify holds TopK SAEs; this one is relu"), r.err());
        Cli badFormat = Cli.run("convert", relu.toString(), dir.resolve("y").toString(), "--format", "onnx");
        assertEquals(1, badFormat.exitCode());
        assertTrue(badFormat.lastErrorLine().contains("--format must be saelens or sparsify, got 'onnx'"), badFormat.err());
        Cli same = Cli.run("convert", relu.toString(), relu.toString(), "--format", "saelens");
        assertEquals(1, same.exitCode());
        assertTrue(same.lastErrorLine().contains("is the input itself"), same.err());
    }
}
