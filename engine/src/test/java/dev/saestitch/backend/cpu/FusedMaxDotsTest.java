package dev.saestitch.backend.cpu;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.backend.KeyList;
import dev.saestitch.bindings.cblas.cblas_h;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The fused scan against an exact reference: small-integer rows, whose products float32 computes
 * exactly in any order (|dot| ≤ 4·D ≪ 2²⁴), so the maxima must equal the reference's bit for bit
 * and the many ties must go to the smallest index, across bands, blocks and tasks, and the keys
 * above a cut must be exactly the reference's. OpenBLAS and the portable product, each with the
 * SIMD and the scalar tile fold (tiles of widths that leave lanes over); the BLAS thread
 * count is as before afterwards. {@link Backend}'s default (host tiles) is held to the same.
 */
class FusedMaxDotsTest {

    private static final int D = 48;

    @ParameterizedTest
    @CsvSource({"1100, 1300, 1024, 1024", "300, 400, 7, 13", "1, 1, 1024, 1024", "300, 5, 64, 2", "257, 513, 256, 512"})
    void matchesAnExactReferenceWithTiesToTheSmallestIndex(int fa, int fb, int band, int block) {
        SplittableRandom rnd = new SplittableRandom(fa * 31L + fb);
        try (Arena arena = Arena.ofShared()) {
            Matrix a = integers(arena, rnd, fa), b = integers(arena, rnd, fb);
            long[][] dot = new long[fa][fb];
            for (int i = 0; i < fa; i++)
                for (int j = 0; j < fb; j++)
                    for (int c = 0; c < D; c++) dot[i][j] += (long) a.get(i, c) * (long) b.get(j, c);
            float cut = 20;   // about 7% of the entries
            KeyList keysAbove = new KeyList();
            for (int i = 0; i < fa; i++) for (int j = 0; j < fb; j++) if (dot[i][j] > cut) keysAbove.add((long) i * fb + j);
            long[] above = keysAbove.toArray();
            float[] rowMax = new float[fa], colMax = new float[fb];
            int[] rowArg = new int[fa], colArg = new int[fb];
            Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
            Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < fa; i++)
                for (int j = 0; j < fb; j++) {
                    if (dot[i][j] > rowMax[i]) { rowMax[i] = dot[i][j]; rowArg[i] = j; }
                    if (dot[i][j] > colMax[j]) { colMax[j] = dot[i][j]; colArg[j] = i; }
                }
            int threads = cblas_h.openblas_get_num_threads();
            List<DotScan> scans = new ArrayList<>();
            for (Gemm gemm : new Gemm[] {new BlasGemm(), new JavaGemm()})
                for (TileFold fold : new TileFold[] {new VectorTileFold(), new ScalarTileFold()}) scans.add(FusedMaxDots.compute(gemm, fold, a, b, band, block, cut));
            scans.add(hostTileDefault(new CpuBackend(new BlasGemm(), "")).scanDots(a, b, band, block, cut));
            for (DotScan scan : scans) {
                DotMaxima m = scan.maxima();
                String what = scans.indexOf(scan) + ": bands of " + band + ", blocks of " + block;
                assertArrayEquals(rowMax, m.maxOverB(), what);
                assertArrayEquals(rowArg, m.argmaxInB(), what);
                assertArrayEquals(colMax, m.maxOverA(), what);
                assertArrayEquals(colArg, m.argmaxInA(), what);
                long[] keys = scan.keysAbove().clone();
                Arrays.sort(keys);
                assertArrayEquals(above, keys, what);
            }
            assertEquals(threads, cblas_h.openblas_get_num_threads(), "BLAS threads restored");
        }
    }

    @Test
    void theTestsAndTheLauncherRunTheSimdFold() {
        // surefire's argLine adds jdk.incubator.vector as the launcher and the benchmarks do; without it the scalar fold runs
        assertInstanceOf(VectorTileFold.class, TileFold.fastest());
    }

    /** {@code backend} with its own scanDots and maxDots replaced by Backend's defaults. */
    private static Backend hostTileDefault(Backend backend) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) ->
                method.getName().endsWith("Dots") ? InvocationHandler.invokeDefault(proxy, method, args) : method.invoke(backend, args));
    }

    /** Entries in {−2, …, 2}: many equal products. */
    private static Matrix integers(Arena arena, SplittableRandom rnd, int rows) {
        Matrix m = Matrix.allocate(arena, rows, D);
        for (long e = 0; e < m.size(); e++) m.setFlat(e, rnd.nextInt(5) - 2);
        return m;
    }
}
