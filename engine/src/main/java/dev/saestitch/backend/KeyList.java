package dev.saestitch.backend;

import java.util.Arrays;
import java.util.List;

/** A growable list of long keys (positions i·cols + j of product entries). */
public final class KeyList {

    private long[] keys = new long[16];
    private int size;

    public void add(long key) {
        if (size == keys.length) {
            if (size >= Integer.MAX_VALUE - 8) throw new IllegalStateException("more than " + size + " entries above the cut");
            keys = Arrays.copyOf(keys, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * size));
        }
        keys[size++] = key;
    }

    public long[] toArray() { return Arrays.copyOf(keys, size); }

    /** The arrays one after the other. */
    public static long[] concat(List<long[]> parts) {
        long total = 0;
        for (long[] p : parts) total += p.length;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalStateException(total + " entries above the cut");
        long[] all = new long[(int) total];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
