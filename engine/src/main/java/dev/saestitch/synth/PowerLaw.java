package dev.saestitch.synth;

/** Firing probabilities of the independent features: a power law with a cap, scaled to a given sum. */
final class PowerLaw {

    private PowerLaw() {}

    /**
     * p_i = min(cap, s · i^−a) for i = 1..r, with s chosen so that Σ p_i = mean (water filling).
     * The uncapped tail keeps the exact ratios of the power law. Requires 0 ≤ mean ≤ cap · r.
     */
    static double[] cappedProbabilities(int r, double a, double mean, double cap) {
        double[] weight = new double[r];
        for (int i = 0; i < r; i++) weight[i] = Math.pow(i + 1, -a);
        // suffix[k] = Σ_{i ≥ k} weight[i], summed from the small end for accuracy
        double[] suffix = new double[r + 1];
        for (int i = r - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + weight[i];
        double[] p = new double[r];
        // The weights decrease with i, so the capped features are a prefix: try k capped for k = 0, 1, ...
        for (int k = 0; k < r; k++) {
            double scale = (mean - k * cap) / suffix[k];
            if (scale * weight[k] <= cap) {
                for (int i = 0; i < r; i++) p[i] = i < k ? cap : scale * weight[i];
                return p;
            }
        }
        java.util.Arrays.fill(p, cap);  // mean = cap · r: every feature is capped
        return p;
    }
}
