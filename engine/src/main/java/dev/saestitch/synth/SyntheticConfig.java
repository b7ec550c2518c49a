package dev.saestitch.synth;

import dev.saestitch.input.InputException;

/**
 * The recipe of a {@link SyntheticWorld} (SPEC §6). Every field is validated at construction; an
 * invalid one throws {@link InputException} naming the field and the value (they come from flags).
 *
 * <p>Generative model of one row: {@code x = offset + Σ_{events} m_e · d_e + ε}, where each parent
 * fires independently with probability {@code parentFiringProbability} and then emits one of its
 * children (chosen uniformly), each independent feature fires independently with its power-law
 * probability, {@code m_e = exp(magnitudeLogStd · g)} (lognormal, median 1, always positive) and
 * {@code ε ~ N(0, noiseStd² I)}.
 *
 * <p>Why the defaults ({@link #defaults()}, D = 128): 64 parents × 4 children + 768 independents
 * make 1024 emitted directions (8·D, in superposition) plus 64 parent directions. A child fires
 * with probability 0.04 / 4 = 0.01; with a parent latent in place, a child-specific latent only
 * recovers the 1 − 0.8² = 36% of the child's variance the parent misses, worth 0.0036 per unit
 * magnitude, and 322 of the independents fire more often than that. So a 512-latent SAE cannot
 * afford all children and keeps the parents (one latent per family, 64% of each child), a
 * 1024-latent SAE has room for nearly every child (feature splitting), and the rarest independents
 * (p ≈ 0.0014) need the spare capacity of a 2048-latent SAE (novel latents). On average 2.56
 * parent events and 8 independent features are active per row (10.6 in all).
 *
 * @param dim                     D, the activation dimension
 * @param parents                 P, number of parent directions (random unit vectors)
 * @param childrenPerParent       c, children per parent; a firing parent emits exactly one of them
 * @param childParentCosine       cosine between each child and its parent, in (0, 1)
 * @param parentFiringProbability probability that a given parent fires in a row
 * @param independents            R, number of independent features
 * @param powerLawExponent        a in p_i ∝ i^−a (i = 1..R) for the independents
 * @param independentMeanActive   Σ_i p_i, the mean number of independents active per row
 * @param maxFiringProbability    cap on each p_i; the mass the cap removes from the head of the
 *                                power law is spread over the rest so that Σ p_i stays as asked
 * @param magnitudeLogStd         σ of the lognormal magnitudes (median 1); 0 gives magnitude 1
 * @param offsetNorm              norm of the fixed offset added to every row (what b_dec should learn)
 * @param noiseStd                standard deviation of the i.i.d. Gaussian noise on each coordinate
 * @param rows                    N, the number of rows the source exposes
 * @param seed                    determines the directions, the offset and every row
 */
public record SyntheticConfig(
        int dim,
        int parents,
        int childrenPerParent,
        double childParentCosine,
        double parentFiringProbability,
        int independents,
        double powerLawExponent,
        double independentMeanActive,
        double maxFiringProbability,
        double magnitudeLogStd,
        double offsetNorm,
        double noiseStd,
        long rows,
        long seed) {

    public SyntheticConfig {
        require(dim >= 2, "dim", dim, "must be at least 2");
        require(parents >= 0, "parents", parents, "must be non-negative");
        require(childrenPerParent >= 1, "childrenPerParent", childrenPerParent, "must be at least 1");
        require(childParentCosine > 0 && childParentCosine < 1, "childParentCosine", childParentCosine, "must lie in (0, 1)");
        require(parentFiringProbability >= 0 && parentFiringProbability <= 1,
                "parentFiringProbability", parentFiringProbability, "must lie in [0, 1]");
        require(independents >= 0, "independents", independents, "must be non-negative");
        require(parents + independents >= 1, "parents + independents", parents + independents, "must be at least 1");
        require((long) parents * (childrenPerParent + 1) + independents <= Integer.MAX_VALUE / Math.max(dim, 1),
                "parents·(childrenPerParent+1) + independents", (long) parents * (childrenPerParent + 1) + independents,
                "is too large: the directions must fit one array of at most 2^31 floats");
        require(powerLawExponent >= 0 && Double.isFinite(powerLawExponent), "powerLawExponent", powerLawExponent, "must be finite and non-negative");
        require(maxFiringProbability > 0 && maxFiringProbability <= 1, "maxFiringProbability", maxFiringProbability, "must lie in (0, 1]");
        require(independentMeanActive >= 0 && independentMeanActive <= maxFiringProbability * independents,
                "independentMeanActive", independentMeanActive,
                "must lie in [0, maxFiringProbability · independents] = [0, " + maxFiringProbability * independents + "]");
        require(magnitudeLogStd >= 0 && Double.isFinite(magnitudeLogStd), "magnitudeLogStd", magnitudeLogStd, "must be finite and non-negative");
        require(offsetNorm >= 0 && Double.isFinite(offsetNorm), "offsetNorm", offsetNorm, "must be finite and non-negative");
        require(noiseStd >= 0 && Double.isFinite(noiseStd), "noiseStd", noiseStd, "must be finite and non-negative");
        require(rows >= 1, "rows", rows, "must be at least 1");
    }

    /** The D = 128 world described in the class comment, with 2^24 rows and seed 0. */
    public static SyntheticConfig defaults() {
        return new SyntheticConfig(128, 64, 4, 0.8, 0.04, 768, 1.1, 8.0, 0.25, 0.5, 3.0, 0.05, 1L << 24, 0);
    }

    /**
     * This world at dimension {@code d}, its parent and independent counts scaled in proportion so
     * that superposition (features per dimension) and the ladder's phenomena stay the same.
     */
    public SyntheticConfig scaledTo(int d) {
        double s = d / (double) dim;
        int p = parents == 0 ? 0 : Math.max(1, (int) Math.round(parents * s));
        int r = independents == 0 ? 0 : Math.max(1, (int) Math.round(independents * s));
        return new SyntheticConfig(d, p, childrenPerParent, childParentCosine, parentFiringProbability, r, powerLawExponent,
                Math.min(independentMeanActive, maxFiringProbability * r), maxFiringProbability, magnitudeLogStd, offsetNorm,
                noiseStd, rows, seed);
    }

    public SyntheticConfig withRows(long n) {
        return new SyntheticConfig(dim, parents, childrenPerParent, childParentCosine, parentFiringProbability, independents,
                powerLawExponent, independentMeanActive, maxFiringProbability, magnitudeLogStd, offsetNorm, noiseStd, n, seed);
    }

    public SyntheticConfig withSeed(long s) {
        return new SyntheticConfig(dim, parents, childrenPerParent, childParentCosine, parentFiringProbability, independents,
                powerLawExponent, independentMeanActive, maxFiringProbability, magnitudeLogStd, offsetNorm, noiseStd, rows, s);
    }

    public SyntheticConfig withNoiseStd(double std) {
        return new SyntheticConfig(dim, parents, childrenPerParent, childParentCosine, parentFiringProbability, independents,
                powerLawExponent, independentMeanActive, maxFiringProbability, magnitudeLogStd, offsetNorm, std, rows, seed);
    }

    /** P + P·c + R: parents, then children, then independents. */
    public int trueFeatureCount() { return parents + parents * childrenPerParent + independents; }

    private static void require(boolean ok, String field, Object value, String rule) {
        if (!ok) throw new InputException("synthetic config: " + field + " = " + value + " " + rule);
    }
}
