package dev.saestitch.tests;

import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.sae.Architecture;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One NaN in the activations, or an Inf in the true features, is refused by every command that
 * reads them (it once gave "mse NaN" and exit 0): exit 1, one line naming the file, row and column.
 */
class NonFiniteInputCliTest {

    private static final int ROWS = 2048, BAD_ROW = 1500, BAD_COL = 5;

    @TempDir static Path dir;
    private static Path small, large, nanData, goodData, infTruth;

    @BeforeAll static void files() {
        small = dir.resolve("small");
        large = dir.resolve("large");
        PlantedSaes.writeSmall(small);
        PlantedSaes.writeLarge(large, Architecture.TOPK);
        goodData = dir.resolve("good.npy");
        PlantedSaes.writeRows(goodData, ROWS);
        nanData = dir.resolve("nan.npy");
        infTruth = dir.resolve("truth.npy");
        try (Arena arena = Arena.ofConfined()) {
            Matrix x = Npy.open(goodData, arena).readFloat32(arena);
            x.set(BAD_ROW, BAD_COL, Float.NaN);
            Npy.write(nanData, x, DType.F32);
            Matrix t = Matrix.allocate(arena, 3, x.cols());
            for (int j = 0; j < t.cols(); j++) t.set(j % 3, j, 1f);
            t.set(2, 1, Float.POSITIVE_INFINITY);
            Npy.write(infTruth, t, DType.F32);
        }
    }

    private static void assertRefused(String expected, String... args) {
        Cli r = Cli.run(args);
        assertEquals(1, r.exitCode(), args[0] + ": " + r.err());
        assertTrue(r.lastErrorLine().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(r.out().isEmpty(), "no results: " + r.out());
    }

    @Test void everyCommandRefusesANaNActivation() {
        String where = nanData + ": row " + BAD_ROW + ", column " + BAD_COL + " is NaN";
        assertRefused(where, "eval", small.toString(), "--data", nanData.toString(), "--rows", String.valueOf(ROWS), "--json");
        assertRefused(where, "compare", small.toString(), large.toString(), "--data", nanData.toString(), "--rows", String.valueOf(ROWS), "--json");
        assertRefused(where, "stitch", small.toString(), large.toString(), "--data", nanData.toString(), "--rows", String.valueOf(ROWS),
                "--json");
    }

    @Test void aNonFiniteTrueFeatureIsRefused() {
        assertRefused(infTruth + ": the array holds Infinity (as float32) at row 2, column 1",
                "eval", small.toString(), "--data", goodData.toString(), "--truth", infTruth.toString(), "--rows", "512", "--json");
    }
}
