package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.SaeFileException;

import java.nio.file.Path;
import java.util.Locale;

/** Opens an activation file by its extension: {@code .npy} or {@code .safetensors}. */
public final class ActivationFiles {

    private ActivationFiles() {}

    /**
     * @param tensorName the tensor to read in a safetensors file, or null for its only tensor of 2
     *                   or more dimensions; must be null for .npy
     */
    public static ActivationSource open(Path file, String tensorName) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            if (tensorName != null) throw new SaeFileException(file, "a .npy file holds one array; there is no tensor '" + tensorName + "' to choose");
            return NpyActivations.open(file);
        }
        if (name.endsWith(".safetensors")) return SafetensorsActivations.open(file, tensorName);
        throw new SaeFileException(file, "unknown activation file type (expected .npy or .safetensors)");
    }

    /**
     * Activations need 2 or more dimensions (the last is D, the others are flattened into rows),
     * float elements, and a D of at least 1 that an int can hold.
     */
    static void requireUsable(MappedTensor t) {
        if (t.rank() < 2)
            throw new SaeFileException(t.file(), t.describe() + " has " + t.rank() + (t.rank() == 1 ? " dimension" : " dimensions")
                    + "; activations need 2 or more, (N, D) or (batch, seq, D)");
        t.requireReadable();
        long d = t.dim(t.rank() - 1);
        if (d == 0 || d > Integer.MAX_VALUE)
            throw new SaeFileException(t.file(), t.describe() + " has an unusable activation dimension " + d);
    }
}
