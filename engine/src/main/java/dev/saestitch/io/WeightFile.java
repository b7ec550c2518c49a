package dev.saestitch.io;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The safetensors file of an SAE, read with the checks every layout shares: each tensor the
 * layout needs is present, floating-point and of the expected shape; no tensor goes unexplained
 * (an unknown tensor means an architecture this reader would silently get wrong); every weight
 * is finite.
 */
final class WeightFile {

    private final Safetensors file;
    private final Set<String> claimed = new HashSet<>();

    WeightFile(Path path, Arena arena) {
        this.file = Safetensors.open(path, arena);
    }

    Path path() { return file.path(); }

    boolean has(String name) { return file.contains(name); }

    /** The named tensor, which must exist and be floating-point; its shape is for the caller to check. */
    MappedTensor require(String name) {
        if (!file.contains(name)) throw new SaeFileException(file.path(), "missing tensor '" + name + "' (the file holds " + SaeFileException.quote(file.names()) + ")");
        MappedTensor t = file.tensor(name);
        t.requireReadable();
        claimed.add(name);
        return t;
    }

    /** The named tensor with exactly {@code shape}; {@code why} says where the expected sizes come from. */
    MappedTensor require(String name, String why, long... shape) {
        MappedTensor t = require(name);
        if (!Arrays.equals(t.shape(), shape))
            throw new SaeFileException(file.path(), "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape) + " (" + why + ")");
        return t;
    }

    /** Fails on any tensor that no {@code require} call asked for. */
    void rejectUnclaimed(String layout) {
        List<String> extra = new ArrayList<>();
        for (String n : file.names()) if (!claimed.contains(n)) extra.add(n);
        if (!extra.isEmpty())
            throw new SaeFileException(file.path(), "unexpected tensors " + SaeFileException.quote(extra) + " for a " + layout + " SAE of this architecture");
    }

    /** Fails at the first NaN or infinity in {@code m}, an SAE matrix that was read from tensor {@code name}. */
    void requireFinite(String name, Matrix m) {
        for (int r = 0; r < m.rows(); r++)
            for (int c = 0; c < m.cols(); c++) {
                float v = m.get(r, c);
                if (!Float.isFinite(v)) {
                    String where = m.rows() == 1 ? "index " + c : "latent " + r + ", dimension " + c;
                    throw new SaeFileException(file.path(), "tensor '" + name + "' holds " + v + " at " + where);
                }
            }
    }
}
