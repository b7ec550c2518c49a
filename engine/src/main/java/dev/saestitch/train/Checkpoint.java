package dev.saestitch.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * A training checkpoint directory: {@value #TENSORS} (weights, Adam moments, dead-latent
 * counters; see {@link TensorFile}) and {@value #STATE} (the configuration and every scalar of the
 * run's state). It is written into a temporary sibling directory and renamed into place; an older
 * checkpoint at the same path is renamed away first and deleted last, so a crash leaves either the
 * old or the new checkpoint complete under the name (or, in the instant between the two renames,
 * the old one under its temporary name).
 */
final class Checkpoint {

    static final String TENSORS = "tensors.bin";
    static final String STATE = "state.json";
    static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The run's scalars.
     *
     * @param thresholdSum   BatchTopK: Σ of the smallest kept activation over the batches since the start step
     * @param thresholdCount the number of those batches
     * @param feedPosition   the feed's position after the last trained batch
     */
    record State(int format, TrainConfig config, int dIn, long step, float inputScale,
                 double thresholdSum, long thresholdCount, long[] feedPosition) {}

    /** A checkpoint read back: tensors in host memory owned by the caller's arena. */
    record Loaded(State state, Map<String, Matrix> tensors) {}

    private Checkpoint() {}

    static void write(Path dir, State state, Map<String, Matrix> hostTensors) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        String name = target.getFileName().toString();
        Path tmp = Files.createTempDirectory(parent, "." + name + ".tmp");
        try {
            TensorFile.write(tmp.resolve(TENSORS), hostTensors);
            Files.write(tmp.resolve(STATE), JSON.writeValueAsBytes(state));
            if (Files.exists(target)) {
                Path old = Files.createTempDirectory(parent, "." + name + ".old");
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | RuntimeException e) {
            if (Files.exists(tmp)) deleteTree(tmp);
            throw e;
        }
    }

    static Loaded read(Path dir, Arena arena) throws IOException {
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
        Path tensorFile = dir.resolve(TENSORS);
        if (!Files.exists(tensorFile)) throw new CheckpointException(tensorFile, "missing");
        return new Loaded(state, TensorFile.read(tensorFile, arena));
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }
            @Override public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
