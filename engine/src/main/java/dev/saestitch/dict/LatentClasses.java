package dev.saestitch.dict;

import java.util.Arrays;

/**
 * The latents of the large SAE L split by their max decoder cosine m_i over the small SAE S
 * (SPEC §2): <b>novel</b> if m_i &lt; θ, <b>reconstruction</b> if m_i ≥ θ. Decided in float64
 * (see {@link DictionaryComparison}). The workshop paper's text says "reconstruction if greater
 * than 0.7"; its Algorithm 1 and the SPEC use "novel if below θ", which is what this follows: a
 * latent with m_i exactly θ is a reconstruction latent.
 */
public final class LatentClasses {

    private final double threshold;
    private final boolean[] novel;   // (F_L)
    private final int novelCount;

    private LatentClasses(double threshold, boolean[] novel) {
        this.threshold = threshold;
        this.novel = novel;
        int n = 0;
        for (boolean b : novel) if (b) n++;
        this.novelCount = n;
    }

    public static LatentClasses of(DictionaryComparison comparison) {
        boolean[] novel = new boolean[comparison.largeLatents()];
        Arrays.fill(novel, true);
        for (int i : comparison.pairs().large()) novel[i] = false;   // pairs hold every cosine ≥ θ
        return new LatentClasses(comparison.threshold(), novel);
    }

    public double threshold() { return threshold; }
    public int latents() { return novel.length; }
    public boolean isNovel(int latent) { return novel[latent]; }
    public int novelCount() { return novelCount; }
    public int reconstructionCount() { return novel.length - novelCount; }

    /** Indices of the novel latents, ascending. */
    public int[] novel() { return indices(true); }

    /** Indices of the reconstruction latents, ascending. */
    public int[] reconstruction() { return indices(false); }

    /** A copy of the per-latent flags (true = novel). */
    public boolean[] novelMask() { return novel.clone(); }

    private int[] indices(boolean wanted) {
        int[] out = new int[wanted ? novelCount : novel.length - novelCount];
        for (int i = 0, k = 0; i < novel.length; i++) if (novel[i] == wanted) out[k++] = i;
        return out;
    }
}
