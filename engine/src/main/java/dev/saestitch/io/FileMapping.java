package dev.saestitch.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Maps whole files read-only into a caller's arena. */
final class FileMapping {

    private FileMapping() {}

    /** The file's bytes, mapped read-only and valid until {@code arena} closes. */
    static MemorySegment map(Path file, Arena arena) {
        if (!Files.exists(file)) throw new SaeFileException(file, MissingPath.why(file, "no such file"));
        if (!Files.isRegularFile(file)) throw new SaeFileException(file, "not a regular file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            // A zero-length mapping is legal but some platforms refuse it; an empty file is never valid here.
            if (size == 0) throw new SaeFileException(file, "file is empty");
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw new SaeFileException(file, "cannot read: " + e, e);
        }
    }
}
