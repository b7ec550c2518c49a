package dev.saestitch.data;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;

class KeyedPermutationTest {

    @Test
    void isABijectionOfZeroToNForOddAndEvenSizes() {
        for (long n : new long[] {1, 2, 3, 4, 5, 17, 1000, 4097, 65_537}) {
            KeyedPermutation perm = new KeyedPermutation(n, 12345 + n);
            BitSet seen = new BitSet((int) n);
            for (long i = 0; i < n; i++) {
                long y = perm.apply(i);
                assertTrue(y >= 0 && y < n, "image " + y + " of " + i + " outside [0, " + n + ")");
                assertFalse(seen.get((int) y), "image " + y + " hit twice for n = " + n);
                seen.set((int) y);
            }
            assertEquals(n, seen.cardinality());
        }
    }

    @Test
    void keysGiveDifferentOrdersAndTheOrderIsNotNearIdentity() {
        int n = 10_007;
        KeyedPermutation a = new KeyedPermutation(n, 1), b = new KeyedPermutation(n, 2);
        int same = 0, fixed = 0, adjacent = 0;
        for (int i = 0; i < n; i++) {
            if (a.apply(i) == b.apply(i)) same++;
            if (a.apply(i) == i) fixed++;
            if (i > 0 && Math.abs(a.apply(i) - a.apply(i - 1)) == 1) adjacent++;
        }
        // a uniform shuffle has about 1 coincidence, 1 fixed point and 2 adjacent steps on average
        assertTrue(same < 10, same + " positions agree between two keys");
        assertTrue(fixed < 10, fixed + " fixed points");
        assertTrue(adjacent < 12, adjacent + " consecutive images");
    }

    @Test
    void theImageOfOneIndexIsUniformOverKeys() {
        int n = 10, keys = 20_000;
        int[] hits = new int[n];
        for (int k = 0; k < keys; k++) hits[(int) new KeyedPermutation(n, k).apply(3)]++;
        double expected = (double) keys / n, sigma = Math.sqrt(keys * 0.1 * 0.9);
        for (int j = 0; j < n; j++)
            assertEquals(expected, hits[j], 5 * sigma, "image 3 -> " + j + " over " + keys + " keys");
    }

    @Test
    void hugeDomainsStayInRangeAndDistinct() {
        long n = 100_000_000_003L;
        KeyedPermutation perm = new KeyedPermutation(n, 7);
        java.util.HashSet<Long> images = new java.util.HashSet<>();
        for (long i = n - 1000; i < n; i++) {
            long y = perm.apply(i);
            assertTrue(y >= 0 && y < n);
            assertTrue(images.add(y));
        }
    }

    @Test
    void rejectsBadSizesAndIndices() {
        assertThrows(IllegalArgumentException.class, () -> new KeyedPermutation(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new KeyedPermutation(KeyedPermutation.MAX_SIZE + 1, 1));
        KeyedPermutation perm = new KeyedPermutation(5, 1);
        assertThrows(IndexOutOfBoundsException.class, () -> perm.apply(5));
        assertThrows(IndexOutOfBoundsException.class, () -> perm.apply(-1));
    }
}
