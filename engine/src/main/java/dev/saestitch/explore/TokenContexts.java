package dev.saestitch.explore;

import dev.saestitch.data.TokenProvenance;

/**
 * The context of an activation row: the rows of the same document within ±radius positions.
 * Rows of one window are consecutive ({@link TokenProvenance}), so the neighbours of row r are
 * the rows r−radius..r+radius that share its document.
 */
public record TokenContexts(TokenProvenance provenance, int radius) {

    /** A context: rows [first, first + length), the firing row at {@code first + focus}. */
    public record Context(long first, int length, int focus) {}

    public TokenContexts {
        if (radius < 0) throw new IllegalArgumentException("context radius must be at least 0, got " + radius);
    }

    public Context around(long row) {
        int doc = provenance.document(row);
        long first = row, last = row;
        while (first > 0 && row - first < radius && provenance.document(first - 1) == doc) first--;
        while (last + 1 < provenance.rows() && last - row < radius && provenance.document(last + 1) == doc) last++;
        return new Context(first, (int) (last - first + 1), (int) (row - first));
    }
}
