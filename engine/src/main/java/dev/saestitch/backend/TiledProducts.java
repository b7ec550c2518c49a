package dev.saestitch.backend;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The product a·bᵀ of two matrices in a backend's memory, visited on the host one tile at a time
 * (one backend GEMM into a tile buffer and one download per tile), so that the full
 * (F_A, F_B) matrix is never held.
 */
public final class TiledProducts {

    /** Receives one host tile: rows i0.. of a against rows j0.. of b. The tile is reused after the call returns. */
    @FunctionalInterface
    public interface TileVisitor {
        void visit(Matrix hostTile, int i0, int j0);
    }

    private TiledProducts() {}

    /**
     * Visits the tiles of a·bᵀ in increasing row, then column, order.
     * @param a (F_A, D) in {@code backend}'s memory
     * @param b (F_B, D) in {@code backend}'s memory
     */
    public static void forEachTile(Backend backend, Matrix a, Matrix b, int tileRows, int tileCols, TileVisitor visitor) {
        Shapes.requireColumns(b, a.cols(), "second factor");
        if (tileRows <= 0 || tileCols <= 0) throw new IllegalArgumentException("tile " + tileRows + "x" + tileCols + " must be positive");
        int fa = a.rows(), fb = b.rows();
        if (fa == 0 || fb == 0) return;
        int ta = Math.min(tileRows, fa), tb = Math.min(tileCols, fb);
        try (Arena arena = Arena.ofShared()) {
            Matrix deviceTile = backend.allocate(arena, ta, tb);
            Matrix hostTile = Matrix.allocate(arena, ta, tb);
            for (int i0 = 0; i0 < fa; i0 += ta) {
                int rows = Math.min(ta, fa - i0);
                for (int j0 = 0; j0 < fb; j0 += tb) {
                    int cols = Math.min(tb, fb - j0);
                    Matrix c = deviceTile.packed(rows, cols);  // (rows, cols) products, packed at the buffer's start
                    backend.gemm(false, true, 1f, a.rows(i0, rows), b.rows(j0, cols), 0f, c);
                    Matrix h = hostTile.packed(rows, cols);
                    backend.download(c, h);
                    visitor.visit(h, i0, j0);
                }
            }
        }
    }

    /**
     * The keys i·F_B + j of the entries of a·bᵀ above {@code cut}, given each row's maximum (from a
     * pass that did not download the product): only the rows of each tile between its first and
     * last row whose maximum exceeds the cut are multiplied and downloaded again. An entry above the
     * cut lies in such a row whenever both passes are within the same error bound of the exact
     * product, which the cut allows for; rows in between may add entries, as any pass may near the cut.
     *
     * @param rowMax the maximum of each row of a·bᵀ (F_A values)
     */
    public static long[] keysAbove(Backend backend, Matrix a, Matrix b, float[] rowMax, int tileRows, int tileCols, float cut) {
        Shapes.requireColumns(b, a.cols(), "second factor");
        int fa = a.rows(), fb = b.rows(), ta = Math.min(tileRows, fa);
        List<long[]> above = new ArrayList<>();
        for (int i0 = 0; i0 < fa; i0 += ta) {
            int end = Math.min(fa, i0 + ta), first = i0, last = end - 1;
            while (first < end && !(rowMax[first] > cut)) first++;
            while (last >= first && !(rowMax[last] > cut)) last--;
            if (first > last) continue;
            int from = first;
            forEachTile(backend, a.rows(from, last - from + 1), b, ta, tileCols,
                    (tile, r0, j0) -> above.add(HostTileMaxima.keysAbove(tile, from + r0, j0, fb, cut)));
        }
        return KeyList.concat(above);
    }
}
