package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.io.Safetensors;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

/**
 * Activations in one (N, D) tensor of a safetensors file (F32, F16, BF16 or F64), memory-mapped.
 * The tensor is the one named, or else the file's only 2-D tensor.
 */
public final class SafetensorsActivations extends MappedActivations {

    private SafetensorsActivations(Arena arena, MappedTensor tensor) {
        super(arena, tensor);
    }

    /** Maps and validates {@code file}; {@code tensorName} may be null when the file has one 2-D tensor. */
    public static SafetensorsActivations open(Path file, String tensorName) {
        return withNewArena(arena -> {
            Safetensors st = Safetensors.open(file, arena);
            MappedTensor t = tensorName != null ? st.tensor(tensorName) : onlyMatrix(st);
            if (t.rank() != 2) throw new SaeFileException(file, t.describe() + " is not 2-D (N, D)");
            ActivationFiles.requireUsable(t);
            return new SafetensorsActivations(arena, t);
        });
    }

    private static MappedTensor onlyMatrix(Safetensors st) {
        List<String> matrices = st.names().stream().filter(n -> st.tensor(n).rank() == 2).toList();
        if (matrices.size() != 1)
            throw new SaeFileException(st.path(), (matrices.isEmpty() ? "holds no 2-D tensor" : "holds several 2-D tensors " + matrices)
                    + "; name the one to read");
        return st.tensor(matrices.getFirst());
    }
}
