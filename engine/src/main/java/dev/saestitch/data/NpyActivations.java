package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.Npy;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/** Activations in a .npy file: an (N, D) array of float32, float16 or float64, memory-mapped. */
public final class NpyActivations extends MappedActivations {

    private NpyActivations(Arena arena, MappedTensor tensor) {
        super(arena, tensor);
    }

    /** Maps and validates {@code file}; close the source to unmap it. */
    public static NpyActivations open(Path file) {
        return withNewArena(arena -> {
            MappedTensor t = Npy.open(file, arena);
            ActivationFiles.requireUsable(t);
            return new NpyActivations(arena, t);
        });
    }
}
