package dev.saestitch.backend.cpu;

/**
 * Keeps the {@code k} largest positive (value, index) pairs of one row, offered in ascending index
 * order; among equal values at the cut the smallest indices stay. Entries above a running floor go
 * into a buffer of 4k; when it is full a quickselect finds its k-th largest value, which becomes
 * the floor, and the buffer keeps only the k entries at or above it. A whole row
 * ({@link #selectRow}) starts from a sampled guess of the floor, so that a heap's log k sifts per
 * entry become one branch-free comparison per entry and a quickselect of about 3k values.
 */
final class TopKSelector {

    /** Sample entries per kept entry when guessing a row's floor (see {@link #selectRow}). */
    private static final int SAMPLE_PER_K = 8;
    /** Rank in the sample of the guessed floor: about 3k entries of the row are expected above it. */
    private static final int GUESS_RANK = 8;

    private final int k;
    private final float[] values, scratch, sampleTop = new float[GUESS_RANK];
    private final int[] indices;
    private int[] candidates = new int[0];
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

    /**
     * Selects the top k of {@code row[0, n)} into {@code out}. On a wide row the floor starts at a
     * guess, the {@value #GUESS_RANK}th largest of a strided sample of about 8k entries: a
     * branch-free pass lists the entries above it (about 3k), and only those are offered. Should
     * fewer than k entries beat the guess (rare, about 1 row in 200 for independent entries) the row
     * is offered entry by entry from a floor of 0. Either way the result is exactly the top k.
     */
    void selectRow(float[] row, int n, RowChunks.Chunk out) {
        clear();
        int stride = n / (SAMPLE_PER_K * k);
        float guess = stride >= 2 ? sampledFloor(row, n, stride) : 0f;
        int above = guess > 0f ? listAbove(row, n, guess) : 0;
        if (above >= k) {
            floor = guess;
            for (int j = 0; j < above; j++) {
                int i = candidates[j];
                if (row[i] > floor) offer(row[i], i);
            }
        } else {
            for (int i = 0; i < n; i++) if (row[i] > floor) offer(row[i], i);
        }
        drainInto(out);
    }

    /** Lists in {@code candidates} the indices of the entries above {@code cut}, without a branch per entry; returns their number. */
    private int listAbove(float[] row, int n, float cut) {
        if (candidates.length <= n) candidates = new int[n + 1];
        int[] list = candidates;
        int count = 0;
        for (int i = 0; i < n; i++) {
            list[count] = i;
            count += row[i] > cut ? 1 : 0;
        }
        return count;
    }

    /** The {@value #GUESS_RANK}th largest positive of row[0], row[stride], ...; 0 when there are fewer. */
    private float sampledFloor(float[] row, int n, int stride) {
        java.util.Arrays.fill(sampleTop, 0f);   // ascending; sampleTop[0] is the smallest of the largest seen
        for (int i = 0; i < n; i += stride) {
            float v = row[i];
            if (v > sampleTop[0]) {
                int j = 1;
                for (; j < GUESS_RANK && sampleTop[j] < v; j++) sampleTop[j - 1] = sampleTop[j];
                sampleTop[j - 1] = v;
            }
        }
        return sampleTop[0];
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
