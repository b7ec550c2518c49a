package dev.saestitch.dict;

import java.util.Arrays;

/** A growable list of (first, second) int pairs, stored as two parallel arrays. */
final class IntPairList {

    private int[] first = new int[16];
    private int[] second = new int[16];
    private int size;

    void add(int a, int b) {
        if (size == first.length) {
            if (size == Integer.MAX_VALUE - 8) throw new IllegalStateException("more than " + size + " pairs above the cosine cut");
            int n = (int) Math.min(Integer.MAX_VALUE - 8L, 2L * size);
            first = Arrays.copyOf(first, n);
            second = Arrays.copyOf(second, n);
        }
        first[size] = a;
        second[size++] = b;
    }

    void addAll(IntPairList other) {
        for (int p = 0; p < other.size; p++) add(other.first[p], other.second[p]);
    }

    int size() { return size; }
    int first(int p) { return first[p]; }
    int second(int p) { return second[p]; }
}
