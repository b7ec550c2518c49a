package dev.saestitch.meta;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Meta-latents against a plain SAE: each meta-latent's max decoder cosine and its argmax, and
 * each plain latent's, against float64 cosines; planted copies are found at cosine 1.
 */
class MetaComparisonTest {

    private static final int WM = 11, WP = 23, D = 9;

    @Test void maxCosinesMatchFloat64() {
        SplittableRandom rng = new SplittableRandom(5);
        Backend backend = new CpuBackend(new JavaGemm(), "test");
        try (Sae meta = new Sae(Architecture.BATCHTOPK, D, WM, 2, true); Sae plain = new Sae(Architecture.RELU, D, WP, 0, false)) {
            for (long i = 0; i < meta.wDec().size(); i++) meta.wDec().setFlat(i, (float) rng.nextGaussian());
            for (long i = 0; i < plain.wDec().size(); i++) plain.wDec().setFlat(i, (float) rng.nextGaussian());
            for (int c = 0; c < D; c++) plain.wDec().set(17, c, 3 * meta.wDec().get(4, c));   // meta-latent 4 is plain latent 17, rescaled
            MetaComparison cmp = MetaComparison.of(backend, meta, plain);
            double tol = MaxCosine.errorBound(D);
            double sum = 0;
            for (int i = 0; i < WM; i++) {
                int best = -1;
                double bestCos = -2;
                for (int j = 0; j < WP; j++) {
                    double c = cosine(meta, i, plain, j);
                    if (c > bestCos) { bestCos = c; best = j; }
                }
                assertEquals(bestCos, cmp.maxCosine()[i], tol, "meta-latent " + i);
                assertEquals(best, cmp.closest()[i], "meta-latent " + i);   // no near-ties among Gaussian rows in 9 dimensions at this seed
                sum += bestCos;
            }
            for (int j = 0; j < WP; j++) {
                double bestCos = -2;
                for (int i = 0; i < WM; i++) bestCos = Math.max(bestCos, cosine(meta, i, plain, j));
                assertEquals(bestCos, cmp.plainMaxCosine()[j], tol, "plain latent " + j);
            }
            assertEquals(1.0, cmp.maxCosine()[4], tol);
            assertEquals(17, cmp.closest()[4]);
            assertEquals(sum / WM, cmp.meanMaxCosine(), tol);
        }
    }

    @Test void refusesSaesOfDifferentDimensions() {
        Backend backend = new CpuBackend(new JavaGemm(), "test");
        try (Sae meta = new Sae(Architecture.BATCHTOPK, D, WM, 2, true); Sae plain = new Sae(Architecture.RELU, D + 1, WP, 0, false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetaComparison.of(backend, meta, plain));
            assertTrue(e.getMessage().contains("dimensions 9 and 10"), e.getMessage());
        }
    }

    private static double cosine(Sae a, int i, Sae b, int j) {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < D; c++) {
            double x = a.wDec().get(i, c), y = b.wDec().get(j, c);
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }
}
