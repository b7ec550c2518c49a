package dev.saestitch.backend.cuda;

import dev.saestitch.backend.select.Backends;
import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.backend.FusedStepsTest;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.bindings.cuda.CudaException;
import dev.saestitch.bindings.cuda.CudaLibraries;
import dev.saestitch.bindings.cuda.cuda_runtime_api_h;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.testkit.TestBackends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every CudaBackend operation against the CpuBackend (itself tested against float64 references
 * in CpuBackendTest) on random data of odd sizes, uniform in [-1, 1) and never all zero. Skipped,
 * with the reason, where the CUDA backend cannot run (no device, or a library missing).
 *
 * <p>Bounds per element, u = 2⁻²⁴: element-wise ops 4u·(sum of |terms|), which leaves room for
 * the GPU's fused multiply-adds; float64 reductions 4u·|result|; float32 sums of n terms (GEMM,
 * sparse decode and backward, sampled dots, atomics in any order) 2γ_n·(sum of |terms|), since
 * each backend is within γ_n of the exact sum; selections, comparisons and counts exact. Inputs to
 * the selections are distinct values, so that no tie decides what is kept.
 */
class CudaBackendTest {

    private static final double U = 0x1p-24;
    private static final int B = 37, F = 53, D = 29, K = 5;
    private static final int WIDE = 1031;
    private static final int CUDA_DEV_ATTR_MAX_GRID_DIM_Y = 6;  // cudaDevAttrMaxGridDimY in CUDA's driver_types.h  // more latents than a block has threads: several tiles per row

    private static CudaBackend gpu;
    /** The backend under test: {@code gpu}, or one with another dense switch-over. */
    private CudaBackend cuda;
    private final CpuBackend cpu = new CpuBackend(new JavaGemm(), "");
    private Arena arena;
    private Random random;

    @BeforeAll
    static void open() {
        gpu = TestBackends.cudaOrSkip(GemmPrecision.FP32);
    }

    @AfterAll
    static void close() { if (gpu != null) gpu.close(); }

    @BeforeEach
    void arena() {
        cuda = gpu;
        arena = Arena.ofShared();
        random = new Random(20261121);
    }

    @AfterEach
    void closeArena() {
        cuda.synchronize();
        arena.close();
    }

    @Test
    void autoChoosesThisBackendAndSaysSo() {
        try (var b = Backends.select("auto")) {
            if (CudaLibraries.emulated()) {  // never chosen automatically: it is for semantics, not speed
                assertEquals("cpu", b.name());
                assertTrue(b.describe().contains(CudaLibraries.EMULATED), b.describe());
                assertTrue(gpu.describe().contains("emulated"), gpu.describe());
                return;
            }
            assertEquals("cuda", b.name());
            assertTrue(b.describe().contains("chosen automatically") && b.describe().contains("GEMMs in FP32"), b.describe());
        }
    }

    // ---- memory ----

    @Test
    void uploadCopyDownloadAreExact() {
        Matrix x = random(B, D);
        Matrix a = cuda.allocate(arena, B, D), b = cuda.allocate(arena, B, D);
        cuda.upload(x, a);
        cuda.copy(a, b);
        assertArrayEquals(x.toArray(), host(b));
        assertArrayEquals(new float[B * D], host(cuda.allocate(arena, B, D)), "allocate zero-fills");
    }

    @Test
    void aFailedAllocationIsNotBlamedOnTheNextLaunch() {
        // A failed cudaMalloc is also the host thread's "last error": a launch that read the last
        // error for its status would report that out-of-memory as its own.
        Matrix m = on(random(B, D));
        assertThrows(CudaException.class, () -> cuda.allocate(arena, 1 << 20, 1 << 20), "4 TiB, more than any device has");
        cuda.fill(m, 0.5f);
        cuda.synchronize();
        float[] expected = new float[B * D];
        java.util.Arrays.fill(expected, 0.5f);
        assertArrayEquals(expected, host(m));
    }

    @Test
    void hostMemoryMayBeReusedAsSoonAsAnUploadReturns() {
        // A copy engine may read pinned host memory until the stream passes the copy (the
        // emulated device reads it then): upload must not return before that.
        Matrix x = random(B, D), d = cuda.allocate(arena, B, D);
        float[] expected = x.toArray();
        cuda.upload(x, d);
        x.fill(7f);
        assertArrayEquals(expected, host(d));
    }

    // ---- dense ----

    @Test
    void elementWiseOps() {
        Matrix x = random(B, D), y = random(B, D), row = random(1, D), perRow = random(1, B);
        Matrix divisor = random(B, D);
        for (int i = 0; i < B * D; i += 7) divisor.setFlat(i, 0f);  // x / 0 is 0
        float alpha = -1.375f;
        check("fill", x, m -> cpu.fill(m, 0.3f), m -> cuda.fill(m, 0.3f), 0);
        check("scale", x, m -> cpu.scale(m, alpha), m -> cuda.scale(m, alpha), 4 * U);
        check("clampMin", x, m -> cpu.clampMin(m, 0.1f), m -> cuda.clampMin(m, 0.1f), 0);
        check("axpy", y, m -> cpu.axpy(alpha, x, m), m -> cuda.axpy(alpha, on(x), m), 4 * U);
        check("addRowVector", x, m -> cpu.addRowVector(m, row, alpha), m -> cuda.addRowVector(m, on(row), alpha), 4 * U);
        check("addScaledRows", y, m -> cpu.addScaledRows(x, perRow, alpha, m), m -> cuda.addScaledRows(on(x), on(perRow), alpha, m), 4 * U);
        check("subtract", x, m -> cpu.subtract(m, y, m), m -> cuda.subtract(m, on(y), m), 4 * U);
        check("multiply", x, m -> cpu.multiply(m, y, m), m -> cuda.multiply(m, on(y), m), 4 * U);
        check("divide", x, m -> cpu.divide(m, divisor, m), m -> cuda.divide(m, on(divisor), m), 4 * U);
        check("greaterEqual", x, m -> cpu.greaterEqual(x, 0.25f, m), m -> cuda.greaterEqual(on(x), 0.25f, m), 0);
    }

