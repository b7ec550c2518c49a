package dev.saestitch.cli;

import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.synth.SyntheticWorld;
import dev.saestitch.tensor.Matrix;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where activations come from: {@code --data FILE} (.npy or .safetensors), or the built-in
 * synthetic world when no file is given. Also finds the true feature directions when they are
 * known: the synthetic world's own, {@code --truth FILE}, or the {@code .truth.npy} that
 * {@code synth} wrote beside the data.
 */
final class DataOption {

    @Option(names = "--data", paramLabel = "FILE", description = "Activations, N×D: .npy (float32/float16) or .safetensors. Default: the built-in synthetic world.")
    Path data;
    @Option(names = "--tensor", paramLabel = "NAME", description = "Tensor to read from a .safetensors file (default: its only tensor of 2 or more dimensions).")
    String tensor;
    @Option(names = "--truth", paramLabel = "FILE", description = "True feature directions (T×D .npy) for recovery metrics (default: FILE.truth.npy beside --data, if present).")
    Path truth;
    @Option(names = "--synth-seed", defaultValue = "0", description = "Seed of the synthetic world when there is no --data (default: ${DEFAULT-VALUE}).")
    long synthSeed;

    /** The opened activations and, when known, the true features. */
    record Dataset(ActivationSource source, Matrix truth, String description) implements AutoCloseable {
        boolean synthetic() { return source instanceof SyntheticWorld; }
        @Override public void close() { source.close(); }
    }

    /**
     * Opens the data; {@code synthDim} is D for the synthetic world. The truth matrix is owned by {@code arena}.
     */
    Dataset open(int synthDim, Arena arena) {
        ActivationSource source = data != null ? ActivationFiles.open(data, tensor) : new SyntheticWorld(SyntheticDefaults.world(synthDim, synthSeed));
        Matrix truthDirections = null;
        Path truthFile = truth != null ? truth : data != null ? SyntheticDefaults.truthFileFor(data) : null;
        if (source instanceof SyntheticWorld world && truth == null) {
            truthDirections = world.trueFeatures().directions(arena);
        } else if (truthFile != null && (truth != null || Files.isRegularFile(truthFile))) {
            truthDirections = Npy.open(truthFile, arena).readFiniteFloat32(arena);
            if (truthDirections.rows() == 0) {
                source.close();
                throw new UserInputException(truthFile + ": holds no true features (0 rows)");
            }
            if (truthDirections.cols() != source.dim()) {
                source.close();
                throw new UserInputException(truthFile + ": true features have dimension " + truthDirections.cols() + " but the data has " + source.dim());
            }
        }
        return new Dataset(source, truthDirections, source.describe());
    }

    /**
     * The one input-dimension check: fails unless the data's rows have the SAE's d_in, naming the
     * data file, or on the synthetic world (built with the first SAE's D) the SAE.
     */
    void checkInputDim(int dIn, Path saePath, Dataset dataset) {
        int dim = dataset.source().dim();
        if (data != null) SaeFiles.checkInputDim(dIn, saePath, dim, data);
        else if (dIn != dim) throw new UserInputException(saePath + ": the SAE has d_in=" + dIn + " but the synthetic world has " + dim);
    }

    /**
     * The check between two SAEs that must read the same activations: fails naming {@code other}
     * unless its d_in is {@code first}'s; {@code need} says which command needs it.
     */
    static void checkSameInput(Path first, int firstDIn, Path other, int otherDIn, String need) {
        if (otherDIn != firstDIn)
            throw new UserInputException(other + ": d_in " + otherDIn + " differs from " + first + "'s " + firstDIn + "; " + need + " SAEs on the same activations");
    }

    /** Adds --data and --truth to the paths a command reads. */
    DistinctPaths inputs(DistinctPaths paths) { return paths.input("--data", data).input("--truth", truth); }

    /** The file the data came from, for messages. */
    Path path() { return data; }
}
