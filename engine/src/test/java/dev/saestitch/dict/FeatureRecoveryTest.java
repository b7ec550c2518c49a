package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class FeatureRecoveryTest {

    private final Backend backend = Backends.select("cpu");

    /**
     * Both directions against float64 brute force on random rows with planted noisy, rescaled
     * copies: each max within {@link MaxCosine#errorBound} of the float64 one, the argmax the same
     * wherever the runner-up trails by more than twice that, never above 1.
     */
    @Test
    void matchesAFloat64ReferenceBothWays() {
        int t = 23, f = 301, d = 37;
        SplittableRandom rng = new SplittableRandom(6);
        try (Arena arena = Arena.ofShared()) {
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
            for (int c = 0; c < d; c++) decoder.set(250, c, 7 * truth.get(3, c));  // an exact copy: cosine 1, not above

            FeatureRecovery.BothWays both = FeatureRecovery.scoreBothWays(backend, truth, decoder);
            FeatureRecovery.Result result = both.byTrueFeature();
            double bound = MaxCosine.errorBound(d);
            double[][] cos = new double[t][f];
            for (int i = 0; i < t; i++) for (int j = 0; j < f; j++) cos[i][j] = cosine(truth.row(i), decoder.row(j));
            int recovered = 0;
            double meanBest = 0;
            for (int i = 0; i < t; i++) {
                double[] row = cos[i];
                checkMax(row, result.maxCosine()[i], result.bestLatent()[i], bound, "true feature " + i);
                double best = row[argmax(row)];
                if (best >= FeatureRecovery.RECOVERED_COSINE) recovered++;
                meanBest += best / t;
            }
            for (int j = 0; j < f; j++) {
                double[] col = new double[t];
                for (int i = 0; i < t; i++) col[i] = cos[i][j];
                checkMax(col, both.byLatent().maxCosine()[j], both.byLatent().bestLatent()[j], bound, "decoder row " + j);
            }
            assertEquals(1f, result.maxCosine()[3], "an exact copy has cosine 1");
            assertTrue(recovered >= 6 && recovered < 9, recovered + " recovered");
            assertEquals((double) recovered / t, result.fractionRecovered(), 1e-12);
            assertEquals(meanBest, result.meanMaxCosine(), bound);
            assertArrayEquals(result.maxCosine(), FeatureRecovery.score(backend, truth, decoder).maxCosine());
        }
    }

    @Test
    void anEmptyDecoderRecoversNothing() {
        try (Arena arena = Arena.ofShared()) {
            Matrix truth = Matrix.of(arena, 2, 3, new float[] {1, 0, 0, 0, 2, 2});
            FeatureRecovery.Result result = FeatureRecovery.score(backend, truth, Matrix.allocate(arena, 0, 3));
            assertArrayEquals(new float[] {0, 0}, result.maxCosine());
            assertArrayEquals(new int[] {-1, -1}, result.bestLatent());
            assertEquals(0, result.fractionRecovered());
            assertThrows(IllegalArgumentException.class, () -> FeatureRecovery.score(backend, truth, Matrix.allocate(arena, 4, 2)));
        }
    }

    private static void checkMax(double[] exact, float got, int gotArg, double bound, String what) {
        int arg = argmax(exact);
        double second = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < exact.length; j++) if (j != arg) second = Math.max(second, exact[j]);
        assertEquals(exact[arg], got, bound, "max cosine of " + what);
        assertTrue(got <= 1f, what + ": " + got);
        if (exact[arg] - second > 2 * bound) assertEquals(arg, gotArg, "argmax of " + what);
    }

    private static int argmax(double[] v) {
        int arg = 0;
        for (int j = 1; j < v.length; j++) if (v[j] > v[arg]) arg = j;
        return arg;
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
