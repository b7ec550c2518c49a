package dev.saestitch.synth;

import dev.saestitch.input.InputException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticConfigTest {

    private static void rejects(String field, Runnable build) {
        InputException e = assertThrows(InputException.class, build::run);
        assertTrue(e.getMessage().contains(field), "message names " + field + ": " + e.getMessage());
    }

    @Test
    void defaultsAreValidAndMatchTheDocumentedShape() {
        SyntheticConfig c = SyntheticConfig.defaults();
        assertEquals(128, c.dim());
        assertEquals(64 + 64 * 4 + 768, c.trueFeatureCount());
        assertEquals(12345, c.withSeed(12345).seed());
        assertEquals(99, c.withRows(99).rows());
        assertEquals(0.0, c.withNoiseStd(0).noiseStd());
    }

    @Test
    void eachInvalidFieldIsNamed() {
        rejects("dim", () -> new SyntheticConfig(1, 4, 2, 0.8, 0.1, 8, 1, 1, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("childrenPerParent", () -> new SyntheticConfig(8, 4, 0, 0.8, 0.1, 8, 1, 1, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("childParentCosine", () -> new SyntheticConfig(8, 4, 2, 1.0, 0.1, 8, 1, 1, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("parentFiringProbability", () -> new SyntheticConfig(8, 4, 2, 0.8, 1.1, 8, 1, 1, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("parents + independents", () -> new SyntheticConfig(8, 0, 2, 0.8, 0.1, 0, 1, 0, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("powerLawExponent", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, -1, 1, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("independentMeanActive", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, 1, 4.5, 0.5, 0.5, 1, 0.1, 10, 0));
        rejects("maxFiringProbability", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, 1, 1, 0, 0.5, 1, 0.1, 10, 0));
        rejects("magnitudeLogStd", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, 1, 1, 0.5, Double.NaN, 1, 0.1, 10, 0));
        rejects("offsetNorm", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, 1, 1, 0.5, 0.5, -1, 0.1, 10, 0));
        rejects("noiseStd", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, 1, 1, 0.5, 0.5, 1, -0.1, 10, 0));
        rejects("rows", () -> new SyntheticConfig(8, 4, 2, 0.8, 0.1, 8, 1, 1, 0.5, 0.5, 1, 0.1, 0, 0));
    }
}
