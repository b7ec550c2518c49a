package dev.saestitch.api;

/**
 * How a measurement reads its rows: {@code count} batches of {@code size} rows. The one rule that
 * eval, train, compare and the demo share: never more rows than the source has, never a batch
 * larger than the rows read, and at least one batch of one row.
 */
public record Batches(int size, int count) {

    /** Up to {@code rows} of a source's {@code available} rows in batches of at most {@code batch} (a whole number of batches). */
    public static Batches of(long rows, int batch, long available) {
        long n = Math.min(rows, available);
        int size = (int) Math.max(1, Math.min(batch, n));
        return new Batches(size, (int) Math.max(1, n / size));
    }

    /** The rows read in all. */
    public long rows() { return (long) size * count; }
}
