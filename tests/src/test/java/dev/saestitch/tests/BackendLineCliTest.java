package dev.saestitch.tests;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands name their backend in one short line (backend, BLAS, threads) instead of a paragraph on
 * why CUDA is not available, which `info` keeps; `--backend cuda` where CUDA cannot run is a
 * one-line refusal, exit 1 (it was "internal error", exit 70).
 */
class BackendLineCliTest {

    @TempDir static Path dir;
    private static Path data, sae;

    @BeforeAll static void files() {
        data = dir.resolve("rows.npy");
        PlantedSaes.writeRows(data, 256);
        sae = dir.resolve("sae");
        PlantedSaes.writeSmall(sae);
    }

    @Test void aCommandNamesItsBackendInOneShortLine() {
        Cli r = Cli.run("eval", sae.toString(), "--data", data.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        String line = Arrays.stream(r.err().split("\n")).filter(l -> l.startsWith("eval: ")).findFirst().orElseThrow(() -> new AssertionError(r.err()));
        assertTrue(line.contains("; cpu, ") || line.contains("; cuda, "), line);
        assertFalse(r.err().contains("CUDA not available") || r.err().contains("chosen automatically") || r.err().contains("cannot open"),
                "no reasons on stderr: " + r.err());
        assertTrue(line.length() < 300, "short: " + line);
        r.json();  // stdout stays one JSON object
    }

    /**
     * In a JVM of its own whose CUDA libraries folder is empty (the tests' own JVM may run CUDA on
     * the emulated device), so that CUDA cannot run on any machine; the exit code is the process's.
     */
    @Test void cudaWhereItCannotRunIsAOneLineRefusal() throws Exception {
        Path noCuda = Files.createDirectories(dir.resolve("no-cuda"));
        Path err = dir.resolve("cuda.err"), out = dir.resolve("cuda.out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "-Dsae.cuda.libs=" + noCuda, "dev.saestitch.cli.Main",
                "eval", sae.toString(), "--data", data.toString(), "--backend", "cuda", "--json")
                .redirectError(err.toFile()).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "eval --backend cuda did not end");
        String stderr = Files.readString(err);
        assertEquals(1, p.exitValue(), stderr);
        String[] lines = stderr.strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("saestitch eval: backend 'cuda' cannot run here: CUDA libraries: "), stderr);
        assertFalse(stderr.contains("\tat ") || stderr.contains("internal error"), stderr);
        assertEquals("", Files.readString(out));
    }
}
