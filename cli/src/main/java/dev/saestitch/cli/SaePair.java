package dev.saestitch.cli;

import dev.saestitch.io.CompositeSaeFiles;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.Sae;

import java.nio.file.Path;
import java.util.function.Function;

/** The two SAEs that compare and stitch take: a small one S and a large one L on the same inputs. */
record SaePair<A extends Autoencoder>(A small, A large) implements AutoCloseable {

    /** Plain or composite SAEs (SaeFiles.loadAny). */
    static SaePair<Autoencoder> loadAny(Path smallDir, Path largeDir) { return load(smallDir, largeDir, SaeFiles::loadAny); }

    /** Plain SAEs only: a composite is refused in one line, {@code why} saying what the command needs that a composite lacks. */
    static SaePair<Sae> loadPlain(Path smallDir, Path largeDir, String why) {
        return load(smallDir, largeDir, dir -> {
            if (CompositeSaeFiles.isComposite(dir)) throw new UserInputException(dir + ": is a composite SAE; " + why);
            return SaeFiles.load(dir);
        });
    }

    private static <A extends Autoencoder> SaePair<A> load(Path smallDir, Path largeDir, Function<Path, A> loader) {
        A small = loader.apply(smallDir);
        try {
            A large = loader.apply(largeDir);
            try {
                DataOption.checkSameInput(smallDir, small.dIn(), largeDir, large.dIn(), "SMALL and LARGE must be");
            } catch (UserInputException e) {
                large.close();
                throw e;
            }
            return new SaePair<>(small, large);
        } catch (RuntimeException e) {
            small.close();
            throw e;
        }
    }

    @Override public void close() {
        small.close();
        large.close();
    }
}
