package dev.saestitch.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaneDotsTest {

    /** The class's stated bound: (n/4 + 3)·2⁻²⁴·Σ|a_c·b_c|. */
    static double bound(int n, double magnitude) { return (n / 4 + 3) * 0x1p-24 * magnitude; }

    @Test
    void withinTheStatedBoundOfFloat64SumsAndFourAtOnceEqualsOneByOne() {
        Random rnd = new Random(17);
        double worst = 0;
        for (int n : new int[] {1, 3, 4, 7, 13, 64, 383, 384, 768, 1001}) {
            for (int trial = 0; trial < 50; trial++) {
                float[] a = new float[n];
                float[][] b = new float[4][n];
                for (int c = 0; c < n; c++) {
                    a[c] = (float) (rnd.nextGaussian() + 0.3);   // a mean offset: sums that do not cancel and sums that do
                    for (float[] bj : b) bj[c] = (float) rnd.nextGaussian();
                }
                float[] four = new float[4];
                LaneDots.four(a, b[0], b[1], b[2], b[3], n, four);
                for (int j = 0; j < 4; j++) {
                    double exact = 0, magnitude = 0;
                    for (int c = 0; c < n; c++) {
                        exact += (double) a[c] * b[j][c];
                        magnitude += Math.abs((double) a[c] * b[j][c]);
                    }
                    float one = LaneDots.one(a, b[j], n);
                    assertEquals(Float.floatToIntBits(one), Float.floatToIntBits(four[j]), "n " + n + ": four() differs from one()");
                    assertTrue(Math.abs(one - exact) <= bound(n, magnitude), "n " + n + ": " + one + " vs " + exact);
                    worst = Math.max(worst, Math.abs(one - exact) / bound(n, magnitude));
                }
            }
        }
        assertTrue(worst > 0, "every sum exact: the inputs do not test rounding");
    }
}
