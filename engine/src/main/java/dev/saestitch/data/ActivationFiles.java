package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.SaeFileException;

import java.nio.file.Path;
import java.util.Locale;

/** Opens an activation file by its extension: {@code .npy} or {@code .safetensors}. */
public final class ActivationFiles {

    private ActivationFiles() {}

    /** @param tensorName the tensor to read in a safetensors file, or null for its only 2-D tensor; must be null for .npy */
    public static ActivationSource open(Path file, String tensorName) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            if (tensorName != null) throw new SaeFileException(file, "a .npy file holds one array; there is no tensor '" + tensorName + "' to choose");
            return NpyActivations.open(file);
        }
        if (name.endsWith(".safetensors")) return SafetensorsActivations.open(file, tensorName);
        throw new SaeFileException(file, "unknown activation file type (expected .npy or .safetensors)");
    }

    /** An activation matrix needs float rows, at least one column, and a dimension an int can hold. */
    static void requireUsable(MappedTensor t) {
        t.requireReadable();
        if (t.dim(1) == 0 || t.dim(1) > Integer.MAX_VALUE)
            throw new SaeFileException(t.file(), t.describe() + " has an unusable activation dimension " + t.dim(1));
    }
}