    /** The compensated totals are IEEE additions only (nothing to contract into an FMA): bit for bit the CPU's, over many batches. */
    @Test
    void addCompensatedMatchesTheCpuBitForBit() {
        Matrix sumCpu = cpu.allocate(arena, B, D), errorCpu = cpu.allocate(arena, B, D);
        Matrix sumGpu = cuda.allocate(arena, B, D), errorGpu = cuda.allocate(arena, B, D), xGpu = cuda.allocate(arena, B, D);
        for (int b = 0; b < 50; b++) {
            Matrix x = random(B, D);
            cpu.scale(x, (float) Math.pow(10, b % 9 - 4));
            cpu.addCompensated(x, sumCpu, errorCpu);
            cuda.upload(x, xGpu);
            cuda.addCompensated(xGpu, sumGpu, errorGpu);
        }
        assertArrayEquals(sumCpu.toArray(), host(sumGpu), "sums");
        assertArrayEquals(errorCpu.toArray(), host(errorGpu), "errors");
    }

    /**
     * A composite's gather: three sources' codes (TopK, ReLU, and one whose latents are all
     * dropped) renamed into one numbering, a TopK part sized by its capacity (its count unknown on
     * the host): exactly the CPU's codes, entry for entry.
     */
    @Test
    void gatherCodesMatchesTheCpuExactly() {
        int[] widths = {F, 17, 11};
        Matrix[] z = {distinct(B, F), distinct(B, 17), distinct(B, 11)};
        Matrix[] positions = new Matrix[3], onGpu = new Matrix[3];
        int next = 0;
        for (int s = 0; s < 3; s++) {
            positions[s] = Matrix.allocate(arena, 1, widths[s]);
            for (int i = 0; i < widths[s]; i++) positions[s].set(0, i, s < 2 && random.nextBoolean() ? next++ : -1);
            onGpu[s] = on(positions[s]);
        }
        try (SparseCodes a = cpu.newCodes(B, F, 1); SparseCodes b = cpu.newCodes(B, 17, 1); SparseCodes c = cpu.newCodes(B, 11, 1);
             SparseCodes ga = cuda.newCodes(B, F, 1); SparseCodes gb = cuda.newCodes(B, 17, 1); SparseCodes gc = cuda.newCodes(B, 11, 1);
             SparseCodes want = cpu.newCodes(B, next, 1); SparseCodes got = cuda.newCodes(B, next, 1)) {
            cpu.selectTopK(z[0], K, null, a);
            cuda.selectTopK(on(z[0]), K, null, ga);
            cpu.selectAbove(z[1], null, b);
            cuda.selectAbove(on(z[1]), null, gb);
            cpu.selectAbove(z[2], null, c);
            cuda.selectAbove(on(z[2]), null, gc);
            cpu.gatherCodes(new SparseCodes[] {a, b, c}, positions, want);
            cuda.gatherCodes(new SparseCodes[] {ga, gb, gc}, onGpu, got);
            assertSameCodes("gatherCodes", want, got);
            assertEquals(want.nnz(), got.nnz());
        }
    }

    @Test
    void clampMinKeepsNaNAndInfinitiesAsTheCpu() {
        // A diverging run must stay visible on the GPU too: NaN is not "repaired" to the floor.
        Matrix x = random(B, D);
        x.setFlat(3, Float.NaN);
        x.setFlat(10, Float.POSITIVE_INFINITY);
        x.setFlat(11, Float.NEGATIVE_INFINITY);
        Matrix h = copy(x), d = on(x);
        cpu.clampMin(h, 0.1f);
        cuda.clampMin(d, 0.1f);
        float[] actual = host(d);
        assertTrue(Float.isNaN(h.getFlat(3)), "the CPU keeps NaN");
        assertArrayEquals(h.toArray(), actual, "clampMin, NaN and infinities included (NaN equals NaN here)");
    }

    @Test
    void float64Reductions() {
        Matrix x = random(B, D), y = random(B, D), out = random(1, D);
        check("columnSums", out, m -> cpu.columnSums(x, 0.5f, -2f, m), m -> cuda.columnSums(on(x), 0.5f, -2f, m), 4 * U);
        Matrix norms = random(1, B);
        check("rowNorms", norms, m -> cpu.rowNorms(x, m), m -> cuda.rowNorms(on(x), m), 4 * U);
        check("rowSquaredDistances", norms, m -> cpu.rowSquaredDistances(x, y, m), m -> cuda.rowSquaredDistances(on(x), on(y), m), 4 * U);
        double expected = cpu.sumSquares(x), actual = cuda.sumSquares(on(x));
        assertEquals(expected, actual, 1e-12 * expected, "sumSquares");
    }

