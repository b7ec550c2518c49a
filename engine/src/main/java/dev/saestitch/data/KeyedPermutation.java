package dev.saestitch.data;

/**
 * A keyed pseudo-random bijection of [0, n), computed in O(1) memory per index.
 *
 * <p>Why not a shuffled {@code long[]}: N can be 10^8 rows, and a permutation array per epoch
 * would then cost 800 MB of heap. Instead this is a balanced Feistel network over the smallest
 * even number of bits that covers n (a domain of fewer than 4n values), with cycle walking: an
 * image that falls outside [0, n) is encrypted again until it lands inside. A Feistel network is
 * a bijection whatever its round function, and cycle walking restricts a bijection of a superset
 * to a bijection of [0, n), so every index appears exactly once; the expected number of walks is
 * below 4. Six rounds with SplitMix64 as round function make the order statistically
 * indistinguishable from a uniform shuffle for the purpose of SGD batching.
 */
public final class KeyedPermutation {

    private static final int ROUNDS = 6;
    /** Keeps the Feistel domain within 62 bits, so images stay non-negative longs. */
    public static final long MAX_SIZE = 1L << 62;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] roundKeys = new long[ROUNDS];

    public KeyedPermutation(long n, long key) {
        if (n < 1 || n > MAX_SIZE)
            throw new IllegalArgumentException("permutation of " + n + " elements: need 1 to 2^62");
        this.n = n;
        int bits = 64 - Long.numberOfLeadingZeros(n - 1);  // bits needed for the values 0..n-1
        this.halfBits = Math.max(1, (bits + 1) / 2);
        this.halfMask = (1L << halfBits) - 1;
        for (int r = 0; r < ROUNDS; r++) roundKeys[r] = Seeds.derive(key, 0x5045524DL, r);
    }

    public long size() { return n; }

    /** The image of {@code i}, for i in [0, n). */
    public long apply(long i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("index " + i + " outside [0, " + n + ")");
        long y = encrypt(i);
        while (y >= n) y = encrypt(y);
        return y;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long k : roundKeys) {
            long next = left ^ (Seeds.mix(right ^ k) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }
}
