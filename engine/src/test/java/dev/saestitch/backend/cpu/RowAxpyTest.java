package dev.saestitch.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static dev.saestitch.tensor.Matrix.FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both forms of acc += v·x over a run of rows, as the sparse decode chains them: bit for bit the
 * scalar {@code acc[c] += v * x[c]} (one rounded product, one rounded sum), and within
 * γ_{2n+1}·(|acc₀| + Σ|v·x|) of the float64 sum for n rows. Widths that leave lanes over, rows
 * that start off vector alignment.
 */
class RowAxpyTest {

    private static final double U = 0x1p-24;

    @ParameterizedTest
    @ValueSource(ints = {384, 29, 1, 16, 47})
    void bothFormsRoundEachElementAsTheScalarStepAndStayWithinTheFloat64Bound(int d) {
        SplittableRandom rnd = new SplittableRandom(d);
        int rows = 41;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = arena.allocate((long) rows * d * Float.BYTES, Float.BYTES);
            for (long i = 0; i < (long) rows * d; i++) x.setAtIndex(FLOAT, i, (float) rnd.nextGaussian());
            float[] acc0 = new float[d], v = new float[rows];
            for (int c = 0; c < d; c++) acc0[c] = (float) rnd.nextGaussian();
            for (int t = 0; t < rows; t++) v[t] = (float) (rnd.nextGaussian() * 3);
            int[] order = rnd.ints(rows, 0, rows).toArray();   // rows in any order, repeats included

            float[] scalarStep = acc0.clone();
            double[] exact = new double[d], magnitude = new double[d];
            for (int c = 0; c < d; c++) {
                exact[c] = acc0[c];
                magnitude[c] = Math.abs(acc0[c]);
            }
            for (int t : order)
                for (int c = 0; c < d; c++) {
                    float xc = x.getAtIndex(FLOAT, (long) t * d + c);
                    scalarStep[c] += v[t] * xc;
                    exact[c] += (double) v[t] * xc;
                    magnitude[c] += Math.abs((double) v[t] * xc);
                }
            for (RowAxpy form : new RowAxpy[] {new VectorRowAxpy(), new ScalarRowAxpy()}) {
                float[] acc = acc0.clone(), stage = new float[d];
                for (int t : order) form.add(acc, v[t], x, (long) t * d, d, stage);
                for (int c = 0; c < d; c++) {
                    String what = form.getClass().getSimpleName() + " d=" + d + " c=" + c;
                    assertEquals(Float.floatToRawIntBits(scalarStep[c]), Float.floatToRawIntBits(acc[c]), what);
                    double n = 2.0 * rows + 1;
                    assertTrue(Math.abs(acc[c] - exact[c]) <= n * U / (1 - n * U) * magnitude[c], what + ": " + acc[c] + " vs " + exact[c]);
                }
            }
        }
    }

    @Test
    void theTestsRunTheSimdForm() {
        // surefire's argLine adds jdk.incubator.vector; CpuBackendTest then exercises this form too
        assertInstanceOf(VectorRowAxpy.class, RowAxpy.fastest());
    }
}
