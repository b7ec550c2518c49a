package dev.saestitch.backend;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * Running row and column maxima of a product a·bᵀ that arrives tile by tile in host memory.
 * Tiles are folded in increasing row and column order and a maximum is replaced only by a
 * strictly larger value, so ties go to the smallest index; NaN never wins.
 */
public final class HostTileMaxima {

    private static final int MIN_ROWS_PER_CHUNK = 16;

    private final float[] rowMax, colMax;
    private final int[] rowArg, colArg;

    /** Nothing folded yet: −∞ and −1 everywhere. */
    public HostTileMaxima(int rowsA, int rowsB) {
        rowMax = new float[rowsA];
        colMax = new float[rowsB];
        rowArg = new int[rowsA];
        colArg = new int[rowsB];
        Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(rowArg, -1);
        Arrays.fill(colArg, -1);
    }

    /**
     * Folds in {@code tile}, which holds rows i0.. of a against rows j0.. of b: row chunks in
     * parallel, each with its own column maxima, merged in row order.
     */
    public void fold(Matrix tile, int i0, int j0) {
        int rows = tile.rows(), cols = tile.cols();
        int chunks = chunks(rows);
        Chunk[] parts = new Chunk[chunks];
        IntStream.range(0, chunks).parallel().forEach(k -> {
            Chunk part = new Chunk(cols);
            float[] row = new float[cols];
            MemorySegment t = tile.data();
            for (int r = rows * k / chunks, end = rows * (k + 1) / chunks; r < end; r++) {
                MemorySegment.copy(t, FLOAT, (long) r * cols * Float.BYTES, row, 0, cols);
                int i = i0 + r;
                float best = rowMax[i];
                int arg = rowArg[i];
                for (int c = 0; c < cols; c++) {
                    float v = row[c];
                    if (v > best) { best = v; arg = j0 + c; }
                    if (v > part.colMax[c]) { part.colMax[c] = v; part.colArg[c] = i; }
                }
                rowMax[i] = best;   // rows are disjoint across chunks
                rowArg[i] = arg;
            }
            parts[k] = part;
        });
        for (Chunk part : parts)
            for (int c = 0; c < cols; c++)
                if (part.colMax[c] > colMax[j0 + c]) {
                    colMax[j0 + c] = part.colMax[c];
                    colArg[j0 + c] = part.colArg[c];
                }
    }

    /** The keys (i0 + r)·stride + j0 + c of the tile's entries above {@code cut}: row chunks in parallel. */
    public static long[] keysAbove(Matrix tile, int i0, int j0, int stride, float cut) {
        int rows = tile.rows(), cols = tile.cols();
        int chunks = chunks(rows);
        long[][] parts = new long[chunks][];
        IntStream.range(0, chunks).parallel().forEach(k -> {
            KeyList part = new KeyList();
            float[] row = new float[cols];
            MemorySegment t = tile.data();
            for (int r = rows * k / chunks, end = rows * (k + 1) / chunks; r < end; r++) {
                MemorySegment.copy(t, FLOAT, (long) r * cols * Float.BYTES, row, 0, cols);
                for (int c = 0; c < cols; c++) if (row[c] > cut) part.add((long) (i0 + r) * stride + j0 + c);
            }
            parts[k] = part.toArray();
        });
        return KeyList.concat(List.of(parts));
    }

    /** The maxima so far (the arrays themselves, not copies). */
    public DotMaxima result() { return new DotMaxima(rowMax, rowArg, colMax, colArg); }

    /** How many row chunks a tile of {@code rows} rows is scanned in (callers that scan it again chunk it the same way). */
    public static int chunks(int rows) {
        return Math.max(1, Math.min(2 * Runtime.getRuntime().availableProcessors(), rows / MIN_ROWS_PER_CHUNK));
    }

    /** One row chunk's partial column maxima over the tile's columns. */
    private static final class Chunk {
        final float[] colMax;
        final int[] colArg;

        Chunk(int cols) {
            colMax = new float[cols];
            colArg = new int[cols];
            Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        }
    }
}
