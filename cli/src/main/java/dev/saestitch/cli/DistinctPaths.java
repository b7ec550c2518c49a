package dev.saestitch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's input and output paths, checked before any work: an output that is an input (or a
 * folder holding one, which replacing the folder would delete), or two outputs at one path, is
 * refused in one line naming both flags. Paths are compared as real paths where they exist (so a
 * symlink or "./x" is seen through), else as the real path of their folder and their name.
 */
final class DistinctPaths {

    private record Role(String flag, Path path, Path real) {
        Role {
            // An empty path means the current folder to Path, which would be read or replaced whole.
            if (path.toString().isEmpty()) throw new UserInputException(flag + " is an empty path: give a file or folder");
        }
    }

    private final List<Role> inputs = new ArrayList<>();
    private final List<Role> outputs = new ArrayList<>();

    /** {@code path} is read (null: not given). */
    DistinctPaths input(String flag, Path path) {
        if (path != null) inputs.add(new Role(flag, path, real(path)));
        return this;
    }

    /** {@code path} is written or replaced (null: not given). */
    DistinctPaths output(String flag, Path path) {
        if (path != null) outputs.add(new Role(flag, path, real(path)));
        return this;
    }

    /** @throws UserInputException naming the first output that would destroy an input or another output */
    void check() {
        for (int i = 0; i < outputs.size(); i++) {
            Role out = outputs.get(i);
            for (Role in : inputs) {
                if (in.real().equals(out.real()))
                    throw new UserInputException(out.path() + ": " + out.flag() + " is the input itself (" + in.flag() + "); writing it would destroy the input, write elsewhere");
                if (in.real().startsWith(out.real()))
                    throw new UserInputException(out.path() + ": " + out.flag() + " holds the input " + in.flag() + " " + in.path()
                            + "; replacing it would destroy the input, write elsewhere");
            }
            for (Role other : outputs.subList(i + 1, outputs.size()))
                if (other.real().equals(out.real()))
                    throw new UserInputException(out.path() + ": given as both " + out.flag() + " and " + other.flag() + "; one would overwrite the other");
        }
    }

    /** The real path when {@code p} exists, else its folder's real path (when that exists) and its name. */
    private static Path real(Path p) {
        Path absolute = p.toAbsolutePath().normalize();
        try {
            if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) return absolute.toRealPath();
            Path parent = absolute.getParent();
            if (parent != null && Files.exists(parent)) return parent.toRealPath().resolve(absolute.getFileName());
        } catch (IOException e) {
            // a symlink loop or an unreadable folder: compare the path as written, the command's own open reports the problem
        }
        return absolute;
    }
}
