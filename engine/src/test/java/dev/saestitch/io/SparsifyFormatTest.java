package dev.saestitch.io;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import dev.saestitch.testkit.SaeReference;

import static dev.saestitch.io.RawFiles.shape;
import static dev.saestitch.testkit.Vectors.assertBitEqual;
import static dev.saestitch.testkit.Vectors.maxAbs;
import static dev.saestitch.testkit.Vectors.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/** sparsify directories assembled by hand: cfg.json as sparsify's save_to_disk writes it, raw safetensors bytes. */
class SparsifyFormatTest {

    @TempDir Path tmp;

    @Test void loadsAsTopKWithCentringAndKeepsTheConfig() throws IOException {
        int d = 7, f = 24;
        SplittableRandom rnd = new SplittableRandom(21);
        float[] enc = RawFiles.gaussians(rnd, f * d), bEnc = RawFiles.gaussians(rnd, f);
        float[] dec = RawFiles.gaussians(rnd, f * d), bDec = RawFiles.gaussians(rnd, d);
        Path dir = Files.createDirectories(tmp.resolve("layers.3"));
        new RawFiles.SafetensorsBuilder()
                .f32("b_dec", shape(d), bDec)
                .f32("encoder.bias", shape(f), bEnc)
                .f32("encoder.weight", shape(f, d), enc)
                .f32("W_dec", shape(f, d), dec)
                .write(dir.resolve("sae.safetensors"));
        Files.writeString(dir.resolve("cfg.json"), "{\"activation\": \"topk\", \"expansion_factor\": 32, \"normalize_decoder\": true, "
                + "\"num_latents\": 24, \"k\": 4, \"multi_topk\": false, \"skip_connection\": false, \"transcode\": false, \"d_in\": 7}");
        try (Sae sae = SaeFiles.load(dir)) {
            assertEquals(Architecture.TOPK, sae.architecture());
            assertEquals(4, sae.k());
            assertTrue(sae.centreInput(), "sparsify subtracts b_dec before encoding");
            assertEquals(d, sae.dIn());
            assertEquals(f, sae.width());
            assertArrayEquals(enc, sae.wEnc().toArray(), "encoder.weight is already (F, D)");
            assertArrayEquals(bEnc, sae.bEnc().toArray());
            assertArrayEquals(dec, sae.wDec().toArray());
            assertArrayEquals(bDec, sae.bDec().toArray());
            assertEquals(true, sae.metadata().get("normalize_decoder"));
            assertEquals(false, sae.metadata().get("multi_topk"));
            assertFalse(sae.metadata().containsKey("k"));
            assertFalse(sae.metadata().containsKey("d_in"));

            // and on into the SAELens layout, unchanged
            Path out = tmp.resolve("as-saelens");
            SaeFiles.save(sae, out);
            try (Sae back = SaeFiles.load(out)) {
                assertEquals(Architecture.TOPK, back.architecture());
                assertEquals(4, back.k());
                assertTrue(back.centreInput());
                assertBitEqual(sae.wEnc(), back.wEnc(), "W_enc");
                assertBitEqual(sae.wDec(), back.wDec(), "W_dec");
                assertBitEqual(sae.bEnc(), back.bEnc(), "b_enc");
                assertBitEqual(sae.bDec(), back.bDec(), "b_dec");
            }
        }
    }

    /** No d_in in the config (taken from the shapes), F from expansion_factor, weights in bfloat16. */
    @Test void takesShapesFromTheTensorsAndConvertsBfloat16() throws IOException {
        int d = 5, f = 15;
        SplittableRandom rnd = new SplittableRandom(22);
        float[] enc = RawFiles.exactValues(rnd, f * d, 8), bEnc = RawFiles.exactValues(rnd, f, 8);
        float[] dec = RawFiles.exactValues(rnd, f * d, 8), bDec = RawFiles.exactValues(rnd, d, 8);
        Path dir = Files.createDirectories(tmp.resolve("bf16"));
        new RawFiles.SafetensorsBuilder()
                .add("encoder.weight", "BF16", shape(f, d), RawFiles.bf16le(enc))
                .add("encoder.bias", "BF16", shape(f), RawFiles.bf16le(bEnc))
                .add("W_dec", "BF16", shape(f, d), RawFiles.bf16le(dec))
                .add("b_dec", "BF16", shape(d), RawFiles.bf16le(bDec))
                .write(dir.resolve("sae.safetensors"));
        Files.writeString(dir.resolve("cfg.json"), "{\"expansion_factor\": 3, \"num_latents\": 0, \"k\": 2, \"signed\": false}");
        try (Sae sae = SaeFiles.load(dir.resolve("cfg.json"))) {
            assertEquals(d, sae.dIn());
            assertEquals(f, sae.width());
            assertEquals(2, sae.k());
            assertArrayEquals(enc, sae.wEnc().toArray());
            assertArrayEquals(bEnc, sae.bEnc().toArray());
            assertArrayEquals(dec, sae.wDec().toArray());
            assertArrayEquals(bDec, sae.bDec().toArray());
            assertEquals(false, sae.metadata().get("signed"));
        }
    }

