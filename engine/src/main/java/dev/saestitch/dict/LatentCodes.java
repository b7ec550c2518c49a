package dev.saestitch.dict;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.sae.InferenceRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The sparse codes of one SAE on a fixed set of N rows, grouped by latent (CSC) on the heap:
 * for latent i, the rows where it fires and its values there. This is what a step of the
 * stitching path needs: adding or removing a latent touches exactly those rows.
 */
public final class LatentCodes {

    private final int rows;
    private final int[] start;    // (F + 1) offsets into row/value
    private final int[] row;      // (nnz) ascending within each latent
    private final float[] value;  // (nnz)

    private LatentCodes(int rows, int[] start, int[] row, float[] value) {
        this.rows = rows;
        this.start = start;
        this.row = row;
        this.value = value;
    }

    /**
     * Encodes every row of {@code x} with {@code runner}, {@code batch} rows at a time.
     * @param x (N, D) host matrix
     */
    public static LatentCodes encode(InferenceRunner runner, Matrix x, int batch) {
        return encode(runner, x, batch, (rows, codes) -> {});
    }

    /**
     * As {@link #encode(InferenceRunner, Matrix, int)}, handing each batch's rows and codes to
     * {@code eachBatch} before the runner reuses them, so that a caller measuring the SAE alone
     * (decode, metrics) needs no second encoding pass.
     */
    public static LatentCodes encode(InferenceRunner runner, Matrix x, int batch, BiConsumer<Matrix, SparseCodes> eachBatch) {
        int n = x.rows(), f = runner.width();
        // First pass: copy each batch's codes to the heap (the runner reuses its codes), counting per latent.
        List<SparseCopy> batches = new ArrayList<>();
        int[] start = new int[f + 1];
        for (int from = 0; from < n; from += batch) {
            Matrix rows = x.rows(from, Math.min(batch, n - from));
            SparseCodes codes = runner.encode(rows);
            eachBatch.accept(rows, codes);
            SparseCopy c = SparseCopy.of(codes, from);
            for (int i : c.index) start[i + 1]++;
            batches.add(c);
        }
        // Counting sort by latent; rows are visited in ascending order, so they stay ascending per latent.
        for (int i = 0; i < f; i++) start[i + 1] += start[i];
        int[] fill = start.clone();
        int[] row = new int[start[f]];
        float[] value = new float[start[f]];
        for (SparseCopy c : batches)
            for (int r = 0; r + 1 < c.rowStart.length; r++)
                for (int e = c.rowStart[r]; e < c.rowStart[r + 1]; e++) {
                    int p = fill[c.index[e]]++;
                    row[p] = c.firstRow + r;
                    value[p] = c.value[e];
                }
        return new LatentCodes(n, start, row, value);
    }

    /** One batch's codes on the heap; rows numbered from {@code firstRow}. */
    private record SparseCopy(int firstRow, int[] rowStart, int[] index, float[] value) {
        static SparseCopy of(SparseCodes codes, int firstRow) {
            int b = codes.rows(), nnz = Math.toIntExact(codes.nnz());
            int[] rowStart = new int[b + 1], index = new int[nnz];
            float[] value = new float[nnz];
            for (int r = 0; r <= b; r++) rowStart[r] = codes.rowStart(r);
            for (int e = 0; e < nnz; e++) {
                index[e] = codes.index(e);
                value[e] = codes.value(e);
            }
            return new SparseCopy(firstRow, rowStart, index, value);
        }
    }

    /** N, the number of rows encoded. */
    public int rows() { return rows; }

    public int latents() { return start.length - 1; }

    /** Total number of non-zero codes. */
    public long nnz() { return row.length; }

    /** Entries of latent i are positions [start(i), start(i + 1)). */
    public int start(int latent) { return start[latent]; }

    /** Number of rows where latent i fires. */
    public int count(int latent) { return start[latent + 1] - start[latent]; }

    public int row(int position) { return row[position]; }

    public float value(int position) { return value[position]; }

}
