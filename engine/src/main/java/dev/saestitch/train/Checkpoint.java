package dev.saestitch.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saestitch.io.AtomicFiles;
import dev.saestitch.io.FloatTensor;
import dev.saestitch.io.Safetensors;
import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training checkpoint directory: {@value #TENSORS} (weights, Adam moments, dead-latent
 * counters, as float32 safetensors) and {@value #STATE} (the configuration and every scalar of the
 * run's state). It replaces any older checkpoint atomically ({@link AtomicFiles#replaceDirectory}),
 * so a crash leaves either the old or the new checkpoint complete.
 */
final class Checkpoint {

    static final String TENSORS = "tensors.safetensors";
    static final String STATE = "state.json";
    static final int FORMAT = 2;   // 2: the data's identity (format 1 had none, so its data cannot be verified)

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The run's scalars.
     *
     * @param thresholdSum   BatchTopK: Σ of the smallest kept activation over the batches since the start step
     * @param thresholdCount the number of those batches
     * @param feedPosition   the feed's position after the last trained batch
     * @param data           the data and order the run trains on ({@link BatchFeed#identity})
     */
    record State(int format, TrainConfig config, int dIn, long step, float inputScale,
                 double thresholdSum, long thresholdCount, long[] feedPosition, FeedIdentity data) {}

    /** A checkpoint read back: tensors in host memory owned by the caller's arena. */
    record Loaded(State state, Map<String, Matrix> tensors) {}

    private Checkpoint() {}

    static void write(Path dir, State state, Map<String, Matrix> hostTensors) {
        List<FloatTensor> tensors = hostTensors.entrySet().stream().map(e -> FloatTensor.matrix(e.getKey(), e.getValue())).toList();
        AtomicFiles.replaceDirectory(dir, Set.of(TENSORS, STATE), tmp -> {
            Safetensors.write(tmp.resolve(TENSORS), tensors, Map.of());
            Files.write(tmp.resolve(STATE), JSON.writeValueAsBytes(state));
        });
    }

    /** The run's scalars alone (a group reads its input scale here before it reads each member's tensors). */
    static State readState(Path dir) throws IOException {
        Path stateFile = dir.resolve(STATE);
        State state;
        try {
            state = JSON.readValue(Files.readAllBytes(stateFile), State.class);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(stateFile, "missing: " + dir + " is not a checkpoint directory");
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CheckpointException(stateFile, "unreadable state: " + e.getMessage());
        }
        if (state.format() != FORMAT) throw new CheckpointException(stateFile, "format " + state.format() + ", this build reads format " + FORMAT);
        if (state.config() == null || state.feedPosition() == null) throw new CheckpointException(stateFile, "config or feed position missing");
        return state;
    }

    static Loaded read(Path dir, Arena arena) throws IOException {
        State state = readState(dir);
        Path tensorFile = dir.resolve(TENSORS);
        if (!Files.exists(tensorFile)) throw new CheckpointException(tensorFile, "missing");
        Safetensors file = Safetensors.open(tensorFile, arena);
        Map<String, Matrix> tensors = new LinkedHashMap<>();
        for (String name : file.names()) tensors.put(name, file.readFloat32(name, arena));
        return new Loaded(state, tensors);
    }
}
