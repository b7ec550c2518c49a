package dev.saestitch.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train --lr 1e6} once saved NaN weights with exit 0 (issue 14). Now it stops with one line
 * (exit 1), and the SAE and checkpoint of an earlier good run at the same place stay as they were.
 */
class TrainDivergenceCliTest {

    @TempDir Path dir;

    private static Cli train(Path out, String arch, String lr) {
        return Cli.run("train", "--arch", arch, "--width", "32", "--k", "4", "--synth-dim", "16", "--tokens", "5120",
                "--batch", "256", "--lr", lr, "--seed", "3", "--eval-rows", "1024", "--checkpoint-every", "6", "--out", out.toString());
    }

    /** BatchTopK's diverged run once ended in an internal error instead ("threshold not estimated yet"). */
    @ParameterizedTest
    @ValueSource(strings = {"topk", "batchtopk"})
    void divergedRunIsRefusedAndKeepsEarlierOutputs(String arch) throws IOException {
        Path out = dir.resolve("sae");
        Cli good = train(out, arch, "5e-3");
        assertEquals(0, good.exitCode(), good.err());
        Map<String, byte[]> before = snapshot(dir);
        assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("sae.checkpoint/")), before.keySet().toString());

        Cli bad = train(out, arch, "1e6");
        assertEquals(1, bad.exitCode(), bad.err());
        String line = bad.lastErrorLine();
        assertTrue(line.startsWith("saestitch train: training diverged "), bad.err());
        assertTrue(line.contains("the last good checkpoint") || line.endsWith("nothing was saved"), line);
        Map<String, byte[]> after = snapshot(dir);
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) assertTrue(java.util.Arrays.equals(before.get(k), after.get(k)), k + " changed");
    }

    /** Every file under {@code root} (relative name → bytes), hidden temporaries included. */
    private static Map<String, byte[]> snapshot(Path root) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) m.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
        return m;
    }
}
