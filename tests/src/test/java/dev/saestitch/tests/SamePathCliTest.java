package dev.saestitch.tests;

import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An output at the path of an input (or a folder holding it, or a symlink to it), or two outputs
 * at one path, is refused in one line before anything is written; the input stays as it was
 * (synth --out X --truth X and activations --text T --out T destroyed their input).
 */
class SamePathCliTest {

    @TempDir static Path dir;
    private static Path data, small, large;

    @BeforeAll static void files() {
        data = dir.resolve("rows.npy");
        PlantedSaes.writeRows(data, 512);
        small = dir.resolve("saes").resolve("small");
        large = dir.resolve("saes").resolve("large");
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(large, Architecture.TOPK);
    }

    /** Exit 1, one line containing {@code expected}, nothing on stdout, and {@code kept} byte for byte as before. */
    private static void assertRefused(String expected, Path kept, String... args) throws IOException {
        byte[] before = Files.isRegularFile(kept) ? Files.readAllBytes(kept) : Files.readAllBytes(kept.resolve("cfg.json"));
        Cli r = Cli.run(args);
        assertEquals(1, r.exitCode(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.lastErrorLine().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        assertArrayEquals(before, Files.isRegularFile(kept) ? Files.readAllBytes(kept) : Files.readAllBytes(kept.resolve("cfg.json")), kept + " changed");
    }

    @Test void synthRefusesOneFileForBothOutputs() throws IOException {
        Path x = dir.resolve("x.npy");
        Cli r = Cli.run("synth", "--rows", "16", "--dim", "8", "--out", x.toString(), "--truth", x.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.lastErrorLine().contains(x + ": given as both --out and --truth"), r.err());
        assertFalse(Files.exists(x), "nothing written");
    }

    @Test void anEmptyPathIsRefusedByName() throws IOException {
        assertRefused("--out is an empty path: give a file or folder", data,
                "train", "--arch", "topk", "--width", "32", "--k", "4", "--data", data.toString(), "--tokens", "512", "--batch", "256", "--out", "");
    }

    @Test void activationsRefusesToWriteOverItsText() throws IOException {
        Path text = dir.resolve("text.npy");
        Files.writeString(text, "The cat sat on the mat.\nA second document.\n");
        assertRefused("--out is the input itself (--text)", text, "activations", "--text", text.toString(), "--out", text.toString());
    }

    @Test void outputsOverTheirInputsAreRefusedThroughSymlinksAndFolders() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link-to-rows.npy"), data);
        assertRefused("--out is the input itself (--data)", data,
                "train", "--arch", "topk", "--width", "32", "--k", "4", "--data", data.toString(), "--tokens", "512", "--batch", "256", "--out", link.toString());
        assertRefused("--report is the input itself (SMALL)", small,
                "compare", small.toString(), large.toString(), "--data", data.toString(), "--report", small.toString());
        assertRefused("--out holds the input SMALL", small,
                "stitch", small.toString(), large.toString(), "--data", data.toString(), "--at-step", "1", "--out", small.getParent().toString());
        assertRefused("OUT holds the input IN", small, "convert", small.toString(), small.getParent().toString(), "--format", "saelens");
        assertRefused("--out is the input itself (SAE)", large, "meta", large.toString(), "--out", large.toString());
    }
}
