package dev.saestitch.franken;

import dev.saestitch.data.ActivationSource;
import dev.saestitch.tensor.Matrix;

/**
 * Rows [first, first + count) of another source, seen as a source of their own, so that the rows
 * a decoder is fitted on and the rows it is evaluated on are disjoint. Does not own the source;
 * not thread-safe (one buffer of shifted ids).
 */
public final class RowRange implements ActivationSource {

    private final ActivationSource source;
    private final long first, count;
    private long[] shifted = new long[0];

    public RowRange(ActivationSource source, long first, long count) {
        if (first < 0 || count < 1 || first + count > source.rows())
            throw new IllegalArgumentException("rows [" + first + ", " + (first + count) + ") are not a non-empty range of the "
                    + source.rows() + " rows of " + source.describe());
        this.source = source;
        this.first = first;
        this.count = count;
    }

    @Override public int dim() { return source.dim(); }

    @Override public long rows() { return count; }

    @Override public void read(long[] ids, int from, Matrix out) {
        int n = out.rows();
        if (from < 0 || from + n > ids.length)
            throw new IndexOutOfBoundsException("ids [" + from + ", " + (from + n) + ") of an array of " + ids.length);
        if (shifted.length < n) shifted = new long[n];
        for (int i = 0; i < n; i++) {
            long id = ids[from + i];
            if (id < 0 || id >= count) throw new IndexOutOfBoundsException("row " + id + " of a range of " + count + " rows");
            shifted[i] = first + id;
        }
        source.read(shifted, 0, out);
    }

    @Override public String describe() { return "rows [" + first + ", " + (first + count) + ") of " + source.describe(); }
}
