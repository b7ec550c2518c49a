package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reported max cosines against the float64 cosine matrix of {@link Reference}: for every
 * latent at or above θ − errorBound the exact float64 maximum and its argmax (1e-12), whatever the
 * GEMM's noise; below it the float32 maximum, within errorBound. Large rows planted at cosines
 * θ ± 1e-4 of small rows, so that a float32 GEMM with noise 1e-3 could misplace them, and a
 * duplicate small row so that the argmax has a tie to break (the smaller index).
 */
class LargeMaxCosinesTest {

    @Test void exactWhereTheClassCouldDependOnPrecision() {
        int d = 23, fs = 41, fl = 57;
        double theta = 0.7;
        Random rnd = new Random(17);
        try (Arena arena = Arena.ofShared()) {
            Matrix small = TestData.randomRows(arena, rnd, fs, d), large = TestData.randomRows(arena, rnd, fl, d);
            Vectors.setRow(small, 40, Vectors.scaled(Vectors.row(small, 3), 2));   // S-latent 40 is S-latent 3 doubled: equal cosines
            double[] planted = {theta - 1e-4, theta + 1e-4, theta - 3e-3, theta + 3e-3, 0.95};
            for (int k = 0; k < planted.length; k++)
                Vectors.setRow(large, k, Vectors.scaled(TestData.atCosine(rnd, Vectors.unit(Vectors.row(small, 3 + 7 * (k % 3))), planted[k]), 0.3 + k));
            double[][] cos = Vectors.cosines(large, small);
            Backend noisy = new CpuBackend(new NoisyGemm(1e-3f, 3), "");
            DictionaryComparison cmp = DictionaryComparison.compare(noisy, large, small, theta, TileShape.forBudget(4096, fl, fs));
            LargeMaxCosines got = LargeMaxCosines.of(cmp, large, small);
            LatentClasses classes = LatentClasses.of(cmp);
            double band = theta - MaxCosine.errorBound(d);
            int exact = 0;
            for (int i = 0; i < fl; i++) {
                double max = Reference.rowMax(cos[i]);
                int arg = 0;
                while (cos[i][arg] != max) arg++;
                assertEquals(max < theta, classes.isNovel(i), "latent " + i);
                assertEquals(classes.isNovel(i), got.max()[i] < theta, "the reported m_" + i + " agrees with its class");
                if (got.max()[i] >= band || max >= band) {
                    assertEquals(max, got.max()[i], 1e-12, "latent " + i);
                    assertEquals(arg, got.argmax()[i], "latent " + i);
                    exact++;
                } else {
                    assertEquals(max, got.max()[i], MaxCosine.errorBound(d), "latent " + i);
                }
            }
            assertTrue(exact >= planted.length, exact + " latents near or above θ");
            assertEquals(3, got.argmax()[3], "L-latent 3 ties between S-latents 3 and 40: the smaller wins");
        }
    }
}
