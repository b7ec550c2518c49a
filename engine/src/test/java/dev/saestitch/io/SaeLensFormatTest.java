package dev.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.saestitch.testkit.SaeReference;

import static dev.saestitch.testkit.Vectors.assertBitEqual;
import static dev.saestitch.testkit.Vectors.maxAbs;
import static dev.saestitch.testkit.Vectors.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

class SaeLensFormatTest {

    @TempDir Path tmp;

    private static final int D = 13, F = 37, K = 5;

    @ParameterizedTest @EnumSource(Architecture.class)
    void roundTripIsBitIdentical(Architecture a) throws IOException {
        Path dir = tmp.resolve("sae-" + a.cliName());
        try (Sae sae = SaeReference.random(a, D, F, K, a != Architecture.JUMPRELU, 1f, 100 + a.ordinal())) {
            Map<String, Object> nested = new LinkedHashMap<>();
            nested.put("hook_name", "blocks.3.hook_resid_post");
            nested.put("context_size", 128);
            sae.metadata().put("model_name", "gpt2");
            sae.metadata().put("metadata", nested);
            sae.metadata().put("l1_coefficient", 0.01);
            sae.metadata().put("hook_head_index", null);
            sae.metadata().put("seqpos_slice", List.of(1, 2));
            SaeFiles.save(sae, dir);
            try (Sae back = SaeFiles.load(dir)) {
                assertEquals(a, back.architecture());
                assertEquals(sae.k(), back.k());
                assertEquals(sae.centreInput(), back.centreInput());
                assertEquals(1f, back.inputScale());
                assertBitEqual(sae.wEnc(), back.wEnc(), "W_enc");
                assertBitEqual(sae.bEnc(), back.bEnc(), "b_enc");
                assertBitEqual(sae.wDec(), back.wDec(), "W_dec");
                assertBitEqual(sae.bDec(), back.bDec(), "b_dec");
                assertBitEqual(sae.threshold(), back.threshold(), "threshold");
                // SAELens 6.x's usage keys read back flat, whether they were flat or nested; the rest of the block stays nested
                Map<String, Object> expected = new LinkedHashMap<>(sae.metadata());
                expected.put("hook_name", "blocks.3.hook_resid_post");
                expected.put("context_size", 128);
                expected.remove("metadata");
                expected.put("sae_lens_version", "6.0.0");
                expected.put("sae_lens_training_version", null);
                assertEquals(expected, back.metadata());
                Path again = tmp.resolve("again-" + a.cliName());
                SaeFiles.save(back, again);
                assertEquals(Files.readString(dir.resolve("cfg.json")), Files.readString(again.resolve("cfg.json")), "a second trip writes the same cfg.json");
            }
            checkWrittenLayout(sae, dir);
        }
    }

