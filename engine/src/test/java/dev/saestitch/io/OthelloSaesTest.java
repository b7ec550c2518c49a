package dev.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.saestitch.testkit.Vectors.assertBitEqual;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The six real OthelloGPT SAEs (SAELens 3.4.0, ReLU, no b_dec centring; see the data README).
 * Every weight is compared with the raw bytes of the file, parsed here; a few entries and the
 * decoder row norms were also computed independently with numpy when this test was written.
 */
class OthelloSaesTest {

    private static final Path ROOT = Path.of(System.getProperty("saestitch.data", "../fixtures"), "othello-gpt-saes");

    @TempDir Path tmp;

    @Test void allSixLoadWithTheirShapesAndFlags() throws IOException {
        assertTrue(Files.isDirectory(ROOT), "real SAEs not found at " + ROOT + " (the copy lives in fixtures/; -Dsaestitch.data overrides)");
        for (int layer : new int[] {1, 3, 5})
            for (int width : new int[] {1024, 2048}) {
                Path dir = ROOT.resolve("blocks." + layer + ".hook_resid_pre.d" + width);
                try (Sae sae = SaeFiles.load(dir)) {
                    assertEquals(Architecture.RELU, sae.architecture());
                    assertEquals(128, sae.dIn());
                    assertEquals(width, sae.width());
                    assertFalse(sae.centreInput(), "apply_b_dec_to_input is false in these files");
                    assertNull(sae.threshold());
                    assertEquals(1f, sae.inputScale());
                    assertEquals("blocks." + layer + ".hook_resid_pre", sae.metadata().get("hook_name"));
                    assertEquals("my-own-othello-model", sae.metadata().get("model_name"));
                    assertEquals("3.4.0", sae.metadata().get("sae_lens_training_version"));
                    assertFalse(sae.metadata().containsKey("d_in"), "derived keys are not metadata");
                    compareWithRawBytes(sae, dir.resolve("sae_weights.safetensors"));
                }
            }
    }

    /** Parses the file by hand and checks every element of every tensor, W_enc transposed. */
    private static void compareWithRawBytes(Sae sae, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, n, StandardCharsets.UTF_8));
        int d = sae.dIn(), f = sae.width();
        long wEnc = 8 + n + header.get("W_enc").get("data_offsets").get(0).longValue();
        long wDec = 8 + n + header.get("W_dec").get("data_offsets").get(0).longValue();
        long bEnc = 8 + n + header.get("b_enc").get("data_offsets").get(0).longValue();
        long bDec = 8 + n + header.get("b_dec").get("data_offsets").get(0).longValue();
        for (int i = 0; i < f; i++) {
            assertEquals(buf.getFloat((int) (bEnc + 4L * i)), sae.bEnc().getFlat(i));
            for (int j = 0; j < d; j++) {
                assertEquals(buf.getFloat((int) (wEnc + 4L * ((long) j * f + i))), sae.wEnc().get(i, j));
                assertEquals(buf.getFloat((int) (wDec + 4L * ((long) i * d + j))), sae.wDec().get(i, j));
            }
        }
        for (int j = 0; j < d; j++) assertEquals(buf.getFloat((int) (bDec + 4L * j)), sae.bDec().getFlat(j));
    }

    /** Values printed by numpy from the files (np.frombuffer on the safetensors bytes), file orientation W_enc[d, f]. */
    @Test void entriesAndDecoderNormsMatchNumpy() {
        assertTrue(Files.isDirectory(ROOT), "real SAEs not found at " + ROOT);
        check("blocks.1.hook_resid_pre.d1024", new float[] {0.029701423f, 0.034056213f, 0.03979463f, 0.047930613f, 0.023294793f, 0.0872166f},
                0.027204664, 1.9024256);
        check("blocks.5.hook_resid_pre.d2048", new float[] {-0.0027922534f, 0.030165358f, -0.078779705f, -0.011607931f, -0.015069703f, 0.0028258422f},
                0.020034486, 1.5595616);
    }

    private static void check(String name, float[] numpy, double minNorm, double maxNorm) {
        try (Sae sae = SaeFiles.load(ROOT.resolve(name))) {
            assertEquals(numpy[0], sae.wEnc().get(17, 3), "W_enc[3, 17]");
            assertEquals(numpy[1], sae.wEnc().get(1000, 127), "W_enc[127, 1000]");
            assertEquals(numpy[2], sae.bEnc().getFlat(10), "b_enc[10]");
            assertEquals(numpy[3], sae.wDec().get(5, 2), "W_dec[5, 2]");
            assertEquals(numpy[4], sae.wDec().get(1023, 127), "W_dec[1023, 127]");
            assertEquals(numpy[5], sae.bDec().getFlat(7), "b_dec[7]");
            double min = Double.MAX_VALUE, max = 0;
            for (int i = 0; i < sae.width(); i++) {
                double s = 0;
                for (int j = 0; j < sae.dIn(); j++) s += (double) sae.wDec().get(i, j) * sae.wDec().get(i, j);
                min = Math.min(min, Math.sqrt(s));
                max = Math.max(max, Math.sqrt(s));
            }
            // numpy printed float32 norms: 1e-6 relative covers its float32 accumulation
            assertEquals(minNorm, min, 1e-6 * minNorm);
            assertEquals(maxNorm, max, 1e-6 * maxNorm);
        }
    }

    @Test void aRealSaeSurvivesASaveAndLoad() {
        assertTrue(Files.isDirectory(ROOT), "real SAEs not found at " + ROOT);
        Path out = tmp.resolve("copy");
        try (Sae sae = SaeFiles.load(ROOT.resolve("blocks.3.hook_resid_pre.d2048"))) {
            SaeFiles.save(sae, out);
            try (Sae back = SaeFiles.load(out)) {
                assertEquals(Architecture.RELU, back.architecture());
                assertFalse(back.centreInput());
                assertBitEqual(sae.wEnc(), back.wEnc(), "W_enc");
                assertBitEqual(sae.bEnc(), back.bEnc(), "b_enc");
                assertBitEqual(sae.wDec(), back.wDec(), "W_dec");
                assertBitEqual(sae.bDec(), back.bDec(), "b_dec");
                java.util.Map<String, Object> expected = new java.util.LinkedHashMap<>(sae.metadata());
                expected.put("sae_lens_version", "6.0.0"); // written in SAELens 6.x's layout; the training version stays
                assertEquals(expected, back.metadata());
            }
        }
    }
}
