package dev.saestitch.bindings.cblas;

import dev.saestitch.bindings.NativeLibraryException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenBlasTest {

    @Test
    void javaChoiceIsNotALibrary() {
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(NativeLibraryException.class, () -> OpenBlas.open(OpenBlas.JAVA, arena));
            assertTrue(e.getMessage().contains("sae.blas=java"), e.getMessage());
        }
    }

    @Test
    void aLibraryWithoutCblasIsRefusedWithTheMissingNames() {
        String gcc = OpenBlas.extractBundled().resolveSibling("libgcc_s.so.1").toString();
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(NativeLibraryException.class, () -> OpenBlas.open(gcc, arena));
            assertTrue(e.getMessage().contains("cblas_sgemm") && e.getMessage().contains("openblas_get_config"), e.getMessage());
        }
    }

    @Test
    void configAndThreadsComeFromTheLibrary() {
        String config = cblas_h.openblas_get_config().getString(0);
        assertTrue(config.startsWith("OpenBLAS 0.3.30"), config);
        int threads = cblas_h.openblas_get_num_threads();
        assertTrue(threads >= 1, "threads " + threads);
        try {
            cblas_h.openblas_set_num_threads(1);
            assertEquals(1, cblas_h.openblas_get_num_threads());
        } finally {
            cblas_h.openblas_set_num_threads(threads);
        }
        int parallel = cblas_h.openblas_get_parallel();
        assertTrue(parallel == cblas_h.OPENBLAS_SEQUENTIAL() || parallel == cblas_h.OPENBLAS_THREAD() || parallel == cblas_h.OPENBLAS_OPENMP(),
                "parallel mode " + parallel);
    }

    /** One row-major product through the raw binding vs float64 loops; the engine tests the rest. */
    @Test
    void sgemmRowMajorMatchesFloat64Loops() {
        int m = 5, n = 7, k = 3;
        Random random = new Random(11);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = random.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = random.nextFloat() - 0.5f;
        for (int i = 0; i < c.length; i++) c[i] = random.nextFloat() - 0.5f;
        float alpha = 1.5f, beta = -0.25f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = arena.allocateFrom(JAVA_FLOAT, a), bs = arena.allocateFrom(JAVA_FLOAT, b), cs = arena.allocateFrom(JAVA_FLOAT, c);
            cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasNoTrans(), m, n, k, alpha, as, k, bs, n, beta, cs, n);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) a[i * k + p] * b[p * n + j];
                    double expected = alpha * s + beta * (double) c[i * n + j];
                    // |error| ≤ 1e-5: three products of values below 0.5 in float32
                    assertEquals(expected, cs.getAtIndex(JAVA_FLOAT, i * n + j), 1e-5, "C[" + i + "," + j + "]");
                }
        }
    }
}
