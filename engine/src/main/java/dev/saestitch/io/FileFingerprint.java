package dev.saestitch.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file's size and a cheap fingerprint of its content: SHA-256 over the size and
 * {@value #BLOCKS} blocks of {@value #BLOCK_BYTES} bytes spread evenly from the first byte to the
 * last (the whole file when it is smaller). About 1 MiB read whatever the size, so that a
 * multi-GB activations file can be checked on every open; a file rewritten with other content
 * of the same size differs in the sampled blocks unless the two agree on all of them.
 *
 * @param bytes       the size
 * @param fingerprint 32 hex digits
 */
public record FileFingerprint(long bytes, String fingerprint) {

    static final int BLOCKS = 16, BLOCK_BYTES = 64 * 1024;

    public static FileFingerprint of(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(Long.BYTES).putLong(size).array());
            ByteBuffer block = ByteBuffer.allocate(BLOCK_BYTES);
            long span = Math.max(0, size - BLOCK_BYTES);
            for (int b = 0; b < BLOCKS; b++) {
                long at = span * b / (BLOCKS - 1);
                block.clear();
                while (block.hasRemaining() && ch.read(block, at + block.position()) > 0) { /* fill the block */ }
                sha.update(block.array(), 0, block.position());
                if (span == 0) break;   // one block holds the whole file
            }
            return new FileFingerprint(size, HexFormat.of().formatHex(sha.digest(), 0, 16));
        } catch (IOException e) {
            throw new SaeFileException(file, "cannot read: " + e, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
