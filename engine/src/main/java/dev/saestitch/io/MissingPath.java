package dev.saestitch.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Why a path that {@link Files#exists} denies is not there: "no such file" hides a symbolic link
 * loop or a link to nothing, which the user fixes differently.
 */
final class MissingPath {

    private MissingPath() {}

    /** {@code absent} when nothing is there, else e.g. "is a symbolic link loop", "is a symbolic link to the missing x". */
    static String why(Path path, String absent) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return absent;
        try {
            path.toRealPath();
            return "cannot be reached";
        } catch (FileSystemException e) {
            String reason = e.getReason();
            if (reason != null && reason.toLowerCase(java.util.Locale.ROOT).contains("levels of symbolic links"))
                return "is a symbolic link loop";
            return "is a symbolic link to the missing " + target(path);
        } catch (IOException e) {
            return "cannot be reached: " + e.getMessage();
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "target";
        }
    }
}
