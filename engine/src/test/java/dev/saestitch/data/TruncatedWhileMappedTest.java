package dev.saestitch.data;

import dev.saestitch.io.RawFiles;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A data file cut short while a command has it mapped (issue 14: {@code train} died with an
 * InternalError from an unsafe access): the next read of a vanished page is one line naming the
 * file, as every other file problem.
 */
class TruncatedWhileMappedTest {

    @TempDir Path tmp;

    @Test
    void readPastTheNewEndNamesTheFile() throws IOException {
        int n = 4096, d = 64;       // 1 MiB of rows: the last ones lie many pages past the cut
        float[] values = RawFiles.gaussians(new SplittableRandom(3), n * d);
        Path file = Files.write(tmp.resolve("acts.npy"),
                RawFiles.npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + d + "), }", RawFiles.f32le(values)));
        try (ActivationSource src = ActivationFiles.open(file, null); Arena arena = Arena.ofShared()) {
            Matrix rows = Matrix.allocate(arena, 2, d);
            src.read(new long[] {0, n - 1}, 0, rows);
            assertEquals(values[(n - 1) * d], rows.get(1, 0));
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(8192);
            }
            SaeFileException e = assertThrows(SaeFileException.class, () -> src.read(new long[] {1, n - 2}, 0, rows));
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("changed or was cut short while being read"), e.getMessage());
            assertTrue(e.getMessage().contains("8192 bytes"), e.getMessage());
        }
    }
}
