package dev.saestitch.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --resume} continues a checkpoint left mid-run to the end, with and without
 * {@code --checkpoint-every} (without it, the run once never ended: issue 14), and ends with the
 * same SAE as the uninterrupted run.
 */
class TrainResumeCliTest {

    @TempDir Path dir;

    private static Cli train(Path out, String... extra) {
        return Cli.run(args(out, extra));
    }

    /** The base command with {@code extra} appended; an {@code --option=value} in it replaces the base's value of that option. */
    private static String[] args(Path out, String... extra) {
        String[] base = {"train", "--arch", "topk", "--width", "32", "--k", "4", "--synth-dim", "16", "--tokens", "5120",
                "--batch", "256", "--lr", "5e-3", "--seed", "3", "--eval-rows", "1024", "--out", out.toString(), "--json"};
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(base));
        for (String e : extra) {
            int eq = e.indexOf('=');
            int at = eq < 0 ? -1 : args.indexOf(e.substring(0, eq));
            if (at >= 0) args.set(at + 1, e.substring(eq + 1));
            else args.add(e);
        }
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "3"})
    void resumeRunsToTheEndAndMatchesTheStraightRun(String checkpointEvery) {
        // 20 steps, a checkpoint every 6: the last one, at step 18, is left behind as a killed run would leave it.
        Path out = dir.resolve("sae");
        Cli first = train(out, "--checkpoint-every", "6");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(Files.isDirectory(dir.resolve("sae.checkpoint")), "the run left a checkpoint");
        JsonNode straight = first.json();

        String[] resume = checkpointEvery.isEmpty() ? new String[] {"--resume"} : new String[] {"--resume", "--checkpoint-every", checkpointEvery};
        Cli resumed = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> train(out, resume));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resumed at step 18"), resumed.err());
        JsonNode j = resumed.json();
        assertEquals(straight.get("steps").asLong(), j.get("steps").asLong());
        assertEquals(straight.get("mse").asDouble(), j.get("mse").asDouble(), 0.0, "bit-identical continuation");
        assertEquals(straight.get("l0").asDouble(), j.get("l0").asDouble(), 0.0);
    }

    /**
     * A checkpoint left by a finished run is not "resumed" by a later, different command: each
     * differing setting is named, and other data or another order is refused (issue 14).
     */
    @ParameterizedTest
    @ValueSource(strings = {"--width=64|width 32 (now 64)", "--k=8|k 4 (now 8)", "--tokens=10240|total tokens 5120 (now 10240)",
            "--lr=1e-3|lr 0.005 (now 0.001)", "--arch=relu|architecture TOPK (now RELU)",
            "--data-seed=9|the data order differs (seed 3, now 9)", "--synth-seed=2|the data differs"})
    void resumeOfAnotherCommandIsRefused(String caseText) throws java.io.IOException {
        String[] c = caseText.split("\\|");
        Path out = dir.resolve("sae");
        assertEquals(0, train(out, "--checkpoint-every", "6").exitCode());
        byte[] state = Files.readAllBytes(dir.resolve("sae.checkpoint/state.json"));
        Cli other = train(out, "--resume", c[0]);
        assertEquals(1, other.exitCode(), other.err());
        String line = other.lastErrorLine();
        assertTrue(line.startsWith("saestitch train: " + dir.resolve("sae.checkpoint/state.json") + ": "), line);
        assertTrue(line.contains(c[1]), line);
        assertTrue(java.util.Arrays.equals(state, Files.readAllBytes(dir.resolve("sae.checkpoint/state.json"))), "the checkpoint is untouched");
    }

    /**
     * A run killed between the two renames of a checkpoint replacement (where the file system
     * cannot exchange folders) leaves no checkpoint at its path, the last one hidden as .old and
     * the new one as .tmp; {@code --resume} puts the last one back and continues from it.
     */
    @org.junit.jupiter.api.Test
    void resumeRecoversACheckpointThatAKillLeftMovedAside() throws Exception {
        Path out = dir.resolve("sae");
        Cli first = train(out, "--checkpoint-every", "6");
        assertEquals(0, first.exitCode(), first.err());
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long pid = gone.pid();
        Files.move(dir.resolve("sae.checkpoint"), dir.resolve(".sae.checkpoint." + pid + ".0000000000000abc.old"));
        Files.createDirectory(dir.resolve(".sae.checkpoint." + pid + ".0000000000000def.tmp"));

        Cli resumed = train(out, "--resume");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resumed at step 18"), resumed.err());
        assertEquals(first.json().get("mse").asDouble(), resumed.json().get("mse").asDouble(), 0.0);
        try (var left = Files.list(dir)) {
            assertEquals(java.util.List.of("sae", "sae.checkpoint"), left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
