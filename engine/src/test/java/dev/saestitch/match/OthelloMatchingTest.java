package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static dev.saestitch.match.TestSaes.*;
import static dev.saestitch.testkit.Vectors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The real OthelloGPT SAEs (d_in 128; see the data README): a permuted, rescaled copy of one is
 * fully shared with it; real pairs at different layers, or of different widths at one layer,
 * match exactly as an independent float64 computation (float64 cosines, the Hungarian reference)
 * finds them.
 */
class OthelloMatchingTest {

    private static final Path ROOT = Path.of(System.getProperty("saestitch.data", "../fixtures"), "othello-gpt-saes");

    private final Backend backend = Backends.select("cpu");

    private static Path sae(int layer, int width) {
        return ROOT.resolve("blocks." + layer + ".hook_resid_pre.d" + width);
    }

    /**
     * Exact on ties: the copy's latents are the same functions (encoder row ×s, decoder row ÷s),
     * and layer 1's SAEs hold near-duplicate latents (decoder cosine 0.9999999) that float32
     * cosines cannot tell apart; each latent must be paired with its own copy in both matchings.
     * Without the float64 refinement the seeds 3 (1024 wide) and 1 (2048 wide) share 99.8% and 99.9%.
     */
    @ParameterizedTest
    @CsvSource({"1, 1024, 3", "1, 1024, 12", "1, 2048, 1", "3, 2048, 7", "5, 2048, 9"})
    void aPermutedCopyOfARealSaeIsFullyShared(int layer, int width, long seed) {
        assertTrue(Files.isDirectory(sae(layer, width)), "real SAEs not found at " + ROOT + " (the copy lives in fixtures/; -Dsaestitch.data overrides)");
        Random rnd = new Random(seed);
        try (Sae a = SaeFiles.load(sae(layer, width)); Sae b = a.copy()) {
            int[] perm = KnownPermutations.random(rnd, a.width());   // b's latent j is a's perm[j], rescaled
            for (int j = 0; j < a.width(); j++) {
                double s = Math.exp(rnd.nextGaussian());
                setRow(b.wDec(), j, scaled(row(a.wDec(), perm[j]), 1 / s));
                setRow(b.wEnc(), j, scaled(row(a.wEnc(), perm[j]), s));
            }
            PairMatch m = SeedMatching.match(backend, a, b);
            assertEquals(1.0, m.sharedFraction());
            assertArrayEquals(inverse(perm), m.decoderPartner());
            assertArrayEquals(inverse(perm), m.encoderPartner());
            assertTrue(m.meanMaxCosine() <= 1, "mean max cosine " + m.meanMaxCosine());
        }
    }

    /**
     * Against float64 cosines and the Hungarian reference: each assignment's float64 total equal to
     * the float64 optimum to 1e-9 relative, and every partner and shared decision identical (at
     * layer 1, 1024-wide latents 136 and 648 each have decoder cosine ≈ 0.995 with both 2048-wide
     * latents 1317 and 1573, and the two ways of pairing them differ by under 1e-6 in total, which
     * float32 cosines cannot order).
     */
    @ParameterizedTest
    @CsvSource({"1, 1024, 3, 1024", "1, 1024, 1, 2048"})
    void realPairsMatchAFloat64Reference(int layerA, int widthA, int layerB, int widthB) {
        assertTrue(Files.isDirectory(sae(layerA, widthA)) && Files.isDirectory(sae(layerB, widthB)), "real SAEs not found at " + ROOT);
        try (Sae a = SaeFiles.load(sae(layerA, widthA)); Sae b = SaeFiles.load(sae(layerB, widthB))) {
            PairMatch m = SeedMatching.match(backend, a, b);
            double[][] dec = cosines(a.wDec(), b.wDec()), enc = cosines(a.wEnc(), b.wEnc());   // (F_A, F_B), F_A ≤ F_B
            Hungarian.Result refDec = Hungarian.solve(dec, true), refEnc = Hungarian.solve(enc, true);
            assertEquals(refDec.total(), sum(m.decoderCosine()), 1e-9 * Math.abs(refDec.total()), "decoder total");
            assertEquals(refEnc.total(), sum(m.encoderCosine()), 1e-9 * Math.abs(refEnc.total()), "encoder total");
            assertArrayEquals(refDec.colOfRow(), m.decoderPartner(), "decoder partners");
            assertArrayEquals(refEnc.colOfRow(), m.encoderPartner(), "encoder partners");
            for (int i = 0; i < widthA; i++) {
                int p = refDec.colOfRow()[i];
                boolean shared = p == refEnc.colOfRow()[i] && dec[i][p] >= 0.7 && enc[i][p] >= 0.7;
                assertEquals(shared, m.isShared(i), "latent " + i);
            }
        }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
