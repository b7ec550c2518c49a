package dev.saestitch.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** demo --l1 reaches the ReLU ladder's training: a larger coefficient gives sparser codes. */
class DemoL1CliTest {

    @TempDir Path dir;

    private double l0(double l1) {
        Cli demo = Cli.run("demo", "--arch", "relu", "--l1", Double.toString(l1), "--dim", "16", "--widths", "32", "--tokens", "20000",
                "--batch", "256", "--lr", "1e-3", "--eval-rows", "2048", "--out", dir.resolve("l1-" + l1).toString(), "--json");
        assertEquals(0, demo.exitCode(), demo.err());
        return demo.json().get("ladder").get(0).get("l0").asDouble();
    }

    @Test
    void theCoefficientSetsTheSparsity() {
        double loose = l0(0.01), tight = l0(20);
        assertTrue(tight < loose / 2, "l0 with --l1 20: " + tight + ", with --l1 0.01: " + loose);
    }
}
