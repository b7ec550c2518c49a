package dev.saestitch.tests;

import dev.saestitch.input.MachineMemory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What cannot fit is refused in one line with the figures before anything is allocated or written
 * (a width too large for memory was an OutOfMemoryError or the kernel's OOM killer; synth filled the disk).
 */
class MemoryCliTest {

    @TempDir static Path dir;
    private static Path data;

    @BeforeAll static void files() {
        data = dir.resolve("rows.npy");
        PlantedSaes.writeRows(data, 512);
    }

    private static Cli refused(String expected, String... args) {
        Cli r = Cli.run(args);
        assertEquals(1, r.exitCode(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.lastErrorLine().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        return r;
    }

    @Test void aWidthWhoseTrainingStateExceedsMemoryIsRefusedWithTheFigures() {
        Path out = dir.resolve("huge");
        Cli r = refused("more than this machine's " + MachineMemory.gib(MachineMemory.physical()),
                "train", "--arch", "topk", "--width", "2000000000", "--k", "4", "--data", data.toString(), "--tokens", "512", "--batch", "256",
                "--out", out.toString());
        assertTrue(r.lastErrorLine().contains("training topk with 2000000000 latents on " + PlantedSaes.D + " dimensions, batch 256 needs at least "), r.err());
        assertFalse(Files.exists(out));
    }

    /** A weights file (sparse: no disk used) one GiB larger than the machine's memory. */
    @Test void anSaeLargerThanMemoryIsRefusedBeforeItIsRead() throws IOException {
        Path sae = Files.createDirectories(dir.resolve("too-large"));
        Files.writeString(sae.resolve("cfg.json"), "{\"architecture\": \"standard\", \"d_in\": 64, \"d_sae\": 128}");
        Path weights = sae.resolve("sae_weights.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            f.setLength(MachineMemory.physical() + (1L << 30));
        }
        refused(weights + ": is " + MachineMemory.gib(Files.size(weights)) + ", more than this machine's", "eval", sae.toString(), "--data", data.toString());
    }

    @Test void synthChecksTheFreeSpaceBeforeTheFirstByte() {
        Path out = dir.resolve("world.npy");
        refused(out + ": 1000000000000000 rows of 128 float32 values need ", "synth", "--rows", "1000000000000000", "--out", out.toString());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("world.truth.npy")));
    }
}
