package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.data.MatrixSource;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.ShuffledFeed;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The best single scale on the codes against a float64 reference (SaeReference's codes, the
 * closed form over every row once): float32 encoding and decoding move c by ~1e-6 relative here
 * (D = 24, codes O(1)), so 1e-4 relative is the bound. And c is a minimum: scaling by c ± 2% is worse.
 */
class CodeScaleTest {

    private static final int D = 24, F = 40, N = 256, BATCH = 64;
    private final Backend cpu = new CpuBackend(new JavaGemm(), "test");

    private static double reference(Sae sae, Matrix x, double c) {   // mse of c·f·W + b, float64
        double[][] f = SaeReference.codes(sae, x).f(), fw = SaeReference.decode(sae, f, IntStream.range(0, F).toArray());
        double sse = 0;
        for (int r = 0; r < N; r++)
            for (int j = 0; j < D; j++) {
                double e = x.get(r, j) - sae.bDec().get(0, j) / sae.inputScale() - c * fw[r][j];
                sse += e * e;
            }
        return sse / ((double) N * D);
    }

    private static double referenceScale(Sae sae, Matrix x) {
        double[][] f = SaeReference.codes(sae, x).f(), fw = SaeReference.decode(sae, f, IntStream.range(0, F).toArray());
        double along = 0, norm = 0;
        for (int r = 0; r < N; r++)
            for (int j = 0; j < D; j++) {
                along += (x.get(r, j) - sae.bDec().get(0, j) / sae.inputScale()) * fw[r][j];
                norm += fw[r][j] * fw[r][j];
            }
        return along / norm;
    }

    @Test void theClosedFormMatchesFloat64AndIsAMinimum() {
        try (Arena arena = Arena.ofShared(); Sae sae = SaeReference.random(Architecture.RELU, D, F, 0, true, 1.25f, 7)) {
            Matrix x = SaeReference.rows(arena, N, D, 8);
            double c = CodeScale.of(cpu, sae, new ShuffledFeed(new MatrixSource(x), 3), N / BATCH, BATCH);
            double expected = referenceScale(sae, x);
            assertTrue(Math.abs(expected - 1) > 0.05, "a test scale away from 1: " + expected);
            assertEquals(expected, c, 1e-4 * Math.abs(expected));
            double best = reference(sae, x, c);
            assertTrue(best < reference(sae, x, c * 1.02) && best < reference(sae, x, c * 0.98), "c = " + c + " is a minimum");
        }
    }

    @Test void aScaledDecoderNeedsTheInverseScale() {
        try (Arena arena = Arena.ofShared(); Sae sae = SaeReference.random(Architecture.TOPK, D, F, 5, false, 0.8f, 9)) {
            Matrix x = SaeReference.rows(arena, N, D, 10);
            double c = CodeScale.of(cpu, sae, new ShuffledFeed(new MatrixSource(x), 3), N / BATCH, BATCH);
            try (Sae scaled = CodeScale.scaled(sae, 2.5)) {
                double cScaled = CodeScale.of(cpu, scaled, new ShuffledFeed(new MatrixSource(x), 3), N / BATCH, BATCH);
                assertEquals(c / 2.5, cScaled, 1e-5 * c);
            }
        }
    }
}
