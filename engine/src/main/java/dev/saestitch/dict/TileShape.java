package dev.saestitch.dict;

/**
 * The block of the cosine matrix handled by one GEMM: {@code rows} rows of the first dictionary
 * against {@code cols} rows of the second. The full (F_A, F_B) matrix is never held; a tile
 * lives twice (in the backend's memory and as its host copy), so it costs {@code 8·rows·cols} bytes.
 */
public record TileShape(int rows, int cols) {

    /** The default memory budget for one tile (both copies together): 128 MiB. */
    public static final long DEFAULT_BUDGET_BYTES = 128L << 20;

    public TileShape {
        if (rows <= 0 || cols <= 0) throw new IllegalArgumentException("tile shape must be positive, got " + rows + "x" + cols);
    }

    /**
     * The largest tile of at most {@code budgetBytes} (both copies) for an (rowsA, rowsB) cosine
     * matrix: the whole matrix when it fits, else a near-square tile, so each GEMM stays large.
     */
    public static TileShape forBudget(long budgetBytes, int rowsA, int rowsB) {
        if (rowsA <= 0 || rowsB <= 0) throw new IllegalArgumentException("dictionaries must be non-empty, got " + rowsA + " and " + rowsB + " rows");
        long elements = budgetBytes / (2L * Float.BYTES);
        if (elements < 1) throw new IllegalArgumentException("tile budget of " + budgetBytes + " bytes is below one element (8 bytes)");
        if ((long) rowsA * rowsB <= elements) return new TileShape(rowsA, rowsB);
        int cols = (int) Math.min(rowsB, Math.max(1, (long) Math.sqrt((double) elements)));
        int rows = (int) Math.min(rowsA, elements / cols);
        return new TileShape(rows, cols);
    }

    public long bytes() { return 2L * Float.BYTES * rows * cols; }
}
