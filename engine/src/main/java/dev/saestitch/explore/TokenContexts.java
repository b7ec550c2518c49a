package dev.saestitch.explore;

import dev.saestitch.data.TokenProvenance;

/**
 * The context of an activation row: the rows of the same model window within ±radius positions.
 * Rows of one window are consecutive ({@link TokenProvenance}), so the neighbours of row r are
 * the rows r−radius..r+radius of its document whose positions count on from r's without a break;
 * a long document's next window starts again at position 0 (with its own [CLS]) and is another
 * context the model never saw together with this one.
 */
public record TokenContexts(TokenProvenance provenance, int radius) {

    /** A context: rows [first, first + length), the firing row at {@code first + focus}. */
    public record Context(long first, int length, int focus) {}

    public TokenContexts {
        if (radius < 0) throw new IllegalArgumentException("context radius must be at least 0, got " + radius);
    }

    public Context around(long row) {
        long first = row, last = row;
        while (first > 0 && row - first < radius && sameWindow(first - 1, first)) first--;
        while (last + 1 < provenance.rows() && last - row < radius && sameWindow(last, last + 1)) last++;
        return new Context(first, (int) (last - first + 1), (int) (row - first));
    }

    /** Whether row {@code next} follows row {@code row} in one window. */
    private boolean sameWindow(long row, long next) {
        return provenance.document(row) == provenance.document(next) && provenance.position(next) == provenance.position(row) + 1;
    }
}
