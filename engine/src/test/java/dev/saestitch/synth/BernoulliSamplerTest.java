package dev.saestitch.synth;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class BernoulliSamplerTest {

    @Test
    void eachItemFiresWithItsOwnProbability() {
        // several binary-exponent groups, p = 1 and p = 0, and ids out of probability order
        double[] p = {0.3, 1.0, 0.0, 0.001, 0.26, 0.5, 0.0499, 0.75, 0.02, 0.3, 0.1, 0.0001, 0.9999};
        int draws = 200_000;
        long[] hits = new long[p.length];
        int[] out = new int[p.length];
        SplittableRandom rng = new SplittableRandom(3);
        BernoulliSampler sampler = new BernoulliSampler(p);
        for (int t = 0; t < draws; t++) {
            int n = sampler.sample(rng, out);
            boolean[] once = new boolean[p.length];
            for (int k = 0; k < n; k++) {
                assertFalse(once[out[k]], "item " + out[k] + " returned twice in one draw");
                once[out[k]] = true;
                hits[out[k]]++;
            }
        }
        for (int i = 0; i < p.length; i++) {
            double sigma = Math.sqrt(draws * p[i] * (1 - p[i]));
            assertEquals(draws * p[i], hits[i], 5 * sigma + 1e-9, "item " + i + " with p = " + p[i]);
        }
        assertEquals(draws, hits[1]);
        assertEquals(0, hits[2]);
    }

    @Test
    void pairsFireIndependently() {
        double[] p = {0.4, 0.3, 0.35};  // items 1 and 2 share a group and its geometric skips
        int draws = 200_000;
        long both = 0;
        int[] out = new int[3];
        SplittableRandom rng = new SplittableRandom(11);
        BernoulliSampler sampler = new BernoulliSampler(p);
        for (int t = 0; t < draws; t++) {
            int n = sampler.sample(rng, out);
            boolean one = false, two = false;
            for (int k = 0; k < n; k++) { one |= out[k] == 1; two |= out[k] == 2; }
            if (one && two) both++;
        }
        double q = 0.3 * 0.35;
        assertEquals(draws * q, both, 5 * Math.sqrt(draws * q * (1 - q)));
    }

    @Test
    void rejectsProbabilitiesOutsideZeroOne() {
        assertThrows(IllegalArgumentException.class, () -> new BernoulliSampler(new double[] {0.5, 1.5}));
        assertThrows(IllegalArgumentException.class, () -> new BernoulliSampler(new double[] {Double.NaN}));
    }
}