    /** The files as SAELens (and Python's safetensors) read them, parsed here without our reader. */
    private static void checkWrittenLayout(Sae sae, Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            assertEquals(List.of("cfg.json", "sae_weights.safetensors"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("cfg.json").toFile());
        assertEquals(D, cfg.get("d_in").intValue());
        assertEquals(F, cfg.get("d_sae").intValue());
        assertEquals("float32", cfg.get("dtype").textValue());
        assertEquals("none", cfg.get("normalize_activations").textValue());
        JsonNode block = cfg.get("metadata");
        assertEquals("6.0.0", block.get("sae_lens_version").textValue());
        assertEquals("gpt2", block.get("model_name").textValue(), "usage keys go into SAELens 6.x's metadata block");
        assertEquals("blocks.3.hook_resid_post", block.get("hook_name").textValue());
        assertEquals(128, block.get("context_size").intValue());
        assertFalse(cfg.has("model_name") || cfg.has("hook_name"), "not also at the top level");
        assertEquals(0.01, cfg.get("l1_coefficient").doubleValue(), "other keys stay at the top level");
        assertEquals(sae.centreInput(), cfg.get("apply_b_dec_to_input").booleanValue());
        String expectedArch = switch (sae.architecture()) {
            case RELU -> "standard";
            case TOPK -> "topk";
            case JUMPRELU, BATCHTOPK -> "jumprelu";
        };
        assertEquals(expectedArch, cfg.get("architecture").textValue());
        if (sae.architecture() == Architecture.TOPK) assertEquals(K, cfg.get("k").intValue());
        if (sae.architecture() == Architecture.BATCHTOPK) {
            assertEquals("batchtopk", cfg.get("saestitch_architecture").textValue());
            assertEquals(K, cfg.get("saestitch_k").intValue());
        }

        byte[] bytes = Files.readAllBytes(dir.resolve("sae_weights.safetensors"));
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, n, StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(names::add);
        List<String> expected = new ArrayList<>(List.of("W_dec", "W_enc", "b_dec", "b_enc"));
        if (sae.threshold() != null) expected.add("threshold");
        assertEquals(expected, names);
        JsonNode wEnc = header.get("W_enc");
        assertEquals("[" + D + "," + F + "]", wEnc.get("shape").toString(), "W_enc is stored [d_in, d_sae]");
        long begin = wEnc.get("data_offsets").get(0).longValue();
        for (int d = 0; d < D; d++)
            for (int f = 0; f < F; f++)
                assertEquals(sae.wEnc().get(f, d), buf.getFloat((int) (8 + n + begin + 4L * (d * F + f))));
        assertEquals("[" + F + "]", header.get("b_enc").get("shape").toString());
        assertEquals("[" + D + "]", header.get("b_dec").get("shape").toString());
    }

    /**
     * The input scale is folded into the weights: applying the written SAE to raw x gives the same
     * pre-activations and reconstructions as applying the original with its scale. Every folded
     * weight is one float32 rounding away from its exact value, so with D = 13 terms the float64
     * forward passes agree to 1e-5 relative to the largest value.
     */
    @ParameterizedTest @EnumSource(Architecture.class)
    void inputScaleIsFoldedIntoTheWeights(Architecture a) {
        for (boolean centre : new boolean[] {true, false}) {
            float s = 0.37f;
            Path dir = tmp.resolve("scaled-" + a.cliName() + "-" + centre);
            try (Sae sae = SaeReference.random(a, D, F, K, centre, s, 200 + a.ordinal())) {
                SaeFiles.save(sae, dir);
                try (Sae back = SaeFiles.load(dir)) {
                    assertEquals(1f, back.inputScale());
                    assertBitEqual(sae.bEnc(), back.bEnc(), "b_enc is unchanged");
                    assertBitEqual(sae.threshold(), back.threshold(), "thresholds are unchanged");
                    for (int i = 0; i < F; i++)
                        for (int j = 0; j < D; j++) {
                            assertEquals(sae.wEnc().get(i, j) * (double) s, back.wEnc().get(i, j), Math.ulp(back.wEnc().get(i, j)));
                            assertEquals(sae.wDec().get(i, j) / (double) s, back.wDec().get(i, j), Math.ulp(back.wDec().get(i, j)));
                        }
                    for (int j = 0; j < D; j++)
                        assertEquals(sae.bDec().getFlat(j) / (double) s, back.bDec().getFlat(j), Math.ulp(back.bDec().getFlat(j)));

                    float[][] x = new float[9][];
                    SplittableRandom rnd = new SplittableRandom(300 + a.ordinal());
                    for (int b = 0; b < x.length; b++) {
                        x[b] = RawFiles.gaussians(rnd, D);
                        for (int j = 0; j < D; j++) x[b][j] *= 3; // raw activations, larger than the normalised ones
                    }
                    double[][] z = SaeReference.preActivations(sae, x), zBack = SaeReference.preActivations(back, x);
                    assertTrue(maxAbsDiff(z, zBack) <= 1e-5 * maxAbs(z), a + ": z differs by " + maxAbsDiff(z, zBack));
                    double[][] xHat = SaeReference.reconstruct(sae, SaeReference.codes(sae, z).f()), xHatBack = SaeReference.reconstruct(back, SaeReference.codes(back, zBack).f());
                    assertTrue(maxAbs(SaeReference.codes(sae, z).f()) > 0, "some latents fire");
                    assertTrue(maxAbsDiff(xHat, xHatBack) <= 1e-5 * maxAbs(xHat), a + ": x̂ differs by " + maxAbsDiff(xHat, xHatBack));
                }
            }
        }
    }

    @Test void savingReplacesAnSaeDirectoryButNothingElse() throws IOException {
        Path dir = tmp.resolve("out");
        try (Sae first = SaeReference.random(Architecture.RELU, D, F, 0, true, 1f, 1);
             Sae second = SaeReference.random(Architecture.TOPK, D, F + 2, K, true, 1f, 2)) {
            SaeFiles.save(first, dir);
            SaeFiles.save(second, dir);
            try (Sae back = SaeFiles.load(dir)) {
                assertEquals(Architecture.TOPK, back.architecture());
                assertBitEqual(second.wDec(), back.wDec(), "the second save replaced the first");
            }
            try (var siblings = Files.list(tmp)) {
                assertEquals(List.of(dir), siblings.toList(), "no temporary or old directories left");
            }
            Path plainDir = Files.createDirectory(tmp.resolve("plain"));
            Path plainFile = Files.createFile(plainDir.resolve("f"));
            assertEquals(Files.getPosixFilePermissions(plainDir), Files.getPosixFilePermissions(dir), "directory permissions follow the umask");
            assertEquals(Files.getPosixFilePermissions(plainFile), Files.getPosixFilePermissions(dir.resolve("cfg.json")));
            assertEquals(Files.getPosixFilePermissions(plainFile), Files.getPosixFilePermissions(dir.resolve("sae_weights.safetensors")));

            Path foreign = tmp.resolve("mine");
            Files.createDirectories(foreign);
            Files.writeString(foreign.resolve("notes.txt"), "precious");
            SaeFileException e = assertThrows(SaeFileException.class, () -> SaeFiles.save(first, foreign));
            assertTrue(e.getMessage().startsWith(foreign + ": exists and holds [notes.txt]"), e.getMessage());
            assertEquals("precious", Files.readString(foreign.resolve("notes.txt")));

            Path file = Files.writeString(tmp.resolve("file"), "x");
            e = assertThrows(SaeFileException.class, () -> SaeFiles.save(first, file));
            assertTrue(e.getMessage().startsWith(file + ": exists and is not a directory"), e.getMessage());
        }
    }

    @Test void readsTheOldSaeLensTopKConvention() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("old-topk"));
        SplittableRandom rnd = new SplittableRandom(5);
        int d = 4, f = 6;
        new RawFiles.SafetensorsBuilder()
                .f32("W_enc", RawFiles.shape(d, f), RawFiles.gaussians(rnd, d * f))
                .f32("b_enc", RawFiles.shape(f), RawFiles.gaussians(rnd, f))
                .f32("W_dec", RawFiles.shape(f, d), RawFiles.gaussians(rnd, f * d))
                .f32("b_dec", RawFiles.shape(d), RawFiles.gaussians(rnd, d))
                .f32("scaling_factor", RawFiles.shape(f), new float[] {1, 1, 1, 1, 1, 1})
                .write(dir.resolve("sae_weights.safetensors"));
        Files.writeString(dir.resolve("cfg.json"),
                "{\"d_in\": 4, \"d_sae\": 6, \"activation_fn_str\": \"topk\", \"activation_fn_kwargs\": {\"k\": 3}, \"hook_point\": \"blocks.0\"}");
        try (Sae sae = SaeFiles.load(dir)) {
            assertEquals(Architecture.TOPK, sae.architecture());
            assertEquals(3, sae.k());
            assertTrue(sae.centreInput(), "apply_b_dec_to_input defaults to true");
            assertEquals("blocks.0", sae.metadata().get("hook_point"));
        }
    }

    /**
     * SAELens TopK with {@code rescale_acts_by_decoder_norm}: codes = TopK(ReLU(n ⊙ z)), x̂ = (codes / n)·W_dec + b_dec,
     * n the decoder row norms (not 1 here). The loaded SAE computes the same function as that
     * float64 reference, to float32 rounding (relative 1e-5), and its decoder rows are unit norm.
     */
    @Test void readsRescaleActsByDecoderNormAsTheSameFunction() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("rescaled"));
        SplittableRandom rnd = new SplittableRandom(6);
        int d = 9, f = 20, k = 4, rows = 50;
        float[] wEnc = RawFiles.gaussians(rnd, d * f), bEnc = RawFiles.gaussians(rnd, f), wDec = RawFiles.gaussians(rnd, f * d), bDec = RawFiles.gaussians(rnd, d);
        for (int i = 0; i < f; i++) for (int j = 0; j < d; j++) wDec[i * d + j] *= 0.2f + i * 0.3f; // norms far from 1
        new RawFiles.SafetensorsBuilder()
                .f32("W_enc", RawFiles.shape(d, f), wEnc).f32("b_enc", RawFiles.shape(f), bEnc)
                .f32("W_dec", RawFiles.shape(f, d), wDec).f32("b_dec", RawFiles.shape(d), bDec)
                .write(dir.resolve("sae_weights.safetensors"));
        Files.writeString(dir.resolve("cfg.json"), "{\"d_in\": 9, \"d_sae\": 20, \"architecture\": \"topk\", \"k\": 4,"
                + " \"apply_b_dec_to_input\": true, \"rescale_acts_by_decoder_norm\": true}");
        float[][] x = new float[rows][];
        for (int b = 0; b < rows; b++) x[b] = RawFiles.gaussians(rnd, d);
        double[][] expected = new double[rows][d];
        for (int b = 0; b < rows; b++) {
            double[] z = new double[f], norm = new double[f];
            for (int i = 0; i < f; i++) {
                for (int j = 0; j < d; j++) norm[i] += (double) wDec[i * d + j] * wDec[i * d + j];
                norm[i] = Math.sqrt(norm[i]);
                double acc = bEnc[i];
                for (int j = 0; j < d; j++) acc += ((double) x[b][j] - bDec[j]) * wEnc[j * f + i];
                z[i] = Math.max(0, acc * norm[i]);
            }
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[f - k];
            for (int j = 0; j < d; j++) expected[b][j] = bDec[j];
            for (int i = 0; i < f; i++)
                if (z[i] >= kth && z[i] > 0)
                    for (int j = 0; j < d; j++) expected[b][j] += z[i] / norm[i] * wDec[i * d + j];
        }
        try (Sae sae = SaeFiles.load(dir)) {
            assertEquals(Architecture.TOPK, sae.architecture());
            assertFalse(sae.metadata().containsKey("rescale_acts_by_decoder_norm"), "folded, so not written back");
            for (int i = 0; i < f; i++) {
                double sq = 0;
                for (int j = 0; j < d; j++) sq += (double) sae.wDec().get(i, j) * sae.wDec().get(i, j);
                assertEquals(1, Math.sqrt(sq), 1e-6, "row " + i);
            }
            double[][] actual = SaeReference.reconstruct(sae, SaeReference.codes(sae, SaeReference.preActivations(sae, x)).f());
            assertTrue(maxAbsDiff(expected, actual) <= 1e-5 * maxAbs(expected), maxAbsDiff(expected, actual) + " vs scale " + maxAbs(expected));
        }
    }

    /** sparsity.safetensors: log10(count / samples + 1e-10) per latent, in float32, as SAELens writes it; a dead latent gives -10. */
    @Test void writesFiringFrequenciesAsSaeLensDoes() throws IOException {
        Path dir = tmp.resolve("with-sparsity");
        long[] counts = new long[F];
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 1; i < F; i++) counts[i] = rnd.nextLong(1, 1000);
        try (Sae sae = SaeReference.random(Architecture.TOPK, D, F, K, true, 1f, 8); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            SaeFiles.save(sae, dir, counts, 1000);
            Matrix written = Safetensors.open(dir.resolve("sparsity.safetensors"), arena).tensor("sparsity").readFloat32(arena);
            assertEquals(F, written.size());
            for (int i = 0; i < F; i++) assertEquals((float) Math.log10(counts[i] / 1000.0 + 1e-10), written.getFlat(i), "latent " + i);
            assertEquals(-10f, written.getFlat(0), 1e-5f);
            try (Sae back = SaeFiles.load(dir.resolve("sparsity.safetensors"))) {
                assertBitEqual(sae.wDec(), back.wDec(), "an SAE with a sparsity file still loads");
            }
        }
    }
}
