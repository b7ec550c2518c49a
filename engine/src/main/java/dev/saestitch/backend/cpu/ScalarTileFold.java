package dev.saestitch.backend.cpu;

import java.lang.foreign.MemorySegment;

import static dev.saestitch.tensor.Matrix.FLOAT;

/** The portable {@link TileFold}: one scalar pass per row; also folds the columns that {@link VectorTileFold}'s lanes leave over. */
final class ScalarTileFold implements TileFold {

    @Override
    public void fold(MemorySegment tile, int rows, int n, int i0, int j0, int fb, float cut, float[] rowMax, int[] rowArg, FusedMaxDots.Band band) {
        for (int r = 0; r < rows; r++) foldRow(tile, (long) r * n, 0, n, i0 + r, j0, fb, cut, rowMax, rowArg, band);
    }

    /** Columns [from, to) of the tile row that starts at element {@code at} and holds row i of the product. */
    static void foldRow(MemorySegment tile, long at, int from, int to, int i, int j0, int fb, float cut, float[] rowMax, int[] rowArg, FusedMaxDots.Band band) {
        float[] colMax = band.colMax;
        int[] colArg = band.colArg;
        float best = rowMax[i];
        int arg = rowArg[i];
        for (int t = from; t < to; t++) {
            float v = tile.getAtIndex(FLOAT, at + t);
            int j = j0 + t;
            if (v > best) { best = v; arg = j; }
            if (v > colMax[j]) { colMax[j] = v; colArg[j] = i; }
            if (v > cut) band.above.add((long) i * fb + j);
        }
        rowMax[i] = best;
        rowArg[i] = arg;
    }
}
