package dev.saestitch.tests;

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

/** train's --seed (initial weights) and --data-seed (data order) are separate; --data-seed defaults to --seed. */
class TrainSeedsCliTest {

    @TempDir static Path dir;
    static Path data;

    @BeforeAll
    static void synthesise() {
        data = dir.resolve("acts.npy");
        assertEquals(0, Cli.run("synth", "--dim", "16", "--rows", "5000", "--seed", "4", "--out", data.toString()).exitCode());
    }

    /** The saved weights of a short TopK run with these extra arguments. */
    private static byte[] train(String name, String... seeds) throws IOException {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("train", "--arch", "topk", "--width", "32", "--k", "4", "--data", data.toString(),
                "--tokens", "8192", "--batch", "256", "--eval-rows", "512", "--out", out.toString()));
        args.addAll(Arrays.asList(seeds));
        Cli run = Cli.run(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.err());
        return Files.readAllBytes(out.resolve("sae_weights.safetensors"));
    }

    @Test
    void dataSeedDefaultsToSeed() throws IOException {
        assertArrayEquals(train("plain", "--seed", "5"), train("explicit", "--seed", "5", "--data-seed", "5"));
    }

    @Test
    void eachSeedChangesTheRunAlone() throws IOException {
        byte[] base = train("base", "--seed", "5", "--data-seed", "7");
        assertFalse(Arrays.equals(base, train("other-order", "--seed", "5", "--data-seed", "8")), "the data order alone changes the weights");
        assertFalse(Arrays.equals(base, train("other-init", "--seed", "6", "--data-seed", "7")), "the initial weights alone change the weights");
    }
}
