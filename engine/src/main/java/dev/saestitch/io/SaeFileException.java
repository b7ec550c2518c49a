package dev.saestitch.io;

import dev.saestitch.input.InputException;

import java.nio.file.Path;

/**
 * A file that saestitch cannot read or write: an SAE directory, a safetensors or .npy file.
 * The message is always one line, {@code "<path>: <problem>"}, so a command line tool can print
 * it as it is.
 */
public final class SaeFileException extends InputException {

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

    /** A problem longer than this is cut: a message quotes file content, which can be megabytes. */
    static final int MAX_PROBLEM_CHARS = 400;
    /** How many names {@link #quote} lists before "and N more". */
    static final int MAX_QUOTED_NAMES = 10;

    /** Library messages (Jackson's, the file system's) span lines; keep the first, and at most {@link #MAX_PROBLEM_CHARS}. */
    static String oneLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        String line = (nl < 0 ? s : s.substring(0, nl)).strip();
        if (line.length() <= MAX_PROBLEM_CHARS) return line;
        return line.substring(0, MAX_PROBLEM_CHARS) + "… (" + (line.length() - MAX_PROBLEM_CHARS) + " more characters)";
    }

    /** {@code [a, b, c]}, or the first {@link #MAX_QUOTED_NAMES} and "… and N more" for a long list. */
    public static String quote(java.util.List<String> names) {
        if (names.size() <= MAX_QUOTED_NAMES) return names.toString();
        String head = names.subList(0, MAX_QUOTED_NAMES).toString();
        return head.substring(0, head.length() - 1) + ", … and " + (names.size() - MAX_QUOTED_NAMES) + " more]";
    }
}
