package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Shared helpers of the train tests. */
final class TestSupport {

    private TestSupport() {}

    /** The CPU backend on the portable GEMM (deterministic, needs no native library). */
    static Backend cpu() { return new CpuBackend(new JavaGemm(), "test"); }

    /** W_enc, b_enc, W_dec, b_dec, threshold (empty if none) and the input scale of an SAE, for bit-for-bit comparisons. */
    static float[][] tensors(Sae sae) {
        Stream<Matrix> m = Stream.of(sae.wEnc(), sae.bEnc(), sae.wDec(), sae.bDec(), sae.threshold());
        float[][] out = m.map(x -> x == null ? new float[0] : x.toArray()).toArray(float[][]::new);
        float[][] withScale = Arrays.copyOf(out, out.length + 1);
        withScale[out.length] = new float[] {sae.inputScale()};
        return withScale;
    }

    /** Uniform floats in [lo, hi). */
    static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return v;
    }

    static double[][] toDouble(float[] flat, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) m[r][c] = flat[r * cols + c];
        return m;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    static Matrix matrix(Arena arena, double[][] m) {
        Matrix out = Matrix.allocate(arena, m.length, m[0].length);
        for (int r = 0; r < m.length; r++) for (int c = 0; c < m[0].length; c++) out.set(r, c, (float) m[r][c]);
        return out;
    }

    static Matrix row(Arena arena, double[] v) {
        Matrix out = Matrix.allocate(arena, 1, v.length);
        for (int c = 0; c < v.length; c++) out.set(0, c, (float) v[c]);
        return out;
    }

    /** Random CSR codes: each row gets a random subset of the latents, in ascending order, with values in [-2, 2). */
    static SparseCodes randomCodes(SplittableRandom rng, int rows, int latents, double density) {
        int[][] idx = new int[rows][];
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            int[] tmp = new int[latents];
            int n = 0;
            for (int i = 0; i < latents; i++) if (rng.nextDouble() < density) tmp[n++] = i;
            idx[r] = java.util.Arrays.copyOf(tmp, n);
            nnz += n;
        }
        SparseCodes c = new SparseCodes(rows, latents, Math.max(1, nnz));
        c.reset(rows, nnz);
        int e = 0;
        for (int r = 0; r < rows; r++) {
            c.setRowStart(r, e);
            for (int i : idx[r]) {
                c.setIndex(e, i);
                c.setValue(e++, (float) (4 * rng.nextDouble() - 2));
            }
        }
        c.setRowStart(rows, e);
        return c;
    }
}
