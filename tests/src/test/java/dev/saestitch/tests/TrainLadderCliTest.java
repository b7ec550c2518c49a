package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --widths ... --seeds ...} trains every (width, seed) in one pass, one SAE per folder,
 * each with the very weights (the same file bytes) of {@code train --width W --seed S --data-seed D} alone;
 * checkpoints and resume work for the group.
 */
class TrainLadderCliTest {

    @TempDir static Path dir;
    static Path data;

    @BeforeAll
    static void synthesise() {
        data = dir.resolve("acts.npy");
        assertEquals(0, Cli.run("synth", "--dim", "16", "--rows", "5000", "--seed", "4", "--out", data.toString()).exitCode());
    }

    private static Cli train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--arch", "topk", "--k", "4", "--data", data.toString(),
                "--tokens", "5120", "--batch", "256", "--eval-rows", "512", "--out", out.toString()));
        args.addAll(Arrays.asList(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static byte[] weights(Path sae) throws IOException { return Files.readAllBytes(sae.resolve("sae_weights.safetensors")); }

    @Test
    void everySaeOfThePassEqualsItsRunAlone() throws IOException {
        Path ladder = dir.resolve("ladder");
        Cli run = train(ladder, "--widths", "32,64", "--seeds", "5,6", "--data-seed", "7", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode saes = run.json().get("saes");
        assertEquals(4, saes.size());
        byte[] first = null;
        for (String name : List.of("topk-32-s5", "topk-64-s5", "topk-32-s6", "topk-64-s6")) {
            Path member = ladder.resolve(name);
            assertTrue(Files.isRegularFile(member.resolve("cfg.json")), name + " saved");
            String[] parts = name.split("-");
            Cli alone = train(dir.resolve("alone-" + name), "--width", parts[1], "--seed", parts[2].substring(1), "--data-seed", "7");
            assertEquals(0, alone.exitCode(), alone.err());
            assertArrayEquals(weights(dir.resolve("alone-" + name)), weights(member), name);
            if (first == null) first = weights(member);
            else assertFalse(Arrays.equals(first, weights(member)), name + " differs from the first SAE");
        }
    }

    @Test
    void theGroupResumesFromItsCheckpoint() throws IOException {
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        assertEquals(0, train(straight, "--widths", "32,48", "--seed", "3").exitCode());
        // 20 steps, a checkpoint every 6: the one at step 18 is left as a killed run would leave it.
        Cli first = train(resumed, "--widths", "32,48", "--seed", "3", "--checkpoint-every", "6");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(Files.isDirectory(dir.resolve("resumed.checkpoint").resolve("topk-48-s3")), "a checkpoint per member");
        Cli again = train(resumed, "--widths", "32,48", "--seed", "3", "--resume");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("train topk-48-s3: resumed at step 18"), again.err());
        for (String name : List.of("topk-32-s3", "topk-48-s3"))
            assertArrayEquals(weights(straight.resolve(name)), weights(resumed.resolve(name)), name);
    }

    @Test
    void widthAndWidthsTogetherAreRefused() {
        Cli run = train(dir.resolve("both"), "--width", "32", "--widths", "32,64");
        assertEquals(1, run.exitCode(), run.err());
        assertTrue(run.err().contains("--width and --widths"), run.err());
    }
}
