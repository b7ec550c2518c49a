package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.data.MatrixSource;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.Vectors;
import dev.saestitch.train.ShuffledFeed;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The covariance metric against a float64 reference: the cosine of two whitened encoder rows is
 * the Pearson correlation of the two latents' pre-activations over the rows, computed directly.
 * Rows x = offset + A·g with a random mixing A (badly conditioned: column scales 0.05–3) so that
 * Σ is far from a multiple of I. Float32 GEMM sums and float32 whitened rows bound the error at
 * about 1e-5 here (D = 12, 2048 rows); 1e-4 is asserted.
 */
class PreActivationCorrelationTest {

    private static final int D = 12, N = 2048, BATCH = 256;
    private final Backend cpu = new CpuBackend(new JavaGemm(), "test");

    /** (N, D) rows offset + A·g, of rank {@code rank}: the last D − rank directions of A's range are missing. */
    private static Matrix rows(Arena arena, Random rnd, int rank) {
        double[][] a = new double[D][rank];
        for (int i = 0; i < D; i++) for (int k = 0; k < rank; k++) a[i][k] = rnd.nextGaussian() * (0.05 + 3 * k / (double) rank);
        Matrix x = Matrix.allocate(arena, N, D);
        double[] offset = Vectors.gaussian(rnd, D);
        for (int r = 0; r < N; r++) {
            double[] g = Vectors.gaussian(rnd, rank);
            for (int i = 0; i < D; i++) {
                double v = 5 * offset[i];
                for (int k = 0; k < rank; k++) v += a[i][k] * g[k];
                x.set(r, i, (float) v);
            }
        }
        return x;
    }

    private static double correlation(Matrix x, double[] e, double[] f) {
        double se = 0, sf = 0, see = 0, sff = 0, sef = 0;
        for (int r = 0; r < N; r++) {
            double ze = 0, zf = 0;
            for (int c = 0; c < D; c++) {
                ze += x.get(r, c) * e[c];
                zf += x.get(r, c) * f[c];
            }
            se += ze; sf += zf; see += ze * ze; sff += zf * zf; sef += ze * zf;
        }
        double cov = sef / N - se / N * sf / N;
        return cov / Math.sqrt((see / N - se / N * se / N) * (sff / N - sf / N * sf / N));
    }

    private static double cosine(double[] a, double[] b) { return Vectors.dot(a, b) / Math.sqrt(Vectors.dot(a, a) * Vectors.dot(b, b)); }

    @Test void whitenedCosinesAreThePreActivationsCorrelations() {
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofShared()) {
            Matrix x = rows(arena, rnd, D);
            Matrix enc = Matrix.allocate(arena, 6, D);
            for (int i = 0; i < 6; i++) Vectors.setRow(enc, i, Vectors.gaussian(rnd, D));
            PreActivationCorrelation metric = PreActivationCorrelation.of(cpu, new ShuffledFeed(new MatrixSource(x), 1), N / BATCH, BATCH);
            Matrix white = metric.whiten(arena, enc);
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) {
                    double expected = correlation(x, Vectors.row(enc, i), Vectors.row(enc, j));
                    assertEquals(expected, cosine(Vectors.row(white, i), Vectors.row(white, j)), 1e-4, "latents " + i + ", " + j);
                }
        }
    }

    /**
     * Two SAEs whose encoders differ only along directions the data never takes (rank-8 data in
     * D = 12): by weight cosine their encoders disagree and no latent is shared; by the data's
     * correlation every pre-activation is identical and every latent is.
     */
    @Test void encoderDifferencesTheDataCannotSeeDoNotCount() {
        Random rnd = new Random(6);
        int width = 20, rank = 8;
        try (Arena arena = Arena.ofShared(); Sae a = TestSaes.random(rnd, width, D); Sae b = a.copy()) {
            Matrix x = rows(arena, rnd, rank);
            Matrix steps = Matrix.allocate(arena, rank, D);   // differences of rows span the directions the data varies along
            for (int r = 0; r < rank; r++) for (int c = 0; c < D; c++) steps.set(r, c, x.get(r + 1, c) - x.get(0, c));
            double[][] span = TestSaes.basisOfRows(steps);
            for (int i = 0; i < width; i++) {
                double[] e = Vectors.row(b.wEnc(), i), off = Vectors.scaled(TestSaes.orthogonalTo(rnd, span, D), 4);
                for (int c = 0; c < D; c++) e[c] += off[c];
                Vectors.setRow(b.wEnc(), i, e);
            }
            PairMatch byWeights = SeedMatching.match(cpu, a, b);
            PreActivationCorrelation metric = PreActivationCorrelation.of(cpu, new ShuffledFeed(new MatrixSource(x), 1), N / BATCH, BATCH);
            PairMatch byData = metric.match(cpu, a, b, SeedMatching.DEFAULT_THRESHOLD);
            assertTrue(byWeights.sharedFraction() < 0.5, "by weights: " + byWeights.sharedFraction());
            assertEquals(1.0, byData.sharedFraction(), "by the data's correlation");
        }
    }
}
