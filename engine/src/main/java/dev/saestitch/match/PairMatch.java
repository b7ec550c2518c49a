package dev.saestitch.match;

/**
 * The matching of two SAEs A and B (SPEC §4), indexed by A's latents. A latent i of A is
 * <em>shared</em> when the decoder and the encoder assignments give it the same partner in B and
 * both matched cosines are ≥ the threshold. When A is wider than B, the latents of A left over by
 * the assignments have partner −1 and cosine NaN.
 *
 * @param decoderPartner (F_A) B's latent paired with each latent of A by the decoder assignment
 * @param decoderCosine  (F_A) the cosine of the two decoder rows, recomputed in float64
 * @param encoderPartner (F_A) B's latent paired by the encoder assignment
 * @param encoderCosine  (F_A) the cosine of the two encoder rows, float64
 * @param maxCosineA     (F_A) each A latent's largest decoder cosine with any latent of B (float32)
 * @param maxCosineB     (F_B) each B latent's largest decoder cosine with any latent of A (float32)
 * @param threshold      the cosine both matchings must reach
 */
public record PairMatch(int[] decoderPartner, double[] decoderCosine, int[] encoderPartner, double[] encoderCosine,
                        float[] maxCosineA, float[] maxCosineB, double threshold) {

    public int widthA() { return decoderPartner.length; }

    public int widthB() { return maxCosineB.length; }

    public boolean isShared(int i) {
        return decoderPartner[i] >= 0 && decoderPartner[i] == encoderPartner[i]
                && decoderCosine[i] >= threshold && encoderCosine[i] >= threshold;
    }

    /** (F_A) whether each latent of A is shared. */
    public boolean[] sharedInA() {
        boolean[] s = new boolean[widthA()];
        for (int i = 0; i < s.length; i++) s[i] = isShared(i);
        return s;
    }

    /** (F_B) whether each latent of B is shared (is the partner of a shared latent of A). */
    public boolean[] sharedInB() {
        boolean[] s = new boolean[widthB()];
        for (int i = 0; i < widthA(); i++) if (isShared(i)) s[decoderPartner[i]] = true;
        return s;
    }

    public int sharedCount() {
        int c = 0;
        for (int i = 0; i < widthA(); i++) if (isShared(i)) c++;
        return c;
    }

    /** Shared latents over A's width. */
    public double sharedFraction() { return (double) sharedCount() / widthA(); }

    /** Shared latents over B's width. */
    public double sharedFractionOfB() { return (double) sharedCount() / widthB(); }

    /** The mean decoder cosine of the matched pairs. */
    public double meanDecoderCosine() { return meanFinite(decoderCosine); }

    /** The mean encoder cosine of the matched pairs. */
    public double meanEncoderCosine() { return meanFinite(encoderCosine); }

    /** The mean over A's latents of the largest decoder cosine with B (the mean max cosine). */
    public double meanMaxCosine() {
        double s = 0;
        for (float m : maxCosineA) s += m;
        return s / maxCosineA.length;
    }

    private static double meanFinite(double[] values) {
        double s = 0;
        int n = 0;
        for (double v : values) {
            if (Double.isNaN(v)) continue;
            s += v;
            n++;
        }
        return s / n;
    }
}