    @Test
    void gemmInEveryTransposition() {
        int m = 23, n = 31, k = 41;
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                Matrix a = ta ? random(k, m) : random(m, k), b = tb ? random(n, k) : random(k, n), c = random(m, n);
                Matrix expected = copy(c);
                cpu.gemm(ta, tb, 0.75f, a, b, -0.5f, expected);
                Matrix dc = on(c);
                cuda.gemm(ta, tb, 0.75f, on(a), on(b), -0.5f, dc);
                // |terms| ≤ 0.75·k + 0.5 for entries in [-1, 1)
                assertWithin("gemm " + ta + tb, expected.toArray(), host(dc), 2 * gamma(k + 1) * (0.75 * k + 0.5));
            }
    }

    // ---- activation rules ----

    @Test
    void selectAboveAndBandMatchExactly() {
        Matrix z = distinct(B, WIDE), theta = random(1, WIDE);
        assertSameCodes("ReLU", cpuCodes(c -> cpu.selectAbove(z, null, c), WIDE), gpuCodes(c -> cuda.selectAbove(on(z), null, c), WIDE));
        assertSameCodes("JumpReLU", cpuCodes(c -> cpu.selectAbove(z, theta, c), WIDE), gpuCodes(c -> cuda.selectAbove(on(z), on(theta), c), WIDE));
        assertSameCodes("band", cpuCodes(c -> cpu.selectBand(z, theta, 0.125f, c), WIDE),
                gpuCodes(c -> cuda.selectBand(on(z), on(theta), 0.125f, c), WIDE));
    }

    @Test
    void topKMatchesExactlyWithAndWithoutAMask() {
        Matrix z = distinct(B, WIDE);
        assertSameCodes("TopK", cpuCodes(c -> cpu.selectTopK(z, 32, null, c), WIDE), gpuCodes(c -> cuda.selectTopK(on(z), 32, null, c), WIDE));
        // aux-k over few "dead" latents: many rows hold fewer than k positive eligible entries
        Matrix dead = Matrix.allocate(arena, 1, WIDE);
        for (int i = 0; i < WIDE; i += 37) dead.set(0, i, 1f);
        assertSameCodes("aux-k", cpuCodes(c -> cpu.selectTopK(z, 16, dead, c), WIDE), gpuCodes(c -> cuda.selectTopK(on(z), 16, on(dead), c), WIDE));
        assertSameCodes("k > F", cpuCodes(c -> cpu.selectTopK(z, WIDE + 5, null, c), WIDE), gpuCodes(c -> cuda.selectTopK(on(z), WIDE + 5, null, c), WIDE));
    }

    @Test
    void batchTopKMatchesExactlyAndReturnsTheCut() {
        Matrix z = distinct(67, WIDE);
        float[] cuts = new float[2];
        SparseCodes expected = cpuCodes(c -> cuts[0] = cpu.selectBatchTopK(z, 24, c), WIDE);
        SparseCodes actual = gpuCodes(c -> cuts[1] = cuda.selectBatchTopK(on(z), 24, c), WIDE);
        assertSameCodes("BatchTopK", expected, actual);
        assertEquals(cuts[0], cuts[1], "smallest kept value");
        // Fewer positives than B·k: all are kept, and the cut is the smallest positive.
        Matrix sparse = distinct(13, WIDE);
        for (long i = 0; i < sparse.size(); i++) if (i % 101 != 0) sparse.setFlat(i, -Math.abs(sparse.getFlat(i)) - 1e-3f);
        SparseCodes e2 = cpuCodes(c -> cuts[0] = cpu.selectBatchTopK(sparse, 24, c), WIDE);
        SparseCodes a2 = gpuCodes(c -> cuts[1] = cuda.selectBatchTopK(on(sparse), 24, c), WIDE);
        assertSameCodes("BatchTopK, few positives", e2, a2);
        assertEquals(cuts[0], cuts[1], "smallest kept value with few positives");
        Matrix negative = random(5, 17);
        negative.fill(-0.5f);
        assertTrue(Float.isNaN(cuda.selectBatchTopK(on(negative), 3, cuda.newCodes(5, 17, 15))), "NaN when nothing is positive");
    }

    @Test
    void batchTopKKeepsExactlyBTimesKWithTiesInRowMajorOrder() {
        // Values on a grid of 1/8: many ties at the cut, which the CPU takes in row-major order.
        Matrix z = random(41, WIDE);
        for (long i = 0; i < z.size(); i++) z.setFlat(i, Math.round(z.getFlat(i) * 8) / 8f);
        float[] cuts = new float[2];
        SparseCodes expected = cpuCodes(c -> cuts[0] = cpu.selectBatchTopK(z, 7, c), WIDE);
        SparseCodes actual = gpuCodes(c -> cuts[1] = cuda.selectBatchTopK(on(z), 7, c), WIDE);
        assertEquals(41L * 7, expected.nnz(), "the CPU keeps B·k");
        assertSameCodes("BatchTopK with ties", expected, actual);
        assertEquals(cuts[0], cuts[1], "smallest kept value");
    }

    @Test
    void topKWithTiesKeepsKValuesOfTheSameSizes() {
        // Which of several equal values a row keeps at its cut may differ; how many and their sizes may not.
        Matrix z = random(B, WIDE);
        for (long i = 0; i < z.size(); i++) z.setFlat(i, Math.round(z.getFlat(i) * 4) / 4f);
        SparseCodes expected = cpuCodes(c -> cpu.selectTopK(z, 9, null, c), WIDE), actual = gpuCodes(c -> cuda.selectTopK(on(z), 9, null, c), WIDE);
        for (int r = 0; r <= B; r++) assertEquals(expected.rowStart(r), actual.rowStart(r), "row start " + r);
        for (int r = 0; r < B; r++) {
            float[] e = new float[expected.rowStart(r + 1) - expected.rowStart(r)], a = new float[e.length];
            for (int j = 0; j < e.length; j++) {
                e[j] = expected.value(expected.rowStart(r) + j);
                a[j] = actual.value(actual.rowStart(r) + j);
                assertEquals(a[j], z.get(r, actual.index(actual.rowStart(r) + j)), "value of entry " + j + " of row " + r + " is z's");
            }
            java.util.Arrays.sort(e);
            java.util.Arrays.sort(a);
            assertArrayEquals(e, a, "kept values of row " + r);
        }
    }

    // ---- edge cases (run on a real GPU too) ----

    @Test
    void selectionsOfNaNInfinitiesAndAllNegativeRowsMatchTheCpu() {
        // Row 0 all negative, row 1 with NaNs and both infinities, row 2 all NaN, row 3 several +∞.
        Matrix z = distinct(B, WIDE), theta = random(1, WIDE);
        for (int c = 0; c < WIDE; c++) {
            z.set(0, c, -Math.abs(z.get(0, c)) - 1e-3f);
            z.set(2, c, Float.NaN);
        }
        for (int c = 0; c < WIDE; c += 97) z.set(1, c, Float.NaN);
        z.set(1, 5, Float.POSITIVE_INFINITY);
        z.set(1, 6, Float.NEGATIVE_INFINITY);
        for (int c = 3; c < WIDE; c += 301) z.set(3, c, Float.POSITIVE_INFINITY);
        assertSameCodes("ReLU", cpuCodes(c -> cpu.selectAbove(z, null, c), WIDE), gpuCodes(c -> cuda.selectAbove(on(z), null, c), WIDE));
        assertSameCodes("JumpReLU", cpuCodes(c -> cpu.selectAbove(z, theta, c), WIDE), gpuCodes(c -> cuda.selectAbove(on(z), on(theta), c), WIDE));
        assertSameCodes("band", cpuCodes(c -> cpu.selectBand(z, theta, 0.125f, c), WIDE),
                gpuCodes(c -> cuda.selectBand(on(z), on(theta), 0.125f, c), WIDE));
        assertSameCodes("TopK", cpuCodes(c -> cpu.selectTopK(z, 7, null, c), WIDE), gpuCodes(c -> cuda.selectTopK(on(z), 7, null, c), WIDE));
        float[] cuts = new float[2];
        SparseCodes expected = cpuCodes(c -> cuts[0] = cpu.selectBatchTopK(z, 7, c), WIDE), actual = gpuCodes(c -> cuts[1] = cuda.selectBatchTopK(on(z), 7, c), WIDE);
        assertSameCodes("BatchTopK", expected, actual);
        assertEquals(cuts[0], cuts[1], "BatchTopK's cut");
    }

    @Test
    void kAboveTheColumnsKeepsEveryPositiveEntry() {
        Matrix z = distinct(B, F);
        assertSameCodes("TopK, k > F", cpuCodes(c -> cpu.selectTopK(z, F + 3, null, c), F), gpuCodes(c -> cuda.selectTopK(on(z), F + 3, null, c), F));
        float[] cuts = new float[2];
        SparseCodes expected = cpuCodes(c -> cuts[0] = cpu.selectBatchTopK(z, F + 3, c), F), actual = gpuCodes(c -> cuts[1] = cuda.selectBatchTopK(on(z), F + 3, c), F);
        assertSameCodes("BatchTopK, k > F", expected, actual);
        assertEquals(cuts[0], cuts[1], "BatchTopK's cut");
    }

    @Test
    void zeroRowsAreEmptyResults() {
        Matrix z = Matrix.allocate(arena, 0, WIDE), dz = cuda.allocate(arena, 0, WIDE), w = random(WIDE, D);
        for (String rule : new String[] {"ReLU", "TopK", "BatchTopK"}) {
            SparseCodes d = cuda.newCodes(1, WIDE, 1);
            switch (rule) {
                case "ReLU" -> cuda.selectAbove(dz, null, d);
                case "TopK" -> cuda.selectTopK(dz, 5, null, d);
                default -> {
                    float cut = cuda.selectBatchTopK(dz, 5, d);
                    assertEquals(cpu.selectBatchTopK(z, 5, new SparseCodes(1, WIDE, 1)), cut, "BatchTopK's cut of no rows");
                }
            }
            SparseCodes h = download(d, WIDE);
            assertEquals(0, h.rows(), rule + ": rows");
            assertEquals(0, h.nnz(), rule + ": entries");
            Matrix out = cuda.allocate(arena, 0, D);
            cuda.sparseDecode(d, on(w), null, out);
            d.close();
        }
        assertEquals(0.0, cuda.sumSquares(dz), "sumSquares of nothing");
        Matrix sums = random(1, WIDE);
        check("columnSums of no rows", sums, m -> cpu.columnSums(z, 1f, 0.5f, m), m -> cuda.columnSums(dz, 1f, 0.5f, m), 4 * U);
    }

    @Test
    void latentsThatNeverFireAreLeftAsTheCpuLeavesThem() {
        // Codes over WIDE latents of which only every 10th can fire: the others keep their
        // gradient rows, sums and counts, and their since-fired counters age.
        Matrix z = distinct(B, WIDE), mask = Matrix.allocate(arena, 1, WIDE), dense = random(B, D);
        for (int i = 0; i < WIDE; i += 10) mask.set(0, i, 1f);
        SparseCodes hc = cpuCodes(c -> cpu.selectTopK(z, 3, mask, c), WIDE), dc = cuda.newCodes(B, WIDE, 1);
        cuda.selectTopK(on(z), 3, on(mask), dc);
        Matrix grad = random(WIDE, D);
        check("sparseTransposeProduct", grad, m -> cpu.sparseTransposeProduct(hc, 0.5f, dense, m), m -> cuda.sparseTransposeProduct(dc, 0.5f, on(dense), m),
                2 * gamma(B + 1) * (0.5 * B + 1));
        Matrix perLatent = random(1, WIDE);
        check("sparseColumnSums", perLatent, m -> cpu.sparseColumnSums(hc, 0.75f, m), m -> cuda.sparseColumnSums(dc, 0.75f, m), 2 * gamma(B + 1) * (B + 1));
        check("sparseColumnCounts", perLatent, m -> cpu.sparseColumnCounts(hc, 0.75f, m), m -> cuda.sparseColumnCounts(dc, 0.75f, m), 0);
        Matrix since = random(1, WIDE);
        since.fill(7f);
        check("updateSinceFired", since, m -> cpu.updateSinceFired(hc, 4096f, m), m -> cuda.updateSinceFired(dc, 4096f, m), 0);
        hc.close();
        dc.close();
    }

    @Test
    void orderedCompactionsPassEmptyTilesWithOneBarrier() {
        // Wide rows that keep a handful of entries (a sparse JumpReLU, a TopK over few positives):
        // a tile of latents that keeps nothing must not pay for prefix counts. Counted on the
        // emulated device (its barrier counter); a GPU has no such counter.
        assumeTrue(CudaLibraries.emulated(), "barriers are counted on the emulated device only");
        int rows = 4, cols = 16384;
        Matrix z = random(rows, cols);
        for (long i = 0; i < z.size(); i++) z.setFlat(i, i % 4001 == 0 ? 0.5f : -Math.abs(z.getFlat(i)));
        Matrix dz = on(z);
        for (String rule : new String[] {"ReLU", "TopK"}) {
            SparseCodes codes = cuda.newCodes(rows, cols, 1);
            long before = emulatedBarriers();
            if (rule.equals("ReLU")) cuda.selectAbove(dz, null, codes);
            else cuda.selectTopK(dz, 3, null, codes);
            long perRow = (emulatedBarriers() - before) / rows;
            // One per tile of 1024 latents, at most 8 more per tile holding a positive entry (5 a
            // row here), 12 for the counting passes. Before: 3 per 256 latents (ReLU), 6 (TopK).
            long bound = cols / 1024 + 8 * 5 + 12;
            assertTrue(perRow <= bound, rule + ": " + perRow + " barriers per row of " + cols + " latents, over " + bound);
            assertEquals(cpuCodes(c -> { if (rule.equals("ReLU")) cpu.selectAbove(z, null, c); else cpu.selectTopK(z, 3, null, c); }, cols).nnz(),
                    download(codes, cols).nnz(), rule + ": entries");
            codes.close();
        }
    }

    private static long emulatedBarriers() {
        MemorySegment f = CudaLibraries.cudart().lookup().find("saestitch_emu_barriers").orElseThrow();
        try {
            return (long) Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_LONG)).invokeExact();
        } catch (Throwable e) {
            throw new AssertionError("saestitch_emu_barriers", e);
        }
    }

    // ---- sparse products ----

    @ParameterizedTest(name = "dense above {0}")
    @ValueSource(doubles = {Double.POSITIVE_INFINITY, 0})  // gathers only, scatter and GEMM only
    void sparseDecodeAndBackward(double denseDensity) {
        try (CudaBackend b = new CudaBackend(GemmPrecision.FP32, "", denseDensity)) {
            cuda = b;
            sparseProducts();
            b.synchronize();
        } finally {
            cuda = gpu;
        }
    }

    private void sparseProducts() {
        Matrix z = distinct(B, F), w = random(F, D), bias = random(1, D), dense = random(B, D);
        SparseCodes hc = cpuCodes(c -> cpu.selectTopK(z, K, null, c), F);
        SparseCodes dc = cuda.newCodes(B, F, 1);
        cuda.selectTopK(on(z), K, null, dc);
        Matrix dw = on(w);
        // each decoded element sums K products of |v| < 1 and |w| < 1, plus the bias
        Matrix out = Matrix.allocate(arena, B, D), dOut = cuda.allocate(arena, B, D);
        cpu.sparseDecode(hc, w, bias, out);
        cuda.sparseDecode(dc, dw, on(bias), dOut);
        assertWithin("sparseDecode", out.toArray(), host(dOut), 2 * gamma(K + 1) * (K + 1));
        cpu.sparseDecode(hc, w, null, out);
        cuda.sparseDecode(dc, dw, null, dOut);
        assertWithin("sparseDecode without bias", out.toArray(), host(dOut), 2 * gamma(K) * K);

        Matrix grad = random(F, D);
        Matrix dGrad = on(grad);
        cpu.sparseTransposeProduct(hc, 0.5f, dense, grad);
        cuda.sparseTransposeProduct(dc, 0.5f, on(dense), dGrad);
        assertWithin("sparseTransposeProduct", grad.toArray(), host(dGrad), 2 * gamma(B + 1) * (0.5 * B + 1));

        SparseCodes hDots = new SparseCodes(B, F, 1), dDots = cuda.newCodes(B, F, 1);
        cpu.sampledDot(hc, dense, w, hDots);
        cuda.sampledDot(dc, on(dense), dw, dDots);
        SparseCodes dots = download(dDots, F);
        assertSamePattern("sampledDot", hDots, dots);
        for (long e = 0; e < hDots.nnz(); e++) assertEquals(hDots.value(e), dots.value(e), 2 * gamma(D) * D, "sampledDot entry " + e);

        Matrix perLatent = random(1, F);
        check("sparseColumnSums", perLatent, m -> cpu.sparseColumnSums(hc, 0.75f, m), m -> cuda.sparseColumnSums(dc, 0.75f, m), 2 * gamma(B + 1) * (B + 1));
        check("sparseColumnCounts", perLatent, m -> cpu.sparseColumnCounts(hc, 0.75f, m), m -> cuda.sparseColumnCounts(dc, 0.75f, m), 2 * gamma(B + 1) * (B + 1));
        check("sparseColumnProducts", perLatent, m -> cpu.sparseColumnProducts(hc, hDots, -0.5f, m),
                m -> cuda.sparseColumnProducts(dc, dDots, -0.5f, m), 4 * U * (0.5 * B * D + 1) + 2 * gamma(D) * D * B);

        Matrix since = random(1, F);
        since.fill(7f);
        check("updateSinceFired", since, m -> cpu.updateSinceFired(hc, 4096f, m), m -> cuda.updateSinceFired(dc, 4096f, m), 0);

        cpu.sparseAddByLatent(hDots, 0.25f, perLatent);
        cuda.sparseAddByLatent(dDots, 0.25f, on(perLatent));
        SparseCodes added = download(dDots, F);
        for (long e = 0; e < hDots.nnz(); e++) assertEquals(hDots.value(e), added.value(e), 2 * gamma(D) * D + 4 * U * 2, "sparseAddByLatent entry " + e);
        for (SparseCodes c : new SparseCodes[] {hc, dc, hDots, dDots, dots, added}) c.close();
    }

    @Test
    void sparseColumnCountsAddAlphaTimesTheCountOnce() {
        // 4096 entries of latent 7: adding alpha once per entry in float32 drifts by hundreds of
        // ulps; the count is exact, so alpha·count is the CPU's value exactly.
        int rows = 4096;
        SparseCodes host = new SparseCodes(rows, F, 1), device = cuda.newCodes(rows, F, 1);
        for (SparseCodes c : new SparseCodes[] {host, device}) {
            c.reset(rows, 2L * rows);
            for (int r = 0; r < rows; r++) {
                c.setRowStart(r, 2 * r);
                c.setIndex(2 * r, 7);
                c.setValue(2 * r, 1f);
                c.setIndex(2 * r + 1, 11 + r % 5);
                c.setValue(2 * r + 1, 1f);
            }
            c.setRowStart(rows, 2 * rows);
        }
        Matrix start = random(1, F), h = copy(start), d = on(start);
        cpu.sparseColumnCounts(host, 0.1f, h);
        cuda.sparseColumnCounts(device, 0.1f, d);
        assertArrayEquals(h.toArray(), host(d), "sparseColumnCounts");
        host.close();
        device.close();
    }

    @Test
    void sampledDotSumsInFloat64AsTheCpu() {
        // Terms of ±1024 that cancel exactly, then small ones: a float32 sum per lane rounds the
        // small terms against a partial sum near 4096 (an ulp of 5e-4); float64 sums keep them.
        // Both backends then round one float64 sum: within 4u·|result|, plus 1e-9 for the order
        // of float64 terms (about 1e-16 of the 1.3e5 sum of |terms|). K of WIDE latents is under
        // both backends' dense switch-over: both take their sparse path.
        int d = 256;
        Matrix a = random(B, d), w = random(WIDE, d);
        for (int c = 0; c < d / 2; c++) {
            for (int r = 0; r < B; r++) a.set(r, c, 1024f);
            for (int i = 0; i < WIDE; i++) w.set(i, c, c % 2 == 0 ? 1f : -1f);
        }
        Matrix z = distinct(B, WIDE);
        SparseCodes hc = cpuCodes(c -> cpu.selectTopK(z, K, null, c), WIDE), dc = cuda.newCodes(B, WIDE, 1);
        SparseCodes hDots = new SparseCodes(B, WIDE, 1), dDots = cuda.newCodes(B, WIDE, 1);
        cuda.selectTopK(on(z), K, null, dc);
        cpu.sampledDot(hc, a, w, hDots);
        cuda.sampledDot(dc, on(a), on(w), dDots);
        SparseCodes dots = download(dDots, WIDE);
        assertSamePattern("sampledDot", hDots, dots);
        for (long e = 0; e < hDots.nnz(); e++)
            assertEquals(hDots.value(e), dots.value(e), 4 * U * Math.abs(hDots.value(e)) + 1e-9, "sampledDot entry " + e);
        for (SparseCodes c : new SparseCodes[] {hc, dc, hDots, dDots, dots}) c.close();
    }

    @Test
    void codesWrittenAndReadOnTheHostReachTheKernels() {
        // Written on the host the way CompositeSaeRunner writes its codes, then decoded on the device.
        Matrix w = random(F, D);
        SparseCodes host = new SparseCodes(B, F, 1), device = cuda.newCodes(B, F, 1);
        for (SparseCodes c : new SparseCodes[] {host, device}) {
            Random r = new Random(5);
            c.reset(B, (long) B * 3);
            int e = 0;
            for (int row = 0; row < B; row++) {
                c.setRowStart(row, e);
                for (int j = 0; j < row % 4; j++) {
                    c.setIndex(e, (row * 7 + j * 11) % F);
                    c.setValue(e++, r.nextFloat() * 2 - 1);
                }
            }
            c.setRowStart(B, e);
        }
        Matrix out = Matrix.allocate(arena, B, D), dOut = cuda.allocate(arena, B, D);
        cpu.sparseDecode(host, w, null, out);
        cuda.sparseDecode(device, on(w), null, dOut);
        assertWithin("decode of host-written codes", out.toArray(), host(dOut), 2 * gamma(3) * 3);
        // Read back on the host after a kernel wrote them: the same as a download.
        cuda.selectTopK(on(distinct(B, F)), K, null, device);
        SparseCodes downloaded = download(device, F);
        assertEquals(downloaded.nnz(), device.nnz());
        for (int r = 0; r <= B; r++) assertEquals(downloaded.rowStart(r), device.rowStart(r), "row start " + r);
        for (long e = 0; e < downloaded.nnz(); e++) {
            assertEquals(downloaded.index(e), device.index(e), "index " + e);
            assertEquals(downloaded.value(e), device.value(e), "value " + e);
        }
        for (SparseCodes c : new SparseCodes[] {host, device, downloaded}) c.close();
    }

    // ---- optimiser ----

    @Test
    void adamAndDecoderRows() {
        Matrix p = random(F, D), g = random(F, D), m = random(F, D), v = random(F, D);
        for (long i = 0; i < v.size(); i++) v.setFlat(i, Math.abs(v.getFlat(i)));  // a second moment is never negative
        Matrix dp = on(p), dg = on(g), dm = on(m), dv = on(v);
        cpu.adam(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 7);
        cuda.adam(dp, dg, dm, dv, 1e-3f, 0.9f, 0.999f, 1e-8f, 7);
        assertWithin("adam m", m.toArray(), host(dm), 4 * U * 2);
        assertWithin("adam v", v.toArray(), host(dv), 4 * U * 2);
        // the step is lr/(1−β1^t)·m̂/(sqrt(v̂)+eps), under 1e-3/(1−0.9⁷)·(a few) in size
        assertWithin("adam param", p.toArray(), host(dp), 4 * U * 1 + 1e-6);

        check("normaliseRows", p, cpu::normaliseRows, cuda::normaliseRows, 4 * U);
        check("removeParallelComponent", g, x -> cpu.removeParallelComponent(p, x), x -> cuda.removeParallelComponent(on(p), x), 8 * U * D);
    }

    @Test
    void fusedDecoderStepEqualsTheThreeOps() {
        Matrix p = random(F, D), g = random(F, D), m = random(F, D), v = random(F, D);
        for (long i = 0; i < v.size(); i++) v.setFlat(i, Math.abs(v.getFlat(i)));
        cpu.normaliseRows(p);
        Matrix dp = on(p), dg = on(g), dm = on(m), dv = on(v);
        cpu.removeParallelComponent(p, g);
        cpu.adam(p, g, m, v, 1e-2f, 0.9f, 0.999f, 1e-8f, 3);
        cpu.normaliseRows(p);
        cuda.adamUnitRows(dp, dg, dm, dv, 1e-2f, 0.9f, 0.999f, 1e-8f, 3);
        assertWithin("projected grad", g.toArray(), host(dg), 8 * U * D);
        assertWithin("rows", p.toArray(), host(dp), 1e-5);
        assertWithin("m", m.toArray(), host(dm), 8 * U * D);
    }

    @Test
    void maxCosineInBothDirections() {
        int fa = 45, fb = 59;
        Matrix a = random(fa, D), b = random(fb, D);
        cpu.normaliseRows(a);
        cpu.normaliseRows(b);
        // Tiles that do not divide the sizes: 13 columns (scalar reads), 28 (float4 reads, then a scalar tail of 3).
        for (int tileCols : new int[] {13, 28}) checkMaxCosine(a, b, cuda.maxDots(on(a), on(b), 16, tileCols));
    }

    @Test
    void maxDotsBreaksTiesAsTheHostFold() {
        // Basis vectors: products exactly 0 or 1 in any precision; ties across tiles, zeros included.
        Matrix a = FusedStepsTest.basisRows(arena, new int[] {3, 0, 5, 3, 1}, 6), b = FusedStepsTest.basisRows(arena, new int[] {2, 3, 4, 0, 3, 1, 3}, 6);
        for (int[] tile : new int[][] {{2, 3}, {1, 1}, {5, 7}, {4, 2}}) {
            DotMaxima expected = cpu.maxDots(a, b, tile[0], tile[1]), actual = cuda.maxDots(on(a), on(b), tile[0], tile[1]);
            String at = "tile " + tile[0] + "x" + tile[1];
            assertArrayEquals(expected.maxOverB(), actual.maxOverB(), at);
            assertArrayEquals(expected.argmaxInB(), actual.argmaxInB(), at);
            assertArrayEquals(expected.maxOverA(), actual.maxOverA(), at);
            assertArrayEquals(expected.argmaxInA(), actual.argmaxInA(), at);
        }
    }

    @Test
    void scanDotsTakesTheMaximaFromTheKernelAndTheKeysFromTheRowsAboveTheCut() {
        // Small integers: every product exact in any precision, so maxima, ties and keys must equal the CPU's.
        // Rows 16..31 of A are zero (their maxima 0, below the cut): that tile of rows is never multiplied again.
        int fa = 45, fb = 23, d = 8;
        Random rnd = new Random(5);
        Matrix a = Matrix.allocate(arena, fa, d), b = Matrix.allocate(arena, fb, d);
        for (long e = 0; e < a.size(); e++) a.setFlat(e, e / d >= 16 && e / d < 32 ? 0 : rnd.nextInt(5) - 2);
        for (long e = 0; e < b.size(); e++) b.setFlat(e, rnd.nextInt(5) - 2);
        for (float cut : new float[] {3, 7, 100}) {
            DotScan expected = cpu.scanDots(a, b, 16, 7, cut), actual = cuda.scanDots(on(a), on(b), 16, 7, cut);
            String at = "cut " + cut;
            assertArrayEquals(expected.maxima().maxOverB(), actual.maxima().maxOverB(), at);
            assertArrayEquals(expected.maxima().argmaxInB(), actual.maxima().argmaxInB(), at);
            assertArrayEquals(expected.maxima().maxOverA(), actual.maxima().maxOverA(), at);
            assertArrayEquals(expected.maxima().argmaxInA(), actual.maxima().argmaxInA(), at);
            long[] want = expected.keysAbove().clone(), got = actual.keysAbove().clone();
            Arrays.sort(want);
            Arrays.sort(got);
            assertArrayEquals(want, got, at);
            if (cut == 3) assertTrue(want.length > 20, "entries above the cut: " + want.length);
        }
    }

    @Test
    void maxDotsOfARowOfMinusInfinitiesHasNoArgmax() {
        // Row 1 of A is (−∞, 0, ...) and every row of B starts positive: its products are all −∞,
        // which the host fold (strictly greater than −∞) never takes: max −∞, argmax −1.
        Matrix a = random(3, D), b = random(4, D);
        for (int c = 0; c < D; c++) a.set(1, c, 0f);
        a.set(1, 0, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < 4; j++) b.set(j, 0, Math.abs(b.get(j, 0)) + 0.5f);
        DotMaxima expected = cpu.maxDots(a, b, 2, 3), actual = cuda.maxDots(on(a), on(b), 2, 3);
        assertEquals(-1, expected.argmaxInB()[1], "the host fold keeps -1");
        assertEquals(expected.argmaxInB()[1], actual.argmaxInB()[1], "argmax of the row of −∞");
        assertEquals(expected.maxOverB()[1], actual.maxOverB()[1], "max of the row of −∞");
    }

    @Test
    void maxDotsOfATileTallerThanOneGridOfRowStrips() {
        // gridDim.y strips of 32 rows (65535 on a GPU, fewer on the emulated device: see the pom) is
        // the most one launch covers: this tile needs two.
        int fa = maxGridY() * 32 + 77, fb = 3, d = 3;
        Matrix a = random(fa, d), b = random(fb, d);
        DotMaxima t = cuda.maxDots(on(a), on(b), fa, fb);
        double bound = 2 * gamma(d) * d;
        for (int i = 0; i < fa; i += 997) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < fb; j++) best = Math.max(best, cosine(a, i, b, j));
            assertEquals(best, t.maxOverB()[i], bound, "max over B of row " + i);
        }
        for (int j = 0; j < fb; j++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < fa; i++) best = Math.max(best, cosine(a, i, b, j));
            assertEquals(best, t.maxOverA()[j], bound, "max over A of row " + j);
            assertEquals(best, cosine(a, t.argmaxInA()[j], b, j), 2 * bound, "argmax in A of row " + j);
        }
    }

    private static void checkMaxCosine(Matrix a, Matrix b, DotMaxima t) {
        int fa = a.rows(), fb = b.rows();
        double bound = 2 * gamma(D) * 1.0;
        for (int i = 0; i < fa; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < fb; j++) best = Math.max(best, cosine(a, i, b, j));
            assertEquals(best, t.maxOverB()[i], bound, "max over B of row " + i);
            assertEquals(best, cosine(a, i, b, t.argmaxInB()[i]), 2 * bound, "argmax in B of row " + i);
        }
        for (int j = 0; j < fb; j++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < fa; i++) best = Math.max(best, cosine(a, i, b, j));
            assertEquals(best, t.maxOverA()[j], bound, "max over A of row " + j);
            assertEquals(best, cosine(a, t.argmaxInA()[j], b, j), 2 * bound, "argmax in A of row " + j);
        }
    }

    // ---- helpers ----

    private interface Op { void run(Matrix m); }
    private interface CodesOp { void run(SparseCodes c); }

    /** Runs the op on a host copy (CPU) and a device copy (GPU) of {@code start} and compares. */
    private void check(String what, Matrix start, Op onCpu, Op onGpu, double bound) {
        Matrix h = copy(start), d = on(start);
        onCpu.run(h);
        onGpu.run(d);
        float[] expected = h.toArray(), actual = host(d);
        double scale = 0;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        assertWithin(what, expected, actual, bound * Math.max(1, scale));
    }

    private static void assertWithin(String what, float[] expected, float[] actual, double bound) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(actual[i])) fail(what + ": NaN at " + i);
            if (Math.abs(expected[i] - actual[i]) > bound)
                fail(what + ": element " + i + " is " + actual[i] + ", the CPU backend gives " + expected[i] + " (bound " + bound + ")");
        }
    }

    private SparseCodes cpuCodes(CodesOp op, int latents) {
        SparseCodes c = new SparseCodes(1, latents, 1);
        op.run(c);
        return c;
    }

    private SparseCodes gpuCodes(CodesOp op, int latents) {
        SparseCodes d = cuda.newCodes(1, latents, 1);
        op.run(d);
        SparseCodes h = download(d, latents);
        d.close();
        return h;
    }

    private SparseCodes download(SparseCodes device, int latents) {
        SparseCodes h = new SparseCodes(device.rows(), latents, 1);
        cuda.downloadCodes(device, h);
        return h;
    }

    private static void assertSamePattern(String what, SparseCodes expected, SparseCodes actual) {
        assertEquals(expected.rows(), actual.rows(), what + ": rows");
        for (int r = 0; r <= expected.rows(); r++) assertEquals(expected.rowStart(r), actual.rowStart(r), what + ": row start " + r);
        for (long e = 0; e < expected.nnz(); e++) assertEquals(expected.index(e), actual.index(e), what + ": index of entry " + e);
    }

    private static void assertSameCodes(String what, SparseCodes expected, SparseCodes actual) {
        assertTrue(expected.nnz() > 0, what + ": the CPU selected nothing, the test would prove little");
        assertSamePattern(what, expected, actual);
        for (long e = 0; e < expected.nnz(); e++) assertEquals(expected.value(e), actual.value(e), what + ": value of entry " + e);
    }

    private Matrix random(int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = random.nextFloat() * 2 - 1;
        return Matrix.of(arena, rows, cols, v);
    }

    /** Distinct values in [-1, 1) in random order: no ties for the selections. */
    private Matrix distinct(int rows, int cols) {
        int n = rows * cols;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((i + 0.5) / n * 2 - 1);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return Matrix.of(arena, rows, cols, v);
    }

    private Matrix copy(Matrix m) {
        Matrix c = Matrix.allocate(arena, m.rows(), m.cols());
        c.copyFrom(m);
        return c;
    }

    /** A device copy of a host matrix. */
    private Matrix on(Matrix host) {
        Matrix d = cuda.allocate(arena, host.rows(), host.cols());
        cuda.upload(host, d);
        return d;
    }

    private float[] host(Matrix device) {
        Matrix h = Matrix.allocate(arena, device.rows(), device.cols());
        cuda.download(device, h);
        return h.toArray();
    }

    private static double cosine(Matrix a, int i, Matrix b, int j) {
        double s = 0;
        for (int c = 0; c < a.cols(); c++) s += (double) a.get(i, c) * b.get(j, c);
        return s;
    }

    /** The device's gridDim.y limit (cudaDevAttrMaxGridDimY). */
    private static int maxGridY() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocate(ValueLayout.JAVA_INT);
            CudaException.check(cuda_runtime_api_h.cudaDeviceGetAttribute(v, CUDA_DEV_ATTR_MAX_GRID_DIM_Y, 0), "cudaDeviceGetAttribute(max grid y)");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static double gamma(int n) { return n * U / (1 - n * U); }
}
