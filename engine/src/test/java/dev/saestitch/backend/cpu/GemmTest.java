package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Both products against a float64 reference, every transpose combination, several alpha/beta.
 *
 * <p>Error bound: float32 accumulation in any order (blocked, FMA, pairwise) satisfies
 * |Ĉ − C| ≤ γ_{k+2} · (|α| Σ_p |a_ip||b_pj| + |β||c_ij|) with γ_n = n·u/(1 − n·u), u = 2⁻²⁴
 * (Higham, Accuracy and Stability, §3.5). We check each element against that bound, computed
 * from the data: it is tight enough that a wrong transpose or leading dimension fails it by
 * orders of magnitude. Matrices live in shared arenas: JavaGemm works on fork-join threads.
 */
class GemmTest {

    private static final double U = Math.ulp(1.0f) / 2;   // unit roundoff of float32

    private static BlasGemm blas;

    @BeforeAll
    static void loadBlas() { blas = new BlasGemm(); }   // must load: OpenBLAS is a dependency of bindings

    @AfterAll
    static void forget() { blas = null; }

    static Stream<Arguments> cases() {
        int[][] shapes = {{37, 53, 29}, {257, 129, 191}, {1, 1, 1}, {5, 3, 0}};
        float[][] alphaBeta = {{1f, 0f}, {-0.75f, 0.5f}, {2.5f, 1f}};
        List<Arguments> cases = new ArrayList<>();
        for (String impl : List.of("blas", "java"))
            for (int[] s : shapes)
                for (int t = 0; t < 4; t++)
                    for (float[] ab : alphaBeta)
                        cases.add(Arguments.of(impl, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, ab[0], ab[1]));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} tA={4} tB={5} alpha={6} beta={7}")
    @MethodSource("cases")
    void matchesFloat64Reference(String impl, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
        Gemm gemm = impl.equals("blas") ? blas : new JavaGemm();
        Random random = new Random(31L * m + 7L * n + k + (transA ? 1000 : 0) + (transB ? 2000 : 0));
        try (Arena arena = Arena.ofShared()) {
            Matrix a = transA ? random(arena, k, m, random) : random(arena, m, k, random);   // stored op(A)ᵀ when transposed
            Matrix b = transB ? random(arena, n, k, random) : random(arena, k, n, random);
            Matrix c = random(arena, m, n, random);
            float[] c0 = c.toArray();
            gemm.gemm(transA, transB, alpha, a, b, beta, c);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double dot = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double x = transA ? a.get(p, i) : a.get(i, p);
                        double y = transB ? b.get(j, p) : b.get(p, j);
                        dot += x * y;
                        abs += Math.abs(x * y);
                    }
                    double expected = alpha * dot + beta * (double) c0[i * n + j];
                    double bound = gamma(k + 2) * (Math.abs(alpha) * abs + Math.abs(beta * c0[i * n + j])) + Double.MIN_NORMAL;
                    double error = Math.abs(c.get(i, j) - expected);
                    if (!(error <= bound)) fail(impl + " C[" + i + "," + j + "] = " + c.get(i, j) + ", expected " + expected + " (error " + error + " > bound " + bound + ")");
                }
        }
    }

    @Test
    void betaZeroOverwritesNaN() {
        for (Gemm gemm : List.of(blas, new JavaGemm())) {
            try (Arena arena = Arena.ofShared()) {
                Random random = new Random(5);
                Matrix a = random(arena, 7, 3, random), b = random(arena, 3, 9, random), c = Matrix.allocate(arena, 7, 9);
                c.fill(Float.NaN);
                gemm.gemm(false, false, 1f, a, b, 0f, c);
                for (float v : c.toArray()) assertTrue(Float.isFinite(v), gemm.describe() + " kept a NaN of C with beta = 0");
            }
        }
    }

    @Test
    void blasRejectsShapesHeapMemoryAndAliasing() {
        try (Arena arena = Arena.ofShared()) {
            Random random = new Random(9);
            Matrix a = random(arena, 4, 4, random), b = random(arena, 4, 4, random);
            assertThrows(IllegalArgumentException.class, () -> blas.gemm(false, false, 1f, a, b, 0f, Matrix.allocate(arena, 4, 5)));
            Matrix heap = new Matrix(MemorySegment.ofArray(new float[16]), 4, 4);
            assertThrows(IllegalArgumentException.class, () -> blas.gemm(false, false, 1f, a, b, 0f, heap));
            assertThrows(IllegalArgumentException.class, () -> blas.gemm(false, false, 1f, a, b, 0f, a));
        }
    }

    @Test
    void blasDescribesLibraryKernelsAndThreads() {
        String d = blas.describe();
        assertTrue(d.startsWith("OpenBLAS 0.3.30 ("), d);
        assertTrue(d.matches(".*\\), \\w+ kernels( \\(OPENBLAS_CORETYPE=.*\\))?, \\d+ threads? \\(.*\\), from .*libopenblas.*"), d);
    }

    @Test
    void referenceBoundIsTightEnoughToCatchAnError() {
        // The product with A transposed, checked as if A were not: nearly every entry must fail.
        try (Arena arena = Arena.ofShared()) {
            Random random = new Random(3);
            int n = 37;
            Matrix a = random(arena, n, n, random), b = random(arena, n, n, random), c = Matrix.allocate(arena, n, n);
            blas.gemm(true, false, 1f, a, b, 0f, c);   // Aᵀ·B, compared with A·B below
            int outside = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double dot = 0, abs = 0;
                    for (int p = 0; p < n; p++) {
                        dot += (double) a.get(i, p) * b.get(p, j);
                        abs += Math.abs((double) a.get(i, p) * b.get(p, j));
                    }
                    if (Math.abs(c.get(i, j) - dot) > gamma(n + 2) * abs) outside++;
                }
            assertTrue(outside > n * n * 9 / 10, "only " + outside + " of " + n * n + " wrong entries exceed the bound");
        }
    }

    private static double gamma(int n) { return n * U / (1 - n * U); }

    /** Uniform in [-1, 1): never all zero. */
    static Matrix random(Arena arena, int rows, int cols, Random random) {
        Matrix x = Matrix.allocate(arena, rows, cols);
        for (long i = 0; i < x.size(); i++) x.setFlat(i, random.nextFloat() * 2 - 1);
        return x;
    }
}
