package dev.saestitch.train;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The starting point of a run, checked against float64 computations on the same batches. */
class InitializerTest {

    private static final int D = 19, B = 37, NORM_BATCHES = 3;
    private static final float[] DATA = scaled(SparseFeatureData.generate(4, 500, D, 30, 2), 7.5f);

    private static float[] scaled(float[] v, float s) {
        for (int i = 0; i < v.length; i++) v[i] *= s;
        return v;
    }

    private static TrainConfig config(Architecture a) {
        return TrainConfig.builder(a, 45).k(3).batchSize(B).totalTokens(100L * B).normBatches(NORM_BATCHES).seed(17).build();
    }

    @Test
    void scaleMakesTheMeanSquaredNormEqualD() {
        InMemoryFeed feed = new InMemoryFeed(DATA, D, 2);
        double[][] rows = readRows(new InMemoryFeed(DATA, D, 2), NORM_BATCHES);
        try (Sae sae = Initializer.initialise(config(Architecture.TOPK), feed)) {
            double s = sae.inputScale(), sum = 0;
            for (double[] r : rows) for (double v : r) sum += (s * v) * (s * v);
            assertEquals(D, sum / rows.length, 1e-5 * D);
        }
    }

    @Test
    void decoderRowsAreRandomUnitDirectionsAndTheEncoderTheirCopy() {
        try (Sae sae = Initializer.initialise(config(Architecture.BATCHTOPK), new InMemoryFeed(DATA, D, 2));
             Sae relu = Initializer.initialise(config(Architecture.RELU), new InMemoryFeed(DATA, D, 2));
             Sae again = Initializer.initialise(config(Architecture.BATCHTOPK), new InMemoryFeed(DATA, D, 2));
             Sae other = Initializer.initialise(config(Architecture.BATCHTOPK).toBuilder().seed(18).build(), new InMemoryFeed(DATA, D, 2))) {
            for (int i = 0; i < sae.width(); i++) {
                assertEquals(1.0, ReferenceSae.norm(TestSupport.toDouble(sae.wDec().row(i))), 1e-6);
                assertEquals(0.1, ReferenceSae.norm(TestSupport.toDouble(relu.wDec().row(i))), 1e-7);
            }
            assertArrayEquals(sae.wDec().toArray(), sae.wEnc().toArray());
            for (float v : sae.bEnc().toArray()) assertEquals(0f, v);
            assertArrayEquals(sae.wDec().toArray(), again.wDec().toArray(), "same seed, same start");
            assertFalse(java.util.Arrays.equals(sae.wDec().toArray(), other.wDec().toArray()), "another seed, another start");
            // Random directions: the mean of |cos| between rows of a random 19-d set is about 0.18, far from 1.
            double meanAbsCos = 0;
            for (int i = 1; i < sae.width(); i++)
                meanAbsCos += Math.abs(ReferenceSae.dot(TestSupport.toDouble(sae.wDec().row(0)), TestSupport.toDouble(sae.wDec().row(i))));
            assertTrue(meanAbsCos / (sae.width() - 1) < 0.35, "rows look aligned: " + meanAbsCos / (sae.width() - 1));
        }
    }

    /**
     * b_dec is the geometric median of the first scaled batch: the sum of unit vectors from it to
     * the points vanishes (the optimality condition of Σ‖x − m‖), and it beats the mean.
     */
    @Test
    void decoderBiasIsTheGeometricMedianOfTheFirstBatch() {
        try (Sae sae = Initializer.initialise(config(Architecture.TOPK), new InMemoryFeed(DATA, D, 2))) {
            double[][] first = readRows(new InMemoryFeed(DATA, D, 2), 1);
            for (double[] r : first) for (int c = 0; c < D; c++) r[c] *= sae.inputScale();
            double[] m = TestSupport.toDouble(sae.bDec().toArray());
            double[] pull = new double[D];
            for (double[] r : first) {
                double dist = 0;
                for (int c = 0; c < D; c++) dist += (r[c] - m[c]) * (r[c] - m[c]);
                for (int c = 0; c < D; c++) pull[c] += (r[c] - m[c]) / Math.sqrt(dist);
            }
            assertTrue(ReferenceSae.norm(pull) < 1e-3 * first.length, "sum of unit pulls " + ReferenceSae.norm(pull));
            assertTrue(sumOfDistances(first, m) < sumOfDistances(first, GeometricMedian.mean(first)));
        }
    }

    @Test
    void feedIsGivenBackWhereItStood() {
        InMemoryFeed feed = new InMemoryFeed(DATA, D, 2);
        try (Sae ignored = Initializer.initialise(config(Architecture.JUMPRELU), feed)) {
            assertArrayEquals(new long[] {0, 0}, feed.position());
            assertEquals(0.001f, ignored.threshold().get(0, 7));
        }
    }

    private static double sumOfDistances(double[][] pts, double[] m) {
        double s = 0;
        for (double[] p : pts) {
            double d = 0;
            for (int c = 0; c < m.length; c++) d += (p[c] - m[c]) * (p[c] - m[c]);
            s += Math.sqrt(d);
        }
        return s;
    }

    private static double[][] readRows(BatchFeed feed, int batches) {
        double[][] rows = new double[batches * B][];
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.allocate(arena, B, D);
            for (int b = 0; b < batches; b++) {
                feed.next(m);
                for (int r = 0; r < B; r++) rows[b * B + r] = TestSupport.toDouble(m.row(r));
            }
        }
        return rows;
    }
}
