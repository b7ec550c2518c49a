package dev.saestitch.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bench/gpu/driver-check.sh, which bench/gpu/run.sh runs before spending device minutes, against a
 * stand-in nvidia-smi that prints the header of a given driver.
 */
class GpuDriverCheckTest {

    private static final Path SCRIPT = Path.of(System.getProperty("user.dir")).getParent().resolve("bench/gpu/driver-check.sh");

    private record Result(int status, String output) {}

    private static Result check(Path dir, String smiHeader, int smiStatus) throws IOException, InterruptedException {
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\ncat <<'HEADER'\n" + smiHeader + "\nHEADER\nexit " + smiStatus + "\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", dir + ":" + System.getenv("PATH"));
        pb.environment().remove("NEEDED_CUDA");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "driver-check.sh finished");
        return new Result(p.exitValue(), out);
    }

    private static String header(String driver, String cuda) {
        return "| NVIDIA-SMI " + driver + "    Driver Version: " + driver + "    CUDA Version: " + cuda + "     |";
    }

    @Test
    void aDriverThatRunsCuda13Passes(@TempDir Path dir) throws Exception {
        Result r = check(dir, header("580.65.06", "13.0"), 0);
        assertEquals(0, r.status(), r.output());
        assertEquals("driver check: driver 580.65.06 runs CUDA up to 13.0 (CUDA 13 needed)", r.output());
    }

    @Test
    void anOlderDriverFailsInOneLineNamingIt(@TempDir Path dir) throws Exception {
        Result r = check(dir, header("550.54.15", "12.4"), 0);
        assertEquals(1, r.status(), r.output());
        assertEquals("driver check: driver 550.54.15 runs CUDA up to 12.4; the kernels and runtime need CUDA 13 (a 580-series driver or newer)", r.output());
    }

    @Test
    void aFailingNvidiaSmiFails(@TempDir Path dir) throws Exception {
        Result r = check(dir, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", 9);
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().startsWith("driver check: nvidia-smi fails: NVIDIA-SMI has failed"), r.output());
    }
}
