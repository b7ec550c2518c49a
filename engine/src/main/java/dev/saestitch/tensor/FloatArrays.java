package dev.saestitch.tensor;

/** Kernels on heap float arrays shared by the portable code paths. */
public final class FloatArrays {

    private FloatArrays() {}

    /**
     * Σ x[xo+i]·y[yo+i] for i in [0, n), in float with four independent accumulators (so the loop
     * pipelines; relative error about n·2^−24 of Σ|x·y|).
     */
    public static float dot(float[] x, int xo, float[] y, int yo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[xo + i] * y[yo + i];
            s1 += x[xo + i + 1] * y[yo + i + 1];
            s2 += x[xo + i + 2] * y[yo + i + 2];
            s3 += x[xo + i + 3] * y[yo + i + 3];
        }
        for (; i < n; i++) s0 += x[xo + i] * y[yo + i];
        return (s0 + s1) + (s2 + s3);
    }
}
