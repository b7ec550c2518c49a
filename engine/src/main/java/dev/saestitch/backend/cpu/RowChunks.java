package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * Builds sparse codes from a dense (B, F) matrix in one parallel pass: the rows are split into
 * chunks, each chunk copies a row at a time into a heap array (so the scan runs without segment
 * bounds checks), lets a {@link RowSelector} pick entries into its own growable buffer, and the
 * chunks are then copied into the CSR output in row order.
 */
final class RowChunks {

    /** Picks the entries of one row; {@code row} holds a copy of z[r, :], or is null when the scan was told not to copy. */
    @FunctionalInterface
    interface RowSelector {
        void select(int r, float[] row, Chunk out);
    }

    /** Makes the per-chunk selector (e.g. with its own heap); called once per chunk. */
    @FunctionalInterface
    interface SelectorFactory {
        RowSelector create();
    }

    /** Decides, entry by entry in row-major order, which selected entries stay. */
    @FunctionalInterface
    interface EntryFilter {
        boolean keep(float value);
    }

    /** The entries selected from one chunk of consecutive rows, in row-major order. */
    static final class Chunk {
        final int firstRow;
        final int[] rowCounts;
        int[] indices = new int[256];
        float[] values = new float[256];
        int size;
        private int rowOffset;

        Chunk(int firstRow, int rows) {
            this.firstRow = firstRow;
            this.rowCounts = new int[rows];
        }

        void add(int index, float value) {
            if (size == indices.length) {
                indices = Arrays.copyOf(indices, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            indices[size] = index;
            values[size++] = value;
        }

        /** Keeps only the entries {@code keep} accepts, visiting them in row-major order. */
        void retain(EntryFilter keep) {
            int read = 0, write = 0;
            for (int i = 0; i < rowCounts.length; i++) {
                int kept = 0;
                for (int end = read + rowCounts[i]; read < end; read++) {
                    if (keep.keep(values[read])) {
                        indices[write] = indices[read];
                        values[write++] = values[read];
                        kept++;
                    }
                }
                rowCounts[i] = kept;
            }
            size = write;
        }

        /** Closes row {@code r}: the entries added since the previous call belong to it. */
        void endRow(int r) {
            rowCounts[r - firstRow] = size - rowOffset;
            rowOffset = size;
        }
    }

    private RowChunks() {}

    /**
     * Runs {@code factory}'s selectors over every row of {@code z} and returns the chunks in row order.
     * {@code copyRows} is false for selectors that read only a few columns straight from the segment.
     */
    static Chunk[] scan(Matrix z, boolean copyRows, SelectorFactory factory) {
        int rows = z.rows(), f = z.cols();
        int n = Math.max(1, Math.min(Parallel.threads() * 4, rows));
        Chunk[] chunks = new Chunk[n];
        MemorySegment zd = z.data();
        Parallel.forRange(n, 1, (from, to) -> {
            float[] row = copyRows ? new float[f] : null;
            for (int c = from; c < to; c++) {
                int first = (int) ((long) rows * c / n), end = (int) ((long) rows * (c + 1) / n);
                Chunk chunk = new Chunk(first, end - first);
                RowSelector selector = factory.create();
                for (int r = first; r < end; r++) {
                    if (copyRows) MemorySegment.copy(zd, FLOAT, (long) r * f * Float.BYTES, row, 0, f);
                    selector.select(r, row, chunk);
                    chunk.endRow(r);
                }
                chunks[c] = chunk;
            }
        });
        return chunks;
    }

    /** Total entries over all chunks. */
    static long size(Chunk[] chunks) {
        long n = 0;
        for (Chunk c : chunks) n += c.size;
        return n;
    }

    /** Writes every chunk's entries into {@code out} (rows = {@code rows}). */
    static void write(Chunk[] chunks, int rows, SparseCodes out) {
        long total = size(chunks);
        if (total > Integer.MAX_VALUE) throw new IllegalStateException(total + " active codes exceed the CSR index range");
        out.reset(rows, total);
        int start = 0;
        int[] chunkStart = new int[chunks.length];
        for (int c = 0; c < chunks.length; c++) {
            chunkStart[c] = start;
            for (int i = 0; i < chunks[c].rowCounts.length; i++) {
                out.setRowStart(chunks[c].firstRow + i, start);
                start += chunks[c].rowCounts[i];
            }
        }
        out.setRowStart(rows, start);
        Parallel.forRange(chunks.length, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                Chunk chunk = chunks[c];
                MemorySegment.copy(chunk.indices, 0, out.indexSegment(), java.lang.foreign.ValueLayout.JAVA_INT, (long) chunkStart[c] * Integer.BYTES, chunk.size);
                MemorySegment.copy(chunk.values, 0, out.valueSegment(), FLOAT, (long) chunkStart[c] * Float.BYTES, chunk.size);
            }
        });
    }
}
