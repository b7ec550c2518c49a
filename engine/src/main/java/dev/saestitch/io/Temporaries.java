package dev.saestitch.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The hidden temporary files and folders that atomic writes make beside their targets:
 * {@code .NAME.PID.RANDOM.tmp} (being written) and {@code .NAME.PID.RANDOM.old} (a replaced folder
 * moved aside). The pid in the name says whose they are, so that
 * <ul>
 * <li>this process removes its own on exit, SIGINT and SIGTERM included (a shutdown hook), and</li>
 * <li>the next run's first write into the same folder sweeps those of processes that are gone: an {@code .old}
 *     folder whose target is missing (a run killed between the two renames of a replacement) is
 *     put back, everything else is deleted. Temporaries of live processes (concurrent writers)
 *     are never touched.</li>
 * </ul>
 */
final class Temporaries {

    static final String TMP = ".tmp", OLD = ".old";

    private static final long PID = ProcessHandle.current().pid();
    /** .NAME.PID.RANDOM.(tmp|old); RANDOM is 16 hex digits, so a user's own dot-file is never taken for one. */
    private static final Pattern NAME = Pattern.compile("\\.(.+)\\.(\\d{1,19})\\.([0-9a-f]{16})(\\.tmp|\\.old)");
    private static final Set<Path> OWN = ConcurrentHashMap.newKeySet();
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();
    private static final System.Logger LOG = System.getLogger(Temporaries.class.getName());

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OWN.forEach(Temporaries::deleteTree), "saestitch-temporaries"));
    }

    private Temporaries() {}

    /** A hidden name beside {@code target} (in {@code dir}) that nothing uses yet. */
    static Path freshName(Path dir, Path target, String suffix) {
        while (true) {
            Path p = dir.resolve("." + target.getFileName() + "." + PID + "." + String.format("%016x", ThreadLocalRandom.current().nextLong()) + suffix);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return p;
        }
    }

    /** {@code path} is this process's until {@link #release}: removed if the process ends first. */
    static void own(Path path) { OWN.add(path); }

    /** {@code path} was committed (renamed into place) or removed: the exit hook leaves it alone. */
    static void release(Path path) { OWN.remove(path); }

    /** {@link #sweep}s {@code dir} on this process's first write into it (a writer may write many files into one folder). */
    static void sweepOnce(Path dir) {
        if (SWEPT.add(dir.toAbsolutePath().normalize())) sweep(dir);
    }

    /** Sweeps the temporaries that gone processes left in {@code dir}. */
    static void sweep(Path dir) {
        if (!Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> NAME.matcher(p.getFileName().toString()).matches())) {
            for (Path p : entries) sweepOne(dir, p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look for leftover temporaries in " + dir + ": " + e);
        }
    }

    private static void sweepOne(Path dir, Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (!m.matches()) return;
        long pid;
        try {
            pid = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            return;
        }
        if (pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return;
        Path target = dir.resolve(m.group(1));
        if (m.group(4).equals(OLD) && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.log(System.Logger.Level.WARNING, "recovered " + target + ", which an interrupted run (pid " + pid + ") had moved aside to " + p.getFileName());
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot recover " + target + " from " + p + ": " + e);
                return;    // never delete the only copy
            }
        }
        deleteTree(p);
    }

    /** Deletes a file or a folder tree (links are removed, never followed); quiet: a leftover is swept again next time. */
    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | RuntimeException ignored) {
            // Cleaning up after a failure or at exit: the error being reported matters more, and the sweep retries.
        }
        release(root);
    }
}
