package dev.saestitch.cli;

import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.Sae;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** The SMALL and LARGE SAE directories that compare and stitch take, in that order. */
final class SaePairArguments {

    @Parameters(index = "0", paramLabel = "SMALL", description = "The small SAE's directory (compare: plain or composite).")
    Path smallDir;
    @Parameters(index = "1", paramLabel = "LARGE", description = "The large SAE's directory (compare: plain or composite).")
    Path largeDir;

    /** SMALL and LARGE, the paths the command reads. */
    DistinctPaths inputs() { return new DistinctPaths().input("SMALL", smallDir).input("LARGE", largeDir); }

    /** Loads both, plain or composite; the caller closes the pair. */
    SaePair<Autoencoder> loadAny() { return SaePair.loadAny(smallDir, largeDir); }

    /** Loads both as plain SAEs, refusing a composite with {@code why}; the caller closes the pair. */
    SaePair<Sae> loadPlain(String why) { return SaePair.loadPlain(smallDir, largeDir, why); }
}
