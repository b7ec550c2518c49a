package dev.saestitch.backend.cpu;

/** A fixed-size min-heap keeping the {@code capacity} largest (value, index) pairs offered. */
final class TopKHeap {

    private final float[] values;
    private final int[] indices;
    private int size;

    TopKHeap(int capacity) {
        values = new float[capacity];
        indices = new int[capacity];
    }

    void offer(float v, int index) {
        if (size < values.length) {
            values[size] = v;
            indices[size] = index;
            siftUp(size++);
        } else if (v > values[0]) {
            values[0] = v;
            indices[0] = index;
            siftDown(0);
        }
    }

    /**
     * The value an entry must exceed to enter: 0 while the heap fills (only positive entries are
     * kept), then the smallest kept value. Callers keep it in a local and test each entry against
     * it alone, a branch that is almost never taken once the heap is full, where testing the
     * sign first mispredicts on about half of all entries.
     */
    float floor() { return size < values.length ? 0f : values[0]; }

    /** Empties the heap for the next row. */
    void clear() { size = 0; }

    /** Adds the kept pairs to {@code out} in ascending latent order. */
    void drainInto(RowChunks.Chunk out) {
        // Sort by index (insertion sort: size is k, small) so rows are in a canonical order.
        for (int i = 1; i < size; i++) {
            int idx = indices[i];
            float v = values[i];
            int j = i - 1;
            while (j >= 0 && indices[j] > idx) {
                indices[j + 1] = indices[j];
                values[j + 1] = values[j];
                j--;
            }
            indices[j + 1] = idx;
            values[j + 1] = v;
        }
        for (int i = 0; i < size; i++) out.add(indices[i], values[i]);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (values[p] <= values[i]) return;
            swap(i, p);
            i = p;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && values[l] < values[m]) m = l;
            if (r < size && values[r] < values[m]) m = r;
            if (m == i) return;
            swap(i, m);
            i = m;
        }
    }

    private void swap(int a, int b) {
        float v = values[a];
        values[a] = values[b];
        values[b] = v;
        int x = indices[a];
        indices[a] = indices[b];
        indices[b] = x;
    }
}
