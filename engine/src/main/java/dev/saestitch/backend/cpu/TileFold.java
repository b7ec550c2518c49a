package dev.saestitch.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Folds one tile of a·bᵀ, read where the GEMM has just written it (still in cache), into the row
 * maxima, one band's column maxima and the keys of the entries above a cut, in one read of the
 * tile. Ties keep the earlier index (a value replaces a maximum only when strictly larger, so NaN
 * never wins); keys are added in row-major order.
 */
interface TileFold {

    /**
     * @param tile   (rows, n) row-major product of the band's rows i0.. and b's rows j0..
     * @param fb     b's row count (keys are i·fb + j)
     * @param rowMax the maxima of rows i0..i0+rows-1 so far, updated (rowArg with them)
     * @param band   the band's column maxima (indexed by j) and keys
     */
    void fold(MemorySegment tile, int rows, int n, int i0, int j0, int fb, float cut, float[] rowMax, int[] rowArg, FusedMaxDots.Band band);

    /**
     * The SIMD fold when the JVM runs with {@code --add-modules jdk.incubator.vector} (the launcher,
     * the tests and the benchmarks do; about 3× faster on the scan), else the scalar one. Its
     * class is only loaded when the module is there.
     */
    static TileFold fastest() {
        return VectorModule.present() ? new VectorTileFold() : new ScalarTileFold();
    }
}
