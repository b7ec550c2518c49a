package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

/**
 * Whether the latents a comparison calls novel are the true features the smaller SAE missed
 * (SPEC §6), on a world whose true features are known. A true feature is missed by SMALL when no
 * SMALL decoder row reaches cosine {@link FeatureRecovery#RECOVERED_COSINE} with it; a novel
 * LARGE latent is a hit when its best true feature reaches that cosine and is one SMALL missed.
 *
 * @param novel              novel latents of LARGE
 * @param hits               novel latents that match a true feature SMALL missed
 * @param missedBySmall      true features SMALL does not recover
 * @param missedFoundByLarge of those, how many LARGE recovers with any latent
 * @param missedFoundByNovel of those, how many LARGE recovers with a novel latent
 */
public record NovelLatentTruth(int novel, int hits, int missedBySmall, int missedFoundByLarge, int missedFoundByNovel) {

    /** hits / novel: how many novel latents are missed true features (NaN without novel latents). */
    public double precision() { return novel == 0 ? Double.NaN : (double) hits / novel; }

    /** Of the missed true features that LARGE learnt at all, the fraction it learnt as novel latents. */
    public double recall() { return missedFoundByLarge == 0 ? Double.NaN : (double) missedFoundByNovel / missedFoundByLarge; }

    /**
     * @param truth      (T, D) true feature directions
     * @param smallDec   (F_S, D) decoder rows of SMALL
     * @param largeDec   (F_L, D) decoder rows of LARGE
     * @param novelMask  per LARGE latent, whether the comparison called it novel
     */
    public static NovelLatentTruth score(Backend backend, Matrix truth, Matrix smallDec, Matrix largeDec, boolean[] novelMask) {
        if (novelMask.length != largeDec.rows())
            throw new IllegalArgumentException(novelMask.length + " novel flags for " + largeDec.rows() + " latents");
        float[] bySmall = FeatureRecovery.score(backend, truth, smallDec).maxCosine();   // per true feature
        FeatureRecovery.BothWays large = FeatureRecovery.scoreBothWays(backend, truth, largeDec);
        FeatureRecovery.Result byLarge = large.byTrueFeature();
        FeatureRecovery.Result latentToTruth = large.byLatent();   // per LARGE latent: its best true feature
        boolean[] missed = new boolean[bySmall.length];
        int missedCount = 0, foundByLarge = 0;
        for (int t = 0; t < missed.length; t++) {
            missed[t] = bySmall[t] < FeatureRecovery.RECOVERED_COSINE;
            if (!missed[t]) continue;
            missedCount++;
            if (byLarge.maxCosine()[t] >= FeatureRecovery.RECOVERED_COSINE) foundByLarge++;
        }
        boolean[] foundByNovel = new boolean[missed.length];
        int novel = 0, hits = 0;
        for (int j = 0; j < novelMask.length; j++) {
            if (!novelMask[j]) continue;
            novel++;
            int t = latentToTruth.bestLatent()[j];
            if (t >= 0 && latentToTruth.maxCosine()[j] >= FeatureRecovery.RECOVERED_COSINE && missed[t]) {
                hits++;
                foundByNovel[t] = true;
            }
        }
        int missedFoundByNovel = 0;
        for (boolean b : foundByNovel) if (b) missedFoundByNovel++;
        return new NovelLatentTruth(novel, hits, missedCount, foundByLarge, missedFoundByNovel);
    }
}
