package dev.saestitch.train;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint that cannot be read back: the message names the file and what is wrong with it. */
public final class CheckpointException extends IOException {
    public CheckpointException(Path file, String problem) { super(file + ": " + problem); }
}
