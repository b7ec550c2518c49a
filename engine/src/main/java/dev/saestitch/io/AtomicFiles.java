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
import java.util.function.Predicate;

/**
 * Outputs that appear whole or not at all: everything is written under a temporary name in the
 * target's own folder (so the final rename never crosses file systems), flushed to disk, then
 * renamed over the target (folders: exchanged with it). A crash leaves the old file or the new
 * one, never half of one; the temporaries of a killed run are swept by the next write into the
 * same folder, and this process's own are removed when it exits or is interrupted
 * ({@link Temporaries}).
 */
public final class AtomicFiles {

    private static final System.Logger LOG = System.getLogger(AtomicFiles.class.getName());
    /** Folders whose file system was found unable to exchange: the fallback is announced once per folder. */
    private static final Set<Path> WARNED_TWO_RENAMES = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
                Temporaries.sweepOnce(dir);
                this.tmp = Temporaries.freshName(dir, target, Temporaries.TMP);
                Temporaries.own(tmp);
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
                Temporaries.release(tmp);
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
            Temporaries.deleteTree(tmp);
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

    /** Writes {@code file} (which must not exist yet) and flushes it to disk; for use inside {@link #replaceDirectory}. */
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
     * named in {@code replaceable} (so a mistyped path can never delete someone's folder). The
     * replacement is one atomic exchange ({@link FolderExchange}); where the file system cannot
     * exchange, the old folder is renamed aside and the new one renamed in, and a run killed
     * between the two finds the old one put back by the next write into the same folder
     * ({@link Temporaries#sweep}).
     */
    public static void replaceDirectory(Path target, Set<String> replaceable, DirectoryContent content) {
        replaceDirectory(target, ours(replaceable), content);
    }

    /**
     * {@link #replaceDirectory(Path, Set, DirectoryContent)} where {@code replaceable} decides, entry
     * by entry, what an existing target may hold (report folders nest other report folders).
     */
    public static void replaceDirectory(Path target, Predicate<Path> replaceable, DirectoryContent content) {
        replaceDirectory(target, replaceable, content, FolderExchange::exchange);
    }

    /** Regular files named in {@code names}. */
    public static Predicate<Path> ours(Set<String> names) {
        return p -> names.contains(p.getFileName().toString()) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** Swaps two folders, or says why it cannot (see {@link FolderExchange#exchange}). */
    @FunctionalInterface
    interface Exchange {
        FolderExchange.Unsupported swap(Path a, Path b) throws IOException;
    }

    /** {@link #replaceDirectory(Path, Set, DirectoryContent)} with the exchange given: tests pass one that refuses, to reach the fallback. */
    static void replaceDirectory(Path target, Predicate<Path> replaceable, DirectoryContent content, Exchange exchange) {
        Path parent = parentOf(target);
        Temporaries.sweepOnce(parent);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) requireReplaceable(target, replaceable);
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Temporaries.freshName(parent, target, Temporaries.TMP);
            Temporaries.own(tmp);
            Files.createDirectory(tmp);
            content.writeInto(tmp);
            syncDirectory(tmp);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) swapIn(tmp, target, parent, exchange);
            else {
                atomicMove(tmp, target);
                Temporaries.release(tmp);
                tmp = null;
            }
            syncDirectory(parent);
        } catch (IOException e) {
            throw new SaeFileException(target, "cannot write: " + e, e);
        } finally {
            Temporaries.deleteTree(tmp);  // after a swap: the old folder, now under the temporary name
        }
    }

    /** Puts the finished {@code tmp} at the existing {@code target}; after an exchange {@code tmp} holds the old folder, for the caller to delete. */
    private static void swapIn(Path tmp, Path target, Path parent, Exchange exchange) throws IOException {
        FolderExchange.Unsupported unsupported = exchange.swap(tmp, target);
        if (unsupported == null) return;
        if (WARNED_TWO_RENAMES.add(parent))
            LOG.log(System.Logger.Level.WARNING, "the file system of " + parent + " cannot exchange folders atomically (" + unsupported.reason()
                    + "); replacing with two renames, and a run killed between them is recovered by the next one");
        Path old = Temporaries.freshName(parent, target, Temporaries.OLD);   // not owned: if we die now, the sweep puts it back
        atomicMove(target, old);
        try {
            atomicMove(tmp, target);
        } catch (IOException e) {
            try {
                atomicMove(old, target);
            } catch (IOException restore) {
                e.addSuppressed(restore); // the old directory stays, intact, under its hidden .old name, for the sweep to put back
            }
            throw e;
        }
        Temporaries.deleteTree(old);  // killed while deleting: the sweep finishes it (the target exists, so nothing is put back)
    }

    /**
     * Puts back {@code target} if a killed run left it moved aside, and removes the temporaries of
     * gone processes beside it: for readers of outputs that are replaced in place (checkpoints),
     * before they look for them.
     */
    public static void recoverLeftovers(Path target) { Temporaries.sweep(parentOf(target)); }

    private static void requireReplaceable(Path target, Predicate<Path> replaceable) {
        if (!Files.isDirectory(target))
            throw new SaeFileException(target, "exists and is not a directory; refusing to replace it");
        List<String> foreign = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            for (Path p : entries) {
                if (!replaceable.test(p)) foreign.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new SaeFileException(target, "cannot list: " + e, e);
        }
        if (!foreign.isEmpty())
            throw new SaeFileException(target, "exists and holds " + SaeFileException.quote(foreign.stream().sorted().toList())
                    + ", which saestitch did not write; refusing to replace it");
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
}
