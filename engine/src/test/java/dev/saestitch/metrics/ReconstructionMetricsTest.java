package dev.saestitch.metrics;

import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ReconstructionMetricsTest {

    private static final int D = 19;
    private static final int[] BATCHES = {37, 1, 113, 58};

    /** x = 1000 + N(0, 1) per coordinate: Σx² − N·x̄² would cancel six of double's sixteen digits. */
    private static Matrix[] batch(Arena arena, SplittableRandom rng, int rows) {
        Matrix x = Matrix.allocate(arena, rows, D), xHat = Matrix.allocate(arena, rows, D);
        for (long i = 0; i < x.size(); i++) {
            float v = (float) (1000 + (i % D) * 0.1 + rng.nextGaussian());
            x.setFlat(i, v);
            xHat.setFlat(i, (float) (v + 0.3 * rng.nextGaussian()));
        }
        return new Matrix[] {x, xHat};
    }

    @Test
    void matchesATwoPassFloat64Reference() {
        SplittableRandom rng = new SplittableRandom(4);
        try (Arena arena = Arena.ofConfined()) {
            Matrix[][] data = new Matrix[BATCHES.length][];
            long[] codes = new long[BATCHES.length];
            ReconstructionMetrics metrics = new ReconstructionMetrics(D), inputsOnly = new ReconstructionMetrics(D);
            for (int b = 0; b < BATCHES.length; b++) {
                data[b] = batch(arena, rng, BATCHES[b]);
                codes[b] = rng.nextLong(BATCHES[b] * 40L);
                metrics.add(data[b][0], data[b][1], codes[b]);
                inputsOnly.addInputs(data[b][0]);
            }
            // reference: first pass for the mean, second for the deviations and errors
            long n = 0, totalCodes = 0;
            double[] mean = new double[D];
            for (int b = 0; b < BATCHES.length; b++) {
                n += BATCHES[b];
                totalCodes += codes[b];
                for (int r = 0; r < BATCHES[b]; r++) for (int c = 0; c < D; c++) mean[c] += data[b][0].get(r, c);
            }
            for (int c = 0; c < D; c++) mean[c] /= n;
            double sse = 0, tss = 0;
            for (Matrix[] xy : data)
                for (int r = 0; r < xy[0].rows(); r++)
                    for (int c = 0; c < D; c++) {
                        double e = (double) xy[0].get(r, c) - xy[1].get(r, c), dv = xy[0].get(r, c) - mean[c];
                        sse += e * e;
                        tss += dv * dv;
                    }
            ReconstructionMetrics.Summary s = metrics.summary();
            // float64 sums of ~4000 positive terms: relative error far below 1e-12
            assertEquals(n, s.samples());
            assertEquals(sse, s.sseSum(), 1e-12 * sse);
            assertEquals(sse / (n * D), s.mse(), 1e-12 * s.mse());
            assertEquals(sse / n, s.sse(), 1e-12 * s.sse());
            assertEquals(sse / tss, s.fvu(), 1e-11 * s.fvu());
            assertEquals((double) totalCodes / n, s.l0(), 1e-12 * s.l0());
            assertTrue(s.fvu() > 0.05 && s.fvu() < 0.15, "fvu " + s.fvu() + " for noise 0.3 on unit variance");
            // the inputs alone, with the error and codes summed elsewhere (compare --data sums them on the backend): the same summary
            assertEquals(s, inputsOnly.summary(s.sseSum(), totalCodes));
        }
    }

    @Test
    void mergingAccumulatorsEqualsAccumulatingEverything() {
        SplittableRandom rng = new SplittableRandom(8);
        try (Arena arena = Arena.ofConfined()) {
            ReconstructionMetrics all = new ReconstructionMetrics(D), left = new ReconstructionMetrics(D), right = new ReconstructionMetrics(D);
            for (int b = 0; b < BATCHES.length; b++) {
                Matrix[] xy = batch(arena, rng, BATCHES[b]);
                all.add(xy[0], xy[1], 7L * b);
                (b % 2 == 0 ? left : right).add(xy[0], xy[1], 7L * b);
            }
            left.merge(right);
            left.merge(new ReconstructionMetrics(D));  // merging nothing changes nothing
            ReconstructionMetrics.Summary a = all.summary(), m = left.summary();
            assertEquals(a.samples(), m.samples());
            assertEquals(a.sseSum(), m.sseSum(), 1e-12 * a.sseSum());
            assertEquals(a.fvu(), m.fvu(), 1e-11 * a.fvu());
            assertEquals(a.l0(), m.l0(), 1e-12 * a.l0());
        }
    }

    @Test
    void undefinedMetricsAreNaNAndBadShapesAreRejected() {
        ReconstructionMetrics metrics = new ReconstructionMetrics(3);
        assertTrue(Double.isNaN(metrics.summary().mse()));
        assertTrue(Double.isNaN(metrics.summary().fvu()));
        try (Arena arena = Arena.ofConfined()) {
            Matrix x = Matrix.of(arena, 2, 3, new float[] {1, 2, 3, 1, 2, 3});  // no variance
            Matrix xHat = Matrix.of(arena, 2, 3, new float[] {1, 2, 4, 1, 2, 3});
            metrics.add(x, xHat, 5);
            assertTrue(Double.isNaN(metrics.summary().fvu()));
            assertEquals(1.0 / 6, metrics.summary().mse(), 1e-15);
            assertEquals(0.5, metrics.summary().sse(), 1e-15);
            assertEquals(2.5, metrics.summary().l0(), 1e-15);
            assertThrows(IllegalArgumentException.class, () -> metrics.add(x, Matrix.allocate(arena, 1, 3), 0));
            assertThrows(IllegalArgumentException.class, () -> metrics.add(x, xHat, -1));
        }
    }
}
