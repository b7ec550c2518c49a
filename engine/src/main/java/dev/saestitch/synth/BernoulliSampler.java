package dev.saestitch.synth;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Draws an independent Bernoulli(p_i) for every item i and returns the ones that came up, at a
 * cost proportional to the number of successes rather than to the number of items.
 *
 * <p>Items are grouped by the binary exponent of p_i, so within a group every p_i lies in
 * (q/2, q] where q is the group's largest probability. Within a group the candidates are the
 * successes of Bernoulli(q) trials, found by geometric skipping (the gap to the next success is
 * ⌊ln U / ln(1−q)⌋); each candidate is then kept with probability p_i / q (thinning). The product
 * is exactly Bernoulli(p_i), independently per item, and the expected work is at most
 * 2·Σ p_i + (number of groups) draws. StrictMath keeps the selected set identical on every JVM.
 */
final class BernoulliSampler {

    private final int[] items;          // item ids, grouped
    private final double[] keep;        // p_i / q of the item's group, same order as items
    private final int[] groupStart;     // group g holds positions [groupStart[g], groupStart[g+1])
    private final double[] logMiss;     // ln(1 − q) per group; −∞ when q = 1

    BernoulliSampler(double[] probability) {
        for (int i = 0; i < probability.length; i++)
            if (!(probability[i] >= 0 && probability[i] <= 1))
                throw new IllegalArgumentException("probability " + probability[i] + " of item " + i + " is not in [0, 1]");
        // items that can fire, ordered by group (binary exponent of p, largest first), then by id
        items = IntStream.range(0, probability.length).filter(i -> probability[i] > 0).boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> -Math.getExponent(probability[i])).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        int live = items.length;
        keep = new double[live];
        int[] starts = new int[live + 1];
        double[] misses = new double[live];
        int groups = 0;
        for (int pos = 0; pos < live; ) {
            int end = pos;
            int e = Math.getExponent(probability[items[pos]]);
            double q = 0;
            while (end < live && Math.getExponent(probability[items[end]]) == e) q = Math.max(q, probability[items[end++]]);
            for (int j = pos; j < end; j++) keep[j] = probability[items[j]] / q;
            starts[groups] = pos;
            misses[groups++] = StrictMath.log1p(-q);
            pos = end;
        }
        starts[groups] = live;
        groupStart = Arrays.copyOf(starts, groups + 1);
        logMiss = Arrays.copyOf(misses, groups);
    }

    /** The most items one call can return (the output array must be at least this long). */
    int capacity() { return items.length; }

    /** Writes the ids of the items that fired into {@code out} and returns how many did. */
    int sample(SplittableRandom rng, int[] out) {
        int count = 0;
        for (int g = 0; g < logMiss.length; g++) {
            int end = groupStart[g + 1];
            int pos = groupStart[g] - 1;
            while (true) {
                if (logMiss[g] != Double.NEGATIVE_INFINITY) {
                    double u = 1.0 - rng.nextDouble();  // in (0, 1], so ln u is finite
                    double gap = Math.floor(StrictMath.log(u) / logMiss[g]);
                    if (gap >= end - pos - 1) break;
                    pos += 1 + (int) gap;
                } else if (++pos >= end) break;
                if (keep[pos] >= 1.0 || rng.nextDouble() < keep[pos]) out[count++] = items[pos];
            }
        }
        return count;
    }
}
