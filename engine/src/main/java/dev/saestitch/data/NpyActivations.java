package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.Npy;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Activations in a .npy file as np.save writes them: a C-order array of 2 or more dimensions,
 * (N, D) or (batch, seq, D), of float32, float16 or float64, memory-mapped.
 */
public final class NpyActivations extends MappedActivations {

    private NpyActivations(Arena arena, MappedTensor tensor) {
        super(arena, tensor);
    }

    /** Maps and validates {@code file}; close the source to unmap it. */
    public static NpyActivations open(Path file) {
        return withNewArena(arena -> {
            MappedTensor t = Npy.openArray(file, arena);
            ActivationFiles.requireUsable(t);
            return new NpyActivations(arena, t);
        });
    }
}