    /**
     * A sparsify run root (one folder per hookpoint and the run's config.json): naming the root lists
     * the hookpoints; naming one loads it with its hookpoint and model.
     */
    @Test void readsARunRootAsSparsifySavesIt() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(root.resolve("config.json"), "{\"model\": \"EleutherAI/pythia-70m\", \"hookpoints\": [\"layers.1\", \"layers.3.mlp\"]}");
        SplittableRandom rnd = new SplittableRandom(23);
        for (String hook : new String[] {"layers.1", "layers.3.mlp"}) {
            Path dir = Files.createDirectories(root.resolve(hook));
            new RawFiles.SafetensorsBuilder()
                    .f32("encoder.weight", shape(6, 4), RawFiles.gaussians(rnd, 24)).f32("encoder.bias", shape(6), RawFiles.gaussians(rnd, 6))
                    .f32("W_dec", shape(6, 4), RawFiles.gaussians(rnd, 24)).f32("b_dec", shape(4), RawFiles.gaussians(rnd, 4))
                    .write(dir.resolve("sae.safetensors"));
            Files.writeString(dir.resolve("cfg.json"), "{\"num_latents\": 6, \"k\": 2, \"d_in\": 4}");
        }
        SaeFileException listed = assertThrows(SaeFileException.class, () -> SaeFiles.load(root));
        assertTrue(listed.getMessage().contains("[layers.1, layers.3.mlp], pick one"), listed.getMessage());
        try (Sae sae = SaeFiles.load(root.resolve("layers.3.mlp"))) {
            assertEquals("layers.3.mlp", sae.metadata().get("hook_name"));
            assertEquals("EleutherAI/pythia-70m", sae.metadata().get("model_name"));
        }
    }

    /**
     * Writing the sparsify layout keeps the function: a TopK SAE with an input scale, centring its
     * input or not, read back (a plain sparsify SAE, scale 1, centring) reconstructs random inputs
     * as the original does, in float64 from each one's float32 weights, to 1e-5 of the output scale.
     */
    @Test void writtenSparsifySaesComputeTheSameFunction() throws IOException {
        for (boolean centre : new boolean[] {true, false}) {
            Path dir = tmp.resolve("written-" + centre);
            try (Sae sae = SaeReference.random(Architecture.TOPK, 7, 19, 3, centre, 0.37f, centre ? 1 : 2)) {
                SaeFiles.save(sae, dir, SaeFiles.Format.SPARSIFY);
                SplittableRandom rnd = new SplittableRandom(3);
                float[][] x = new float[40][];
                for (int b = 0; b < x.length; b++) x[b] = RawFiles.gaussians(rnd, 7);
                double[][] expected = SaeReference.reconstruct(sae, SaeReference.codes(sae, SaeReference.preActivations(sae, x)).f());
                try (Sae back = SaeFiles.load(dir)) {
                    assertEquals(Architecture.TOPK, back.architecture());
                    assertTrue(back.centreInput());
                    assertEquals(1f, back.inputScale());
                    double[][] actual = SaeReference.reconstruct(back, SaeReference.codes(back, SaeReference.preActivations(back, x)).f());
                    assertTrue(maxAbsDiff(expected, actual) <= 1e-5 * maxAbs(expected), "centre " + centre + ": " + maxAbsDiff(expected, actual));
                }
            }
        }
        try (Sae relu = SaeReference.random(Architecture.RELU, 4, 6, 0, true, 1f, 4)) {
            SaeFileException e = assertThrows(SaeFileException.class, () -> SaeFiles.save(relu, tmp.resolve("relu"), SaeFiles.Format.SPARSIFY));
            assertTrue(e.getMessage().contains("sparsify holds TopK SAEs; this one is relu"), e.getMessage());
        }
    }
}
