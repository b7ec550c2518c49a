package dev.saestitch.cli;

import dev.saestitch.synth.SyntheticConfig;

import java.nio.file.Path;

/** The synthetic world the CLI uses when a command gets no data file, scaled to any dimension. */
final class SyntheticDefaults {

    private SyntheticDefaults() {}

    /** The default world (tuned at D = 128) scaled to {@code dim}, with the given seed. */
    static SyntheticConfig world(int dim, long seed) {
        return SyntheticConfig.defaults().scaledTo(dim).withSeed(seed);
    }

    /** data.npy → data.truth.npy: where synth writes the true directions beside the activations. */
    static Path truthFileFor(Path activations) {
        String name = activations.getFileName().toString();
        String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return activations.resolveSibling(stem + ".truth.npy");
    }
}
