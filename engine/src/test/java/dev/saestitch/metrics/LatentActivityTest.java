package dev.saestitch.metrics;

import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class LatentActivityTest {

    @Test
    void countsEveryNonZeroCodeAndDerivesTheDeadFraction() {
        int rows = 13, latents = 41;
        SplittableRandom rng = new SplittableRandom(2);
        long[] expected = new long[latents];
        try (SparseCodes codes = new SparseCodes(rows, latents, 8)) {
            codes.reset(rows, rows * 5L);
            int e = 0;
            for (int r = 0; r < rows; r++) {
                codes.setRowStart(r, e);
                for (int k = 0; k < 5; k++) {
                    int latent = rng.nextInt(latents / 2);  // the upper half never fires
                    float value = k == 4 ? 0f : (float) rng.nextDouble(0.1, 2);  // a stored zero is not a firing
                    codes.setIndex(e, latent);
                    codes.setValue(e++, value);
                    if (value != 0f) expected[latent]++;
                }
            }
            codes.setRowStart(rows, e);
            long[] counts = new long[latents];
            LatentActivity.count(codes, counts);
            LatentActivity.count(codes, counts);
            long dead = 0;
            for (int i = 0; i < latents; i++) {
                assertEquals(2 * expected[i], counts[i], "latent " + i);
                if (expected[i] == 0) dead++;
            }
            assertTrue(dead > latents / 2, "the upper half is dead");
            assertEquals((double) dead / latents, LatentActivity.deadFraction(counts), 0);
            assertThrows(IllegalArgumentException.class, () -> LatentActivity.count(codes, new long[3]));
        }
        assertThrows(IllegalArgumentException.class, () -> LatentActivity.deadFraction(new long[0]));
    }
}
