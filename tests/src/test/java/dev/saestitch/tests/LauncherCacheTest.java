package dev.saestitch.tests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher's start-up cache (JDK 25's AOT cache) beside the jar: made once per build and JVM
 * option set (the long commands run with the Vector API module, the short ones without: two caches
 * side by side), used afterwards, both replaced when the jar changes; stdout holds the command's one JSON object and
 * nothing else whether the cache is being made, used or absent (the JVM's log goes to stderr).
 * (A read-only folder, where the launcher runs without a cache, is not tested: CI runs as root,
 * for whom no folder is read-only.) The launcher runs from a copy of the repository's layout
 * (script, built jar, its lib/, the fixtures its training run matches) in a temporary folder, where
 * it finds no sources to rebuild from.
 */
class LauncherCacheTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @TempDir Path top;

    private record Run(int exitCode, String out, String err) {}

    @Test
    void stdoutIsOneJsonObjectWhileTheCacheIsMadeUsedAndReplaced() throws Exception {
        Path target = layout();
        Run made = info();
        assertTrue(made.err().contains("making the start-up cache"), made.err());
        List<Path> first = caches(target);
        assertEquals(1, first.size(), "one cache beside the jar: " + first);

        Run used = info();
        assertFalse(used.err().contains("making the start-up cache"), used.err());
        assertEquals(first, caches(target));

        Run vector = launch("train", "--help");   // a long command: the module's option set has its own cache
        assertEquals(0, vector.exitCode(), vector.err());
        assertTrue(vector.err().contains("making the start-up cache"), vector.err());
        List<Path> both = caches(target);
        assertEquals(2, both.size(), "a cache per option set: " + both);
        assertTrue(both.containsAll(first), "the other option set's cache kept: " + both);
        assertFalse(launch("train", "--help").err().contains("making the start-up cache"), "the module's cache used");

        Path jar = target.resolve("saestitch.jar");   // a rebuild: a new time on the jar
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
        Run rebuilt = info();
        assertTrue(rebuilt.err().contains("making the start-up cache"), rebuilt.err());
        List<Path> second = caches(target);
        assertEquals(1, second.size(), "both old caches removed: " + second);
        assertNotEquals(first, second);
    }

    /** The script, the built jar and (linked) its lib/ under {@code top}; the cli/target folder. */
    private Path layout() throws IOException {
        Path jar = ROOT.resolve("cli/target/saestitch.jar");
        assumeTrue(Files.isRegularFile(jar), "the CLI jar is built by the cli module before these tests: " + jar);
        Path target = Files.createDirectories(top.resolve("cli/target"));
        Files.copy(ROOT.resolve("saestitch"), top.resolve("saestitch"));
        Files.copy(jar, target.resolve("saestitch.jar"));
        Files.createSymbolicLink(target.resolve("lib"), ROOT.resolve("cli/target/lib"));
        Files.createSymbolicLink(top.resolve("fixtures"), Path.of(System.getProperty("saestitch.data", ROOT.resolve("fixtures").toString())));  // the training match's SAEs
        return target;
    }

    /** {@code saestitch info --json}: exit 0 and stdout exactly one JSON object. */
    private Run info() throws Exception {
        Run run = launch("info", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("{"), "stdout starts with the JSON object: " + run.out());
        assertDoesNotThrow(() -> STRICT.readTree(run.out()), () -> "stdout is one JSON object and nothing else: " + run.out());
        return run;
    }

    private Run launch(String... args) throws Exception {
        Path out = top.resolve("stdout"), err = top.resolve("stderr");
        List<String> command = new ArrayList<>(List.of("bash", top.resolve("saestitch").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "launcher finished");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static List<Path> caches(Path target) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".aot")).sorted().toList();
        }
    }
}
