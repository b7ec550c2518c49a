package dev.saestitch.backend.cpu;

import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.backend.KeyList;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;


/**
 * The row and column maxima of a·bᵀ on the CPU with the scan fused into the product: each task
 * takes a band of rows of a and walks b in blocks, one single-threaded GEMM per (band, block)
 * into a tile that stays in cache (at most 4 MiB), which it scans at once (row maxima, and
 * the band's own column maxima, and the entries above a cut). Tasks run on all cores, so the cores work on separate tiles
 * rather than sharing each GEMM; the product is never written out to memory.
 *
 * <p>Ties go to the smallest index: within a band, blocks are visited in column order and a
 * maximum is replaced only by a strictly larger value; bands are merged in row order the same
 * way. NaN never wins.
 */
final class FusedMaxDots {

    /**
     * The most rows of a per band and of b per block: a 1024 × 1024 tile (4 MiB) keeps each
     * GEMM large enough that packing its operands costs little (on 2 cores at D = 768, 4096 × 2048:
     * 256 × 512 tiles took 1.4× the bare GEMM, 1024 × 1024 about 1.1×).
     */
    static final int BAND_ROWS = 1024, BLOCK_COLS = 1024;
    /** The fewest rows per band, so that small problems are still split over the cores. */
    private static final int MIN_BAND_ROWS = 64;

    private FusedMaxDots() {}

    /** Rows per band for F_A rows: up to {@link #BAND_ROWS}, fewer when that leaves under two bands per core. */
    static int bandRows(int rowsA) {
        int perCore = (rowsA + 2 * Parallel.threads() - 1) / (2 * Parallel.threads());
        return Math.max(MIN_BAND_ROWS, Math.min(BAND_ROWS, perCore));
    }

    /**
     * @param a   (F_A, D) host matrix in a shared arena
     * @param b   (F_B, D) host matrix in a shared arena
     * @param fold how each tile is scanned
     * @param cut keep the keys i·F_B + j of entries above it (+∞: none)
     */
    static DotScan compute(Gemm gemm, TileFold fold, Matrix a, Matrix b, int bandRows, int blockCols, float cut) {
        int fa = a.rows(), fb = b.rows();
        float[] rowMax = new float[fa], colMax = new float[fb];
        int[] rowArg = new int[fa], colArg = new int[fb];
        Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(rowArg, -1);
        Arrays.fill(colArg, -1);
        if (fa == 0 || fb == 0) return new DotScan(new DotMaxima(rowMax, rowArg, colMax, colArg), new long[0]);
        int bands = (fa + bandRows - 1) / bandRows;
        Band[] done = new Band[bands];
        gemm.oneThreadPerCall(() -> IntStream.range(0, bands).parallel().forEach(k -> {
            int i0 = k * bandRows, rows = Math.min(bandRows, fa - i0);
            done[k] = scanBand(gemm, fold, a.rows(i0, rows), b, i0, blockCols, cut, rowMax, rowArg);
        }));
        List<long[]> above = new ArrayList<>(bands);
        for (Band band : done) {   // in row order, so ties keep the smaller row
            for (int j = 0; j < fb; j++)
                if (band.colMax[j] > colMax[j]) {
                    colMax[j] = band.colMax[j];
                    colArg[j] = band.colArg[j];
                }
            above.add(band.above.toArray());
        }
        return new DotScan(new DotMaxima(rowMax, rowArg, colMax, colArg), KeyList.concat(above));
    }

    /** One band's column maxima over all of b; its row maxima go straight into the shared arrays (bands own disjoint rows). */
    private static Band scanBand(Gemm gemm, TileFold fold, Matrix band, Matrix b, int i0, int blockCols, float cut, float[] rowMax, int[] rowArg) {
        int rows = band.rows(), fb = b.rows(), cols = Math.min(blockCols, fb);
        Band out = new Band(fb);
        try (Arena arena = Arena.ofShared()) {   // the portable product fills it from several threads
            Matrix product = Matrix.allocate(arena, rows, cols);
            MemorySegment tile = product.data();   // read where the GEMM wrote it: a copy to the heap cost more than the reads' checks
            for (int j0 = 0; j0 < fb; j0 += cols) {
                int n = Math.min(cols, fb - j0);
                Matrix c = new Matrix(product.data(), rows, n);
                gemm.gemm(false, true, 1f, band, b.rows(j0, n), 0f, c);
                fold.fold(tile, rows, n, i0, j0, fb, cut, rowMax, rowArg, out);
            }
        }
        return out;
    }

    /** One band's column maxima and entries above the cut. */
    static final class Band {
        final float[] colMax;
        final int[] colArg;
        final KeyList above = new KeyList();

        Band(int cols) {
            colMax = new float[cols];
            colArg = new int[cols];
            Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        }
    }
}
