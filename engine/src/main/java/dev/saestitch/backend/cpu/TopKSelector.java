package dev.saestitch.backend.cpu;

/**
 * Keeps the {@code k} largest positive (value, index) pairs of one row, offered in ascending index
 * order; among equal values at the cut the smallest indices stay. Entries above a running floor go
 * into a buffer of 4k; when it is full a quickselect finds its k-th largest value, which becomes
 * the floor, and the buffer keeps only the k entries at or above it. Each entry of the row then
 * costs one comparison, almost never true once the floor has risen, where a heap paid log k sifts
 * for every entry that beat its minimum.
 */
final class TopKSelector {

    private final int k;
    private final float[] values, scratch;
    private final int[] indices;
    private int size;
    private float floor;

    TopKSelector(int k) {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        this.k = k;
        int capacity = 4 * k;
        values = new float[capacity];
        scratch = new float[capacity];
        indices = new int[capacity];
    }

    /** Empties the selector for the next row. */
    void clear() {
        size = 0;
        floor = 0f;
    }

    /**
     * The value an entry must exceed to be offered: 0 until k entries are held (only positive
     * entries are kept), then the smallest kept value. Callers keep it in a local and refresh it
     * after each {@link #offer}.
     */
    float floor() { return floor; }

    /** Takes an entry whose value exceeds {@link #floor()}; indices must ascend within a row. */
    void offer(float value, int index) {
        values[size] = value;
        indices[size++] = index;
        if (size == values.length) shrinkToK();
    }

    /** Adds the kept pairs to {@code out} in ascending latent order. */
    void drainInto(RowChunks.Chunk out) {
        if (size > k) shrinkToK();
        for (int i = 0; i < size; i++) out.add(indices[i], values[i]);
    }

    /** Keeps the k largest held entries (equal values at the cut: the earliest), in their order; raises the floor to the cut. */
    private void shrinkToK() {
        System.arraycopy(values, 0, scratch, 0, size);
        float cut = Quickselect.select(scratch, size, size - k);
        int above = 0;
        for (int i = 0; i < size; i++) if (values[i] > cut) above++;
        int ties = k - above, kept = 0;
        for (int i = 0; i < size; i++) {
            float v = values[i];
            if (v > cut || (v == cut && ties-- > 0)) {
                values[kept] = v;
                indices[kept++] = indices[i];
            }
        }
        size = kept;
        floor = cut;
    }
}
