package dev.saestitch.meta;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.sae.Sae;

/**
 * A meta-SAE's latents against a plain SAE of similar width trained on the activations (the
 * paper's Fig. 22): for each meta-latent, the largest cosine of its decoder direction with any
 * decoder row of the plain SAE, and which row attains it. High values mean the meta-SAE found,
 * from the decoder rows alone, directions that an SAE on the activations also learns.
 *
 * @param maxCosine (F_meta) each meta-latent's best cosine with the plain SAE (float32 GEMM,
 *                  within {@link MaxCosine#errorBound(int)} of the exact value)
 * @param closest   (F_meta) the plain SAE's latent attaining it
 * @param plainMaxCosine (F_plain) each plain latent's best cosine with the meta-SAE
 */
public record MetaComparison(float[] maxCosine, int[] closest, float[] plainMaxCosine) {

    /**
     * @throws IllegalArgumentException when the two SAEs live in spaces of different dimension
     */
    public static MetaComparison of(Backend backend, Sae metaSae, Sae plainSae) {
        if (metaSae.dIn() != plainSae.dIn())
            throw new IllegalArgumentException("cannot compare the meta-SAE " + metaSae + " with the plain " + plainSae
                    + ": their decoder rows have dimensions " + metaSae.dIn() + " and " + plainSae.dIn());
        MaxCosine m = MaxCosine.compute(backend, metaSae.wDec(), plainSae.wDec());
        return new MetaComparison(m.maxOverB(), m.argmaxInB(), m.maxOverA());
    }

    /** The mean over meta-latents of their max cosine. */
    public double meanMaxCosine() { return mean(maxCosine); }

    /** The mean over the plain SAE's latents of their max cosine with the meta-SAE. */
    public double plainMeanMaxCosine() { return mean(plainMaxCosine); }

    /** The fraction of meta-latents whose max cosine is at least {@code threshold}. */
    public double fractionAtLeast(double threshold) {
        long n = 0;
        for (float c : maxCosine) if (c >= threshold) n++;
        return (double) n / maxCosine.length;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }
}
