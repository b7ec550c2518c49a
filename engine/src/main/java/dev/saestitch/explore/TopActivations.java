package dev.saestitch.explore;

import java.util.Arrays;

/**
 * Per latent, its N largest activations and the rows they came from, in F bounded min-heaps kept
 * in flat arrays (F·N entries), so a pass over any number of rows never holds the F×rows matrix.
 * Ties are broken by the smaller row, which makes the result independent of the order rows
 * arrive in.
 */
public final class TopActivations {

    /** One activation of a latent: its value and the row it fired on. */
    public record Hit(float value, long row) {}

    private final int latents, capacity;
    private final float[] values;
    private final long[] rows;
    private final int[] sizes;

    public TopActivations(int latents, int capacity) {
        if (latents < 1 || capacity < 1) throw new IllegalArgumentException("need at least one latent and room for one hit, got " + latents + " and " + capacity);
        this.latents = latents;
        this.capacity = capacity;
        this.values = new float[Math.multiplyExact(latents, capacity)];
        this.rows = new long[values.length];
        this.sizes = new int[latents];
    }

    public int latents() { return latents; }

    public int capacity() { return capacity; }

    /** Offers latent {@code latent}'s activation {@code value} on {@code row}; kept if it is among the N largest so far. */
    public void offer(int latent, float value, long row) {
        int base = latent * capacity, n = sizes[latent];
        if (n < capacity) {
            values[base + n] = value;
            rows[base + n] = row;
            sizes[latent] = n + 1;
            siftUp(base, n);
        } else if (worse(values[base], rows[base], value, row)) {
            values[base] = value;
            rows[base] = row;
            siftDown(base, capacity);
        }
    }

    /** Latent {@code latent}'s kept hits, largest first (ties: smaller row first); fewer than N when it fired less often. */
    public Hit[] top(int latent) {
        int base = latent * capacity, n = sizes[latent];
        Hit[] hits = new Hit[n];
        for (int i = 0; i < n; i++) hits[i] = new Hit(values[base + i], rows[base + i]);
        Arrays.sort(hits, (a, b) -> a.value() != b.value() ? Float.compare(b.value(), a.value()) : Long.compare(a.row(), b.row()));
        return hits;
    }

    /** Whether (v1, r1) ranks below (v2, r2): a smaller value, or the same value on a later row. */
    private static boolean worse(float v1, long r1, float v2, long r2) { return v1 < v2 || (v1 == v2 && r1 > r2); }

    private void siftUp(int base, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(values[base + i], rows[base + i], values[base + parent], rows[base + parent])) return;
            swap(base + i, base + parent);
            i = parent;
        }
    }

    private void siftDown(int base, int n) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, least = i;
            if (l < n && worse(values[base + l], rows[base + l], values[base + least], rows[base + least])) least = l;
            if (r < n && worse(values[base + r], rows[base + r], values[base + least], rows[base + least])) least = r;
            if (least == i) return;
            swap(base + i, base + least);
            i = least;
        }
    }

    private void swap(int a, int b) {
        float v = values[a]; values[a] = values[b]; values[b] = v;
        long r = rows[a]; rows[a] = rows[b]; rows[b] = r;
    }
}
