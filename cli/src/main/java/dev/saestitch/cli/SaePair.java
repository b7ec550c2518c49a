package dev.saestitch.cli;

import dev.saestitch.io.SaeFiles;
import dev.saestitch.io.CompositeSaeFiles;
import dev.saestitch.sae.Sae;

import java.nio.file.Path;

/** The two SAEs that compare and stitch take: a small one S and a large one L on the same inputs. */
record SaePair(Sae small, Sae large) implements AutoCloseable {

    static SaePair load(Path smallDir, Path largeDir) {
        Sae small = loadPlain(smallDir, "SMALL");
        try {
            Sae large = loadPlain(largeDir, "LARGE");
            try {
                DataOption.checkSameInput(smallDir, small.dIn(), largeDir, large.dIn(), "SMALL and LARGE must be");
            } catch (UserInputException e) {
                large.close();
                throw e;
            }
            return new SaePair(small, large);
        } catch (RuntimeException e) {
            small.close();
            throw e;
        }
    }

    private static Sae loadPlain(Path dir, String role) {
        if (CompositeSaeFiles.isComposite(dir))
            throw new UserInputException(dir + ": is a composite SAE; " + role + " must be a plain SAE (SAELens or sparsify layout)");
        return SaeFiles.load(dir);
    }

    @Override public void close() {
        small.close();
        large.close();
    }
}
