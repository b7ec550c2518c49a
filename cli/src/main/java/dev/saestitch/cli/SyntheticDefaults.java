package dev.saestitch.cli;

import dev.saestitch.synth.SyntheticConfig;

import java.nio.file.Path;

/** The synthetic world the CLI uses when a command gets no data file, scaled to any dimension. */
final class SyntheticDefaults {

    private SyntheticDefaults() {}

    /**
     * The default world (SyntheticConfig.defaults(), tuned at D = 128) with its feature counts
     * scaled in proportion to D, so that superposition and the ladder's phenomena stay the same.
     */
    static SyntheticConfig world(int dim, long seed) {
        SyntheticConfig d = SyntheticConfig.defaults();
        double s = dim / (double) d.dim();
        int parents = Math.max(1, (int) Math.round(d.parents() * s));
        int independents = Math.max(1, (int) Math.round(d.independents() * s));
        double meanActive = Math.min(d.independentMeanActive(), d.maxFiringProbability() * independents);
        return new SyntheticConfig(dim, parents, d.childrenPerParent(), d.childParentCosine(), d.parentFiringProbability(),
                independents, d.powerLawExponent(), meanActive, d.maxFiringProbability(), d.magnitudeLogStd(),
                d.offsetNorm(), d.noiseStd(), d.rows(), seed);
    }

    /** data.npy → data.truth.npy: where synth writes the true directions beside the activations. */
    static Path truthFileFor(Path activations) {
        String name = activations.getFileName().toString();
        String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return activations.resolveSibling(stem + ".truth.npy");
    }
}
