package dev.saestitch.io;

import java.nio.file.Path;

/**
 * A file that saestitch cannot read or write: an SAE directory, a safetensors or .npy file.
 * The message is always one line, {@code "<path>: <problem>"}, so a command line tool can print
 * it as it is.
 */
public final class SaeFileException extends RuntimeException {

    private final Path path;

    public SaeFileException(Path path, String problem) {
        super(path + ": " + oneLine(problem));
        this.path = path;
    }

    public SaeFileException(Path path, String problem, Throwable cause) {
        super(path + ": " + oneLine(problem), cause);
        this.path = path;
    }

    /** The file or directory at fault. */
    public Path path() { return path; }

    /** Library messages (Jackson's, the file system's) span lines; keep the first. */
    static String oneLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
