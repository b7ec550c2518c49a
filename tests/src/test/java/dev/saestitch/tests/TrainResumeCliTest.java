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
        String[] base = {"train", "--arch", "topk", "--width", "32", "--k", "4", "--synth-dim", "16", "--tokens", "5120",
                "--batch", "256", "--lr", "5e-3", "--seed", "3", "--eval-rows", "1024", "--out", out.toString(), "--json"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(args);
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
}
