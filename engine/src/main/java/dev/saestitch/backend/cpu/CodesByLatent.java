package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.SparseCodes;

/** The entries of a batch's sparse codes grouped by latent (CSC), built by a counting sort. */
final class CodesByLatent {

    private final int[] start;   // (F + 1) offsets into rows/values
    private final int[] rows;    // (nnz) batch row of each entry
    private final float[] values; // (nnz)

    private CodesByLatent(int[] start, int[] rows, float[] values) {
        this.start = start;
        this.rows = rows;
        this.values = values;
    }

    static CodesByLatent of(SparseCodes codes, int latents) {
        int nnz = Math.toIntExact(codes.nnz());
        int[] start = new int[latents + 1];
        for (int e = 0; e < nnz; e++) start[codes.index(e) + 1]++;
        for (int i = 0; i < latents; i++) start[i + 1] += start[i];
        int[] fill = start.clone();
        int[] rows = new int[nnz];
        float[] values = new float[nnz];
        for (int r = 0; r < codes.rows(); r++) {
            for (int e = codes.rowStart(r), end = codes.rowStart(r + 1); e < end; e++) {
                int p = fill[codes.index(e)]++;
                rows[p] = r;
                values[p] = codes.value(e);
            }
        }
        return new CodesByLatent(start, rows, values);
    }

    int start(int latent) { return start[latent]; }
    int row(int p) { return rows[p]; }
    float value(int p) { return values[p]; }
}
