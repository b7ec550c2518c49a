package dev.saestitch.data;

import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.io.Safetensors;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

/**
 * Activations in one tensor of a safetensors file, (N, D) or (batch, seq, D) (F32, F16, BF16 or
 * F64), memory-mapped. The tensor is the one named, or else the file's only tensor of 2 or more
 * dimensions (a file may hold vectors beside it, such as a mean).
 */
public final class SafetensorsActivations extends MappedActivations {

    private SafetensorsActivations(Arena arena, MappedTensor tensor) {
        super(arena, tensor);
    }

    /** Maps and validates {@code file}; {@code tensorName} may be null when the file has one tensor of 2 or more dimensions. */
    public static SafetensorsActivations open(Path file, String tensorName) {
        return withNewArena(arena -> {
            Safetensors st = Safetensors.open(file, arena);
            MappedTensor t = tensorName != null ? st.tensor(tensorName) : onlyActivationTensor(st);
            ActivationFiles.requireUsable(t);
            return new SafetensorsActivations(arena, t);
        });
    }

    private static MappedTensor onlyActivationTensor(Safetensors st) {
        List<String> candidates = st.names().stream().filter(n -> st.tensor(n).rank() >= 2).toList();
        if (candidates.size() != 1)
            throw new SaeFileException(st.path(), (candidates.isEmpty() ? "holds no tensor of 2 or more dimensions"
                    : "holds several tensors of 2 or more dimensions " + SaeFileException.quote(candidates)) + "; name the one to read");
        return st.tensor(candidates.getFirst());
    }
}
