package dev.saestitch.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A run interrupted while writing, for {@link TemporariesTest}: starts a file and a folder in the
 * folder given, prints "ready" once both exist, and waits to be killed.
 */
final class HoldTemporary {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        AtomicFiles.Pending file = AtomicFiles.create(dir.resolve("acts.npy"));
        file.channel().write(ByteBuffer.allocate(1 << 20));
        AtomicFiles.replaceDirectory(dir.resolve("sae"), Set.of(), d -> {
            Files.writeString(d.resolve("cfg.json"), "{}");
            System.out.println("ready");
            System.out.flush();
            try {
                Thread.sleep(120_000);
            } catch (InterruptedException e) {
                throw new InterruptedIOException("interrupted");
            }
        });
    }
}
