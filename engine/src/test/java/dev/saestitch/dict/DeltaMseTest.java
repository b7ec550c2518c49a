package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.testkit.TestBackends;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-pass Δmse against adding the latents one at a time: for every latent j and sample x,
 * x̂* = x̂_S + f_j(x)·W_j built explicitly in float64 and ‖x − x̂*‖² − ‖x − x̂_S‖² summed; and the
 * error of S where novel latents fire against a float64 recomputation. Random data, random
 * positive sparse codes, batches of odd sizes; on the CPU backend and on the CUDA one (the emulated
 * device, or a GPU; skipped, saying why, where none runs), whose sums stay on the device.
 */
class DeltaMseTest {

    private static final int D = 17, FL = 31, MAX_BATCH = 29;
    private static final int[] BATCHES = {13, 29, 7};
    private static final int NEVER = 11, ALWAYS = 9;   // a novel latent that never fires, a non-novel one that fires on every sample

    private final Backend backend = new CpuBackend(new JavaGemm(), "");

    private static Backend open(String name) {
        return name.equals("cuda") ? TestBackends.cudaOrSkip(GemmPrecision.FP32) : new CpuBackend(new JavaGemm(), "");
    }

    /** One batch: inputs x, the small SAE's reconstruction x̂_S, and L's codes, all on the host. */
    private record Batch(Matrix x, Matrix xHat, SparseCodes codes) {}

    /**
     * x̂_S is Gaussian; x = x̂_S + Σ over the "missing" latents (those with j % 5 == 1) of f_j W_j
     * + noise, so that adding a missing latent lowers S's error and adding another one raises it.
     */
    private static Batch batch(Arena arena, Random rnd, int rows, Matrix w) {
        SparseCodes codes = new SparseCodes(rows, FL, 1);
        codes.reset(rows, (long) rows * FL);
        Matrix x = Matrix.allocate(arena, rows, D), xHat = Matrix.allocate(arena, rows, D);
        int e = 0;
        for (int r = 0; r < rows; r++) {
            codes.setRowStart(r, e);
            double[] missing = new double[D];
            for (int j = 0; j < FL; j++) {
                if (j == NEVER || (j != ALWAYS && rnd.nextDouble() > 0.3)) continue;
                float f = (float) (0.05 + 2 * rnd.nextDouble());
                codes.setIndex(e, j);
                codes.setValue(e++, f);
                if (j % 5 == 1) for (int c = 0; c < D; c++) missing[c] += f * w.get(j, c);
            }
            for (int c = 0; c < D; c++) {
                float v = (float) rnd.nextGaussian();
                xHat.set(r, c, v);
                x.set(r, c, (float) (v + missing[c] + 0.3 * rnd.nextGaussian()));
            }
        }
        codes.setRowStart(rows, e);
        return new Batch(x, xHat, codes);
    }

    /** The batch in {@code backend}'s memory (the same objects on the CPU backend). */
    private static Batch onto(Backend backend, Arena arena, Batch host) {
        if (backend instanceof CpuBackend) return host;
        int rows = host.x().rows();
        Matrix x = backend.allocate(arena, rows, D), xHat = backend.allocate(arena, rows, D);
        backend.upload(host.x(), x);
        backend.upload(host.xHat(), xHat);
        SparseCodes codes = backend.newCodes(rows, FL, 1);
        long nnz = host.codes().nnz();
        codes.reset(rows, nnz);
        for (int r = 0; r <= rows; r++) codes.setRowStart(r, host.codes().rowStart(r));
        for (long e = 0; e < nnz; e++) {
            codes.setIndex(e, host.codes().index(e));
            codes.setValue(e, host.codes().value(e));
        }
        return new Batch(x, xHat, codes);
    }

