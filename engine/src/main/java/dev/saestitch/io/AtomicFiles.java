package dev.saestitch.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Outputs that appear whole or not at all: everything is written under a temporary name in the
 * target's own folder (so the final rename never crosses file systems), flushed to disk, then
 * renamed over the target. A crash leaves the old file or the new one, never half of one.
 */
public final class AtomicFiles {

    /** Writes a file's content into an open channel. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Fills a fresh directory with files. */
    @FunctionalInterface
    public interface DirectoryContent {
        void writeInto(Path directory) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes {@code target} atomically, replacing any file already there. */
    public static void write(Path target, Content content) {
        try (Pending file = create(target)) {
            try {
                content.writeTo(file.channel());
            } catch (IOException e) {
                throw new SaeFileException(target, "cannot write: " + e, e);
            }
            file.commit();
        }
    }

    /**
     * A file written under a temporary name beside its target, for writers that produce it piece
     * by piece: {@link #commit} flushes it and renames it over the target; {@link #close} without
     * a commit deletes it, so an error or an exception leaves no half-written file.
     */
    public static final class Pending implements AutoCloseable {
        private final Path target, dir, tmp;
        private final FileChannel channel;
        private boolean committed;

        private Pending(Path target) {
            this.target = target;
            this.dir = parentOf(target);
            try {
                Files.createDirectories(dir);
                this.tmp = freshName(dir, target, ".tmp");
                this.channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            } catch (IOException e) {
                throw new SaeFileException(target, "cannot write: " + e, e);
            }
        }

        public Path target() { return target; }

        /** Where the content goes, in order. */
        public FileChannel channel() { return channel; }

        /** Makes the file the target, durably. */
        public void commit() {
            try {
                channel.force(true);
                channel.close();
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                committed = true;
                syncDirectory(dir);
            } catch (IOException e) {
                throw new SaeFileException(target, "cannot write: " + e, e);
            }
        }

        @Override
        public void close() {
            if (committed) return;
            try {
                channel.close();
            } catch (IOException ignored) {
                // Abandoning the file: the error that brought us here is the one to report.
            }
            deleteQuietly(tmp);
        }
    }

    /** Starts writing {@code target}; see {@link Pending}. */
    public static Pending create(Path target) { return new Pending(target); }

    /** Writes {@code bytes} to {@code target} atomically (reports, plots, CSV files). */
    public static void write(Path target, byte[] bytes) {
        write(target, ch -> {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) ch.write(buffer);
        });
    }

    /**
     * A hidden name next to {@code target} that nothing uses yet. Not Files.createTemp*: those make
     * owner-only files (0600), and the renamed result would keep that; a plain create honours the umask.
     */
    private static Path freshName(Path dir, Path target, String suffix) {
        while (true) {
            Path p = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + suffix);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return p;
        }
    }

    /** Writes {@code file} (which must not exist yet) and flushes it to disk; for use inside {@link #replaceDirectory}. */
    public static void writeDurably(Path file, Content content) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
            content.writeTo(ch);
            ch.force(true);
        }
    }

    /**
     * Builds a directory under a temporary name next to {@code target}, then puts it in the
     * target's place. An existing target is replaced only if it holds nothing but regular files
     * named in {@code replaceable} (so a mistyped path can never delete someone's folder); it is
     * first renamed aside, and restored if the new directory cannot be moved in.
     */
    public static void replaceDirectory(Path target, Set<String> replaceable, DirectoryContent content) {
        Path parent = parentOf(target);
        if (Files.exists(target)) requireReplaceable(target, replaceable);
        Path tmp = null;
        Path replaced = null; // the previous target, deleted only once the new one is in place
        try {
            Files.createDirectories(parent);
            tmp = Files.createDirectory(freshName(parent, target, ".tmp"));
            content.writeInto(tmp);
            syncDirectory(tmp);
            if (Files.exists(target)) {
                Path old = freshName(parent, target, ".old");
                atomicMove(target, old);
                try {
                    atomicMove(tmp, target);
                } catch (IOException e) {
                    try {
                        atomicMove(old, target);
                    } catch (IOException restore) {
                        e.addSuppressed(restore); // the old directory stays, intact, under its hidden .old name
                    }
                    throw e;
                }
                replaced = old;
            } else {
                atomicMove(tmp, target);
            }
            tmp = null;
            syncDirectory(parent);
        } catch (IOException e) {
            throw new SaeFileException(target, "cannot write: " + e, e);
        } finally {
            deleteTree(tmp);
            deleteTree(replaced);
        }
    }

    private static void requireReplaceable(Path target, Set<String> replaceable) {
        if (!Files.isDirectory(target))
            throw new SaeFileException(target, "exists and is not a directory; refusing to replace it");
        List<String> foreign = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (!replaceable.contains(n) || !Files.isRegularFile(p)) foreign.add(n);
            }
        } catch (IOException e) {
            throw new SaeFileException(target, "cannot list: " + e, e);
        }
        if (!foreign.isEmpty())
            throw new SaeFileException(target, "exists and holds " + foreign + ", which saestitch did not write; refusing to replace it");
    }

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    /** Makes a rename durable: on Linux a directory's entries reach the disk only when the directory is synced. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; there the rename itself is the commit.
            if (!System.getProperty("os.name", "").startsWith("Windows")) throw e;
        }
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null) throw new SaeFileException(target, "has no parent directory");
        return parent;
    }

    private static void deleteQuietly(Path file) {
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Cleaning up after a failure that is already being reported; a stray .tmp file is harmless.
        }
    }

    /** Deletes a directory that this class created (one level of regular files). */
    private static void deleteTree(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) deleteQuietly(p);
        } catch (IOException ignored) {
            // As in deleteQuietly: a leftover hidden directory is harmless next to a reported result.
        }
        deleteQuietly(dir);
    }
}
