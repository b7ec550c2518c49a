package dev.saestitch.cli;

import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** The SMALL and LARGE SAE directories that compare and stitch take, in that order. */
final class SaePairArguments {

    @Parameters(index = "0", paramLabel = "SMALL", description = "The small SAE's directory.")
    Path smallDir;
    @Parameters(index = "1", paramLabel = "LARGE", description = "The large SAE's directory.")
    Path largeDir;

    /** Loads both; the caller closes the pair. */
    /** SMALL and LARGE, the paths the command reads. */
    DistinctPaths inputs() { return new DistinctPaths().input("SMALL", smallDir).input("LARGE", largeDir); }

    SaePair load() { return SaePair.load(smallDir, largeDir); }
}
