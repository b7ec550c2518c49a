package dev.saestitch.metrics;

import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class FeatureRecoveryTest {

    @Test
    void matchesAFloat64ReferenceAcrossDecoderBlocks() {
        int t = 23, f = 301, d = 37;  // f spans two decoder blocks
        SplittableRandom rng = new SplittableRandom(6);
        try (Arena arena = Arena.ofConfined()) {
            Matrix truth = Matrix.allocate(arena, t, d), decoder = Matrix.allocate(arena, f, d);
            for (long i = 0; i < truth.size(); i++) truth.setFlat(i, (float) (3 * rng.nextGaussian()));
            for (long i = 0; i < decoder.size(); i++) decoder.setFlat(i, (float) (0.5 * rng.nextGaussian()));
            // plant noisy, rescaled copies of the first 9 true features at scattered decoder rows
            for (int k = 0; k < 9; k++) {
                int row = 17 + 31 * k;
                double noise = k < 6 ? 0.05 : 1.5;  // the last three end up below 0.9
                for (int c = 0; c < d; c++) decoder.set(row, c, (float) (2 * truth.get(k, c) + 3 * noise * rng.nextGaussian()));
            }
            for (int c = 0; c < d; c++) decoder.set(200, c, 0f);  // a zero row never wins

            FeatureRecovery.Result result = FeatureRecovery.score(truth, decoder);
            int recovered = 0;
            double meanBest = 0;
            for (int i = 0; i < t; i++) {
                double best = -2, second = -2;
                int arg = -1;
                for (int j = 0; j < f; j++) {
                    double cos = cosine(truth.row(i), decoder.row(j));
                    if (cos > best) { second = best; best = cos; arg = j; }
                    else if (cos > second) second = cos;
                }
                // float dot of unit rows of length 37: error below 1e-5
                assertEquals(best, result.maxCosine()[i], 1e-5, "max cosine of true feature " + i);
                if (best - second > 1e-4) assertEquals(arg, result.bestLatent()[i], "best latent of " + i);
                if (best >= FeatureRecovery.RECOVERED_COSINE) recovered++;
                meanBest += best / t;
            }
            assertTrue(recovered >= 6 && recovered < 9, recovered + " recovered");
            assertEquals((double) recovered / t, result.fractionRecovered(), 1e-12);
            assertEquals(meanBest, result.meanMaxCosine(), 1e-5);
        }
    }

    @Test
    void anEmptyDecoderRecoversNothing() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix truth = Matrix.of(arena, 2, 3, new float[] {1, 0, 0, 0, 2, 2});
            FeatureRecovery.Result result = FeatureRecovery.score(truth, Matrix.allocate(arena, 0, 3));
            assertArrayEquals(new float[] {0, 0}, result.maxCosine());
            assertArrayEquals(new int[] {-1, -1}, result.bestLatent());
            assertEquals(0, result.fractionRecovered());
            assertThrows(IllegalArgumentException.class, () -> FeatureRecovery.score(truth, Matrix.allocate(arena, 4, 2)));
        }
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }
}
