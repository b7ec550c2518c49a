package dev.saestitch.backend.cpu;

/** Hoare's selection on a float array, in place: expected linear time. */
final class Quickselect {

    private Quickselect() {}

    /** The value that would be at {@code rank} (0-based, ascending) if a[0, n) were sorted; reorders a. */
    static float select(float[] a, int n, int rank) {
        if (rank < 0 || rank >= n) throw new IllegalArgumentException("rank " + rank + " of " + n + " values");
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            float pivot = medianOfThree(a[lo], a[lo + (hi - lo) / 2], a[hi]);
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    float t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (rank <= j) hi = j;
            else if (rank >= i) lo = i;
            else return a[rank];
        }
        return a[rank];
    }

    private static float medianOfThree(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