    private static double code(SparseCodes codes, int r, int j) {
        for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) if (codes.index(e) == j) return codes.value(e);
        return 0;
    }

    private static double sse(Matrix x, Matrix xHat, int r, double f, double[] w) {
        double s = 0;
        for (int c = 0; c < D; c++) {
            double d = x.get(r, c) - (xHat.get(r, c) + f * w[c]);
            s += d * d;
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void onePassEqualsAddingEachLatentAlone(String backendName) {
        Random rnd = new Random(21);
        try (Backend backend = open(backendName); Arena arena = Arena.ofShared()) {
            Matrix w = TestData.randomRows(arena, rnd, FL, D);   // L's decoder rows, norms in [0.01, 2]
            Matrix wBackend = backend.allocate(arena, FL, D);
            backend.upload(w, wBackend);
            boolean[] novel = new boolean[FL];
            for (int j = 0; j < FL; j++) novel[j] = j % 5 == 1;   // the missing latents
            double[] refDelta = new double[FL], refScale = new double[FL];
            long[] refFired = new long[FL];
            double sseWith = 0, sseWithout = 0, total = 0;
            long with = 0, samples = 0;
            double[] sseFired = new double[FL];
            try (DeltaMse delta = new DeltaMse(backend, wBackend, MAX_BATCH);
                 ErrorWhereNovelFires error = new ErrorWhereNovelFires(backend, novel, D, MAX_BATCH)) {
                for (int rows : BATCHES) {
                    Batch bt = batch(arena, rnd, rows, w), on = onto(backend, arena, bt);
                    Matrix residual = backend.allocate(arena, rows, D), sampleSse = backend.allocate(arena, rows, 1);
                    backend.subtract(on.x(), on.xHat(), residual);
                    backend.rowSquaredDistances(on.x(), on.xHat(), sampleSse.packed(1, rows));
                    delta.accept(residual, on.codes());
                    error.accept(sampleSse, on.codes());
                    if (on != bt) on.codes().close();
                    for (int r = 0; r < rows; r++) {
                        double base = sse(bt.x(), bt.xHat(), r, 0, new double[D]);
                        boolean anyNovel = false;
                        for (int j = 0; j < FL; j++) {
                            double f = code(bt.codes(), r, j);
                            if (f == 0) continue;
                            double[] wj = Vectors.row(w, j);
                            refDelta[j] += sse(bt.x(), bt.xHat(), r, f, wj) - base;
                            double dot = 0, nn = 0;
                            for (int c = 0; c < D; c++) {
                                dot += (bt.x().get(r, c) - bt.xHat().get(r, c)) * wj[c];
                                nn += wj[c] * wj[c];
                            }
                            refScale[j] += Math.abs(2 * f * dot) + f * f * nn;
                            refFired[j]++;
                            sseFired[j] += base;
                            anyNovel |= novel[j];
                        }
                        if (anyNovel) { sseWith += base; with++; } else sseWithout += base;
                        total += base;
                        samples++;
                    }
                    bt.codes().close();
                }
                // Every sum below stayed on the backend until these calls.
                assertEquals(samples, delta.samples());
                assertArrayEquals(refFired, delta.firingCounts());
                assertEquals(0, refFired[NEVER]);
                assertEquals(samples, refFired[ALWAYS]);
                double[] got = delta.deltaSse(), mse = delta.deltaMse();
                int improving = 0;
                for (int j = 0; j < FL; j++) {
                    // float32 residual and dot products: relative 1e-6 of the summed magnitudes
                    assertEquals(refDelta[j], got[j], 1e-6 * refScale[j] + 1e-12, "latent " + j);
                    assertEquals(got[j] / (samples * D), mse[j], 1e-15 * Math.abs(mse[j]) + 1e-300);
                    if (refDelta[j] < 0) improving++;
                }
                assertTrue(improving >= 4 && improving < FL - 4, improving + " improving latents: both signs must occur");

                assertEquals(samples, error.samples());
                assertEquals(with, error.samplesWithNovel());
                assertTrue(with > 0 && with < samples);
                // per-sample sse rounded to float32, batch sums to float32: relative 1e-6
                assertEquals(sseWith / (with * D), error.mseWhereNovelFires(), 1e-6 * sseWith / (with * D));
                assertEquals(sseWithout / ((samples - with) * D), error.mseWhereNoNovelFires(), 1e-6 * sseWithout / ((samples - with) * D));
                double active = 0, inactive = 0;
                int n = 0;
                for (int j = 0; j < FL; j++) {
                    if (!novel[j] || refFired[j] == 0 || refFired[j] == samples) continue;
                    active += sseFired[j] / (refFired[j] * D);
                    inactive += (total - sseFired[j]) / ((samples - refFired[j]) * D);
                    n++;
                }
                ErrorWhereNovelFires.PerLatent per = error.perLatent(delta.firingCounts());
                assertEquals(n, per.latents());
                assertTrue(n >= 4);
                assertEquals(active / n, per.mseWhereActive(), 1e-6 * active / n);
                assertEquals(inactive / n, per.mseWhereInactive(), 1e-6 * inactive / n);
            }
        }
    }

    @Test
    void rejectsBatchesThatDoNotFit() {
        Random rnd = new Random(2);
        try (Arena arena = Arena.ofShared()) {
            Matrix w = TestData.randomRows(arena, rnd, FL, D);
            try (DeltaMse delta = new DeltaMse(backend, w, 5)) {
                Batch big = batch(arena, rnd, 7, w);
                assertThrows(IllegalArgumentException.class, () -> delta.accept(big.x(), big.codes()));
                Batch ok = batch(arena, rnd, 5, w);
                assertThrows(IllegalArgumentException.class, () -> delta.accept(ok.x().rows(0, 4), ok.codes()));
                big.codes().close();
                ok.codes().close();
            }
        }
    }
}
