package dev.saestitch.synth;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PowerLawTest {

    @Test
    void sumsToTheMeanRespectsTheCapAndKeepsTheTailRatios() {
        int r = 333;
        double a = 1.1, mean = 8, cap = 0.25;
        double[] p = PowerLaw.cappedProbabilities(r, a, mean, cap);
        double sum = 0;
        for (double v : p) sum += v;
        assertEquals(mean, sum, 1e-12 * mean);
        int capped = 0;
        for (int i = 0; i < r; i++) {
            assertTrue(p[i] > 0 && p[i] <= cap * (1 + 1e-15), "p[" + i + "] = " + p[i]);
            if (i > 0) assertTrue(p[i] <= p[i - 1], "not decreasing at " + i);
            if (p[i] >= cap) capped++;
        }
        assertTrue(capped > 0 && capped < r, "this case caps a strict prefix, capped " + capped);
        // uncapped ratios follow i^-a exactly (to rounding)
        for (int i = capped; i + 1 < r; i++)
            assertEquals(Math.pow((double) (i + 1) / (i + 2), a), p[i + 1] / p[i], 1e-12);
    }

    @Test
    void edgeCasesOfTheMean() {
        double[] all = PowerLaw.cappedProbabilities(5, 1.0, 5 * 0.3, 0.3);
        for (double v : all) assertEquals(0.3, v, 1e-15);
        for (double v : PowerLaw.cappedProbabilities(5, 1.0, 0, 0.3)) assertEquals(0, v);
        for (double v : PowerLaw.cappedProbabilities(4, 0.0, 1.0, 0.5)) assertEquals(0.25, v, 1e-15);
    }
}
