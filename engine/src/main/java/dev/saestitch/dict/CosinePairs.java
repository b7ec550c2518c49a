package dev.saestitch.dict;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The (large, small) latent pairs whose decoder cosine is at least a threshold, each with its
 * cosine recomputed in float64 from the original rows. Sorted by large index, then small index.
 * A pair involving a zero row has cosine 0.
 */
public record CosinePairs(int[] large, int[] small, double[] cosine) {

    public int size() { return large.length; }

    /**
     * Keeps the candidates whose float64 cosine is ≥ {@code threshold}. The candidates must include
     * every pair that could reach the threshold, i.e. all pairs with float32 cosine above
     * threshold − {@link MaxCosine#errorBound}, so the result is exact to float64.
     *
     * @param keys the candidates (i, j) as i·F_S + j; sorted in place
     */
    static CosinePairs refine(long[] keys, Matrix large, double[] normsLarge, Matrix small, double[] normsSmall, double threshold) {
        int n = keys.length;
        Arrays.parallelSort(keys);
        double[] cos = new double[n];
        int d = large.cols();
        MemorySegment l = large.data(), s = small.data();
        IntStream.range(0, n).parallel().forEach(p -> {
            int i = (int) (keys[p] / small.rows()), j = (int) (keys[p] % small.rows());
            double norms = normsLarge[i] * normsSmall[j];
            if (norms == 0) return;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double) l.getAtIndex(FLOAT, (long) i * d + c) * s.getAtIndex(FLOAT, (long) j * d + c);
            cos[p] = dot / norms;
        });
        int kept = 0;
        for (double c : cos) if (c >= threshold) kept++;
        int[] li = new int[kept], si = new int[kept];
        double[] kc = new double[kept];
        for (int p = 0, q = 0; p < n; p++) {
            if (cos[p] < threshold) continue;
            li[q] = (int) (keys[p] / small.rows());
            si[q] = (int) (keys[p] % small.rows());
            kc[q++] = cos[p];
        }
        return new CosinePairs(li, si, kc);
    }
}
