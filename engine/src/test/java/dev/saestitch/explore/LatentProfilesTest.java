package dev.saestitch.explore;

import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Profiles folded from random sparse codes in several batches, against statistics over the dense matrix. */
class LatentProfilesTest {

    private static final int LATENTS = 9, ROWS = 300, BATCH = 64;

    @Test void frequencyMeanHistogramAndSamplesMatchTheDenseMatrix() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[][] dense = new float[ROWS][LATENTS];
        for (int r = 0; r < ROWS; r++)
            for (int i = 1; i < LATENTS; i++)  // latent 0 never fires; latent i fires with probability ~ i/12
                if (rnd.nextInt(12) < i) dense[r][i] = (float) Math.exp(rnd.nextDouble(-6, 4));
        LatentProfiles p = new LatentProfiles(LATENTS, 20, 16, 1);
        for (int first = 0; first < ROWS; first += BATCH) {
            try (SparseCodes codes = codesOf(dense, first, Math.min(BATCH, ROWS - first))) {
                p.accept(codes, first);
            }
        }
        assertEquals(ROWS, p.rows());
        for (int i = 0; i < LATENTS; i++) {
            long fired = 0;
            double sum = 0;
            long[] hist = new long[ActivationHistogram.BINS];
            Set<Long> firingRows = new HashSet<>();
            for (int r = 0; r < ROWS; r++) {
                float v = dense[r][i];
                if (v <= 0) continue;
                fired++;
                sum += v;
                firingRows.add((long) r);
                double lo = ActivationHistogram.edge(1), hi = ActivationHistogram.edge(ActivationHistogram.BINS - 1);
                int b = v < lo ? 0 : v >= hi ? ActivationHistogram.BINS - 1 : ActivationHistogram.bin(v);
                assertTrue(b == 0 || v >= ActivationHistogram.edge(b) * (1 - 1e-6), "value " + v + " at or above its bin's lower edge");
                if (b < ActivationHistogram.BINS - 1) assertTrue(v < ActivationHistogram.edge(b + 1) * (1 + 1e-6), "value " + v + " below the next edge");
                hist[b]++;
            }
            assertEquals(fired, p.fired(i), "latent " + i);
            assertEquals((double) fired / ROWS, p.frequency(i), 1e-15);
            if (fired == 0) assertTrue(Double.isNaN(p.meanWhenFiring(i)));
            else assertEquals(sum / fired, p.meanWhenFiring(i), 1e-12 * Math.abs(sum / fired));
            assertArrayEquals(hist, p.histogram(i), "latent " + i);
            TopActivations.Hit[] samples = p.quantileSamples(i, 5);
            assertEquals(Math.min(5, fired), samples.length);
            for (int s = 0; s < samples.length; s++) {
                assertTrue(firingRows.contains(samples[s].row()), "a sample is a firing of latent " + i);
                assertEquals(dense[(int) samples[s].row()][i], samples[s].value());
                if (s > 0) assertTrue(samples[s].value() <= samples[s - 1].value(), "samples run from high to low");
            }
        }
    }

    /** CSR codes of rows [first, first + n) of the dense matrix, positive entries only, in a random order within each row. */
    private static SparseCodes codesOf(float[][] dense, int first, int n) {
        List<int[]> entries = new ArrayList<>();
        for (int b = 0; b < n; b++)
            for (int i = LATENTS - 1; i >= 0; i--) if (dense[first + b][i] > 0) entries.add(new int[] {b, i});
        SparseCodes codes = new SparseCodes(n, LATENTS, Math.max(1, entries.size()));
        codes.reset(n, entries.size());
        int e = 0;
        for (int b = 0; b < n; b++) {
            codes.setRowStart(b, e);
            for (int[] entry : entries) if (entry[0] == b) {
                codes.setIndex(e, entry[1]);
                codes.setValue(e++, dense[first + b][entry[1]]);
            }
        }
        codes.setRowStart(n, e);
        return codes;
    }
}
