package dev.saestitch.tests;

import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numbers out of range are refused in one line naming the flag, before any work or output (they
 * were accepted: --eval-rows 0 gave "samples 1" and fvu NaN, --max-tokens 0 meant "every token").
 */
class FlagRangesCliTest {

    private static final int ROWS = 512;

    @TempDir static Path dir;
    private static Path data, small, large;

    @BeforeAll static void files() {
        data = dir.resolve("rows.npy");
        PlantedSaes.writeRows(data, ROWS);
        small = dir.resolve("small");
        large = dir.resolve("large");
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(large, Architecture.TOPK);
    }

    /** Exit 1, the last line of stderr names the problem, no stack trace, no result, and {@code out} was not written. */
    private static void assertRefused(String expected, Path out, String... args) {
        Cli r = Cli.run(args);
        assertEquals(1, r.exitCode(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.lastErrorLine().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.out().isEmpty(), "no results: " + r.out());
        assertFalse(Files.exists(out), out + " was written");
    }

    private static String[] train(Path out, String... more) {
        String[] base = {"train", "--arch", "topk", "--width", "32", "--k", "4", "--data", data.toString(), "--tokens", "512", "--batch", "256",
                "--out", out.toString(), "--json"};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test void evalRowsBelowOneAreRefusedByEveryCommandThatHasThem() {
        Path out = dir.resolve("evalrows");
        assertRefused("--eval-rows must be at least 1, got 0", out, train(out, "--eval-rows", "0"));
        assertRefused("--eval-rows must be at least 1, got -3", out, train(out, "--eval-rows", "-3"));
        assertRefused("--eval-rows must be at least 1, got 0", out,
                "frankenstein", small.toString(), large.toString(), "--data", data.toString(), "--eval-rows", "0", "--out", out.toString());
        assertRefused("--eval-rows must be at least 1, got -3", out, "demo", "--eval-rows", "-3", "--out", out.toString());
    }

    @Test void otherCountsBelowTheirMinimumAreRefused() {
        Path out = dir.resolve("counts");
        assertRefused("--batch must be at least 1, got 0", out, "eval", small.toString(), "--data", data.toString(), "--batch", "0");
        assertRefused("--checkpoint-every must be at least 1, got -1", out, train(out, "--checkpoint-every", "-1"));
        assertRefused("--max-tokens must be at least 1, got 0", out, "activations", "--out", out.toString(), "--max-tokens", "0");
    }

    @Test void trainingOnFewerRowsThanABatchIsRefused() {
        Path out = dir.resolve("bigbatch");
        assertRefused(data + ": " + ROWS + " rows, fewer than one batch of 1024 (--batch)", out,
                "train", "--arch", "topk", "--width", "32", "--k", "4", "--data", data.toString(), "--tokens", "2048", "--batch", "1024",
                "--out", out.toString());
    }

    @Test void filesWithoutRowsAreInputProblems() {
        Path empty = dir.resolve("empty.npy");
        Npy.write(empty, 0, PlantedSaes.D, DType.F32, (first, block) -> {});
        assertRefused("empty.npy F32 [0, " + PlantedSaes.D + "]: it has no rows", dir.resolve("none"), "eval", small.toString(), "--data", empty.toString());
        assertRefused(empty + ": holds no true features (0 rows)", dir.resolve("none"),
                "eval", small.toString(), "--data", data.toString(), "--truth", empty.toString());
    }

    @Test void theDemoChecksItsLadderBeforeWritingAnything() {
        Path out = dir.resolve("demo");
        assertRefused("width must be at least 1, got 0", out, "demo", "--widths", "0,-4", "--out", out.toString());
        assertRefused("synthetic config: dim", out, "demo", "--dim", "0", "--out", out.toString());
    }
}
