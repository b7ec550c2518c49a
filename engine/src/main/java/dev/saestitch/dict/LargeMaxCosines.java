package dev.saestitch.dict;

import dev.saestitch.tensor.Matrix;

/**
 * Per L-latent, its max decoder cosine m_i over S and the S-latent where it is reached, as
 * reports show them next to the novel/reconstruction class: float64 wherever the class could
 * depend on precision, so a reported m_i never contradicts {@link LatentClasses}.
 * <ul>
 *   <li>a latent with pairs ≥ θ: the largest float64 cosine among its pairs (its true maximum);</li>
 *   <li>a latent whose float32 maximum is within {@link MaxCosine#errorBound} of θ, or above it,
 *       but has no pair: recomputed in float64 against every S-latent (few such latents);</li>
 *   <li>any other: the float32 maximum, at least errorBound below θ.</li>
 * </ul>
 *
 * @param max    (F_L) m_i
 * @param argmax (F_L) the S-latent of m_i
 */
public record LargeMaxCosines(double[] max, int[] argmax) {

    /**
     * @param large (F_L, D) L's decoder rows, as given to {@link DictionaryComparison#compare}
     * @param small (F_S, D) S's decoder rows
     */
    public static LargeMaxCosines of(DictionaryComparison comparison, Matrix large, Matrix small) {
        int fl = comparison.largeLatents();
        double[] max = new double[fl];
        int[] arg = new int[fl];
        boolean[] exact = new boolean[fl];
        CosinePairs pairs = comparison.pairs();
        for (int p = 0; p < pairs.size(); p++) {   // sorted by L, then S: a strictly larger cosine replaces, ties keep the smaller S
            int i = pairs.large()[p];
            if (!exact[i] || pairs.cosine()[p] > max[i]) {
                max[i] = pairs.cosine()[p];
                arg[i] = pairs.small()[p];
                exact[i] = true;
            }
        }
        double band = comparison.threshold() - MaxCosine.errorBound(large.cols());
        double[] smallNorms = null;
        for (int i = 0; i < fl; i++) {
            if (exact[i]) continue;
            max[i] = comparison.maxCosine().maxOverB()[i];
            arg[i] = comparison.maxCosine().argmaxInB()[i];
            if (max[i] < band) continue;
            if (smallNorms == null) smallNorms = norms(small);
            exactMax(large, i, small, smallNorms, max, arg);
        }
        return new LargeMaxCosines(max, arg);
    }

    /** m_i and its argmax over every row of {@code small} in float64 (ties to the smaller index; zero rows give 0). */
    private static void exactMax(Matrix large, int i, Matrix small, double[] smallNorms, double[] max, int[] arg) {
        int d = large.cols();
        double ni = 0;
        for (int c = 0; c < d; c++) ni += (double) large.get(i, c) * large.get(i, c);
        ni = Math.sqrt(ni);
        double best = Double.NEGATIVE_INFINITY;
        int at = -1;
        for (int j = 0; j < small.rows(); j++) {
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double) large.get(i, c) * small.get(j, c);
            double cos = ni == 0 || smallNorms[j] == 0 ? 0 : dot / (ni * smallNorms[j]);
            if (cos > best) {
                best = cos;
                at = j;
            }
        }
        max[i] = best;
        arg[i] = at;
    }

    private static double[] norms(Matrix m) {
        double[] out = new double[m.rows()];
        for (int r = 0; r < m.rows(); r++) {
            double s = 0;
            for (int c = 0; c < m.cols(); c++) s += (double) m.get(r, c) * m.get(r, c);
            out[r] = Math.sqrt(s);
        }
        return out;
    }
}
