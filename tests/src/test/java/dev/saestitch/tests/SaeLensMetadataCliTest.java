package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.extract.ActivationSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train} on activations with a sidecar (as {@code saestitch activations} writes it) saves
 * an SAELens 6.x cfg.json whose metadata block names the model, hook, context, corpus and BOS.
 */
class SaeLensMetadataCliTest {

    @TempDir Path dir;

    @Test void trainFillsSaeLensMetadataFromTheSidecar() throws IOException {
        Path data = dir.resolve("acts.npy");
        assertEquals(0, Cli.run("synth", "--dim", "16", "--rows", "3000", "--seed", "2", "--out", data.toString()).exitCode());
        new ActivationSidecar("all-MiniLM-L6-v2", "ab12", "tokenizer.json", "layer3", "/encoder/layer.3/Add_1_output_0",
                3000, 16, "float32", 128, 0, new int[] {101}, new int[] {102}, 7, 30, List.of("brown/ca01.txt", "brown/ca02.txt"))
                .writeBeside(data);
        Path sae = dir.resolve("sae");
        Cli train = Cli.run("train", "--arch", "topk", "--width", "32", "--k", "4", "--data", data.toString(), "--tokens", "5120",
                "--batch", "256", "--eval-rows", "1024", "--out", sae.toString());
        assertEquals(0, train.exitCode(), train.err());
        JsonNode cfg = new ObjectMapper().readTree(sae.resolve("cfg.json").toFile());
        JsonNode m = cfg.get("metadata");
        assertEquals("6.0.0", m.get("sae_lens_version").textValue());
        assertEquals("all-MiniLM-L6-v2", m.get("model_name").textValue());
        assertEquals("/encoder/layer.3/Add_1_output_0", m.get("hook_name").textValue());
        assertEquals(128, m.get("context_size").intValue());
        assertEquals("brown/ca01.txt, brown/ca02.txt", m.get("dataset_path").textValue());
        assertTrue(m.get("prepend_bos").booleanValue());
        assertFalse(cfg.has("model_name"), "SAELens 6.x keeps these in the metadata block only");
        assertTrue(java.nio.file.Files.isRegularFile(sae.resolve("sparsity.safetensors")), "the firing frequencies measured by the evaluation");
    }
}
