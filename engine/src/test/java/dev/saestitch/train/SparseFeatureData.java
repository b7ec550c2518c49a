package dev.saestitch.train;

import java.util.SplittableRandom;

/**
 * A small dataset with known sparse structure for the training tests: {@code features} random
 * unit directions in R^D; each row is an offset vector plus {@code perRow} distinct features
 * with magnitudes in [0.5, 2), plus Gaussian noise of standard deviation 0.02.
 */
final class SparseFeatureData {

    private SparseFeatureData() {}

    /** Row-major (rows × d) floats. */
    static float[] generate(long seed, int rows, int d, int features, int perRow) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] dirs = new double[features][d];
        for (double[] dir : dirs) {
            double ss = 0;
            for (int c = 0; c < d; c++) ss += (dir[c] = rng.nextGaussian()) * dir[c];
            for (int c = 0; c < d; c++) dir[c] /= Math.sqrt(ss);
        }
        double[] offset = new double[d];
        for (int c = 0; c < d; c++) offset[c] = 0.5 * rng.nextGaussian() / Math.sqrt(d);
        float[] out = new float[rows * d];
        int[] chosen = new int[perRow];
        for (int r = 0; r < rows; r++) {
            double[] x = offset.clone();
            for (int j = 0; j < perRow; j++) {
                int pick;
                do {
                    pick = rng.nextInt(features);
                } while (contains(chosen, j, pick));
                chosen[j] = pick;
                double mag = 0.5 + 1.5 * rng.nextDouble();
                for (int c = 0; c < d; c++) x[c] += mag * dirs[pick][c];
            }
            for (int c = 0; c < d; c++) out[r * d + c] = (float) (x[c] + 0.02 * rng.nextGaussian());
        }
        return out;
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }
}
