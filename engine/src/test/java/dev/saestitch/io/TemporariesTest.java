package dev.saestitch.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An interrupted run leaves no hidden temporaries (issue 14: synth, activations and first saves
 * left hundreds of MB): a JVM killed by SIGTERM or SIGINT while writing a file and a folder
 * removes both in its shutdown hook.
 */
class TemporariesTest {

    @TempDir Path tmp;

    @Test
    void sigtermAndSigintRemoveThisProcessesTemporaries() throws Exception {
        for (String signal : List.of("TERM", "INT")) {
            Path dir = Files.createDirectory(tmp.resolve(signal));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldTemporary.class.getName(), dir.toString())
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                String line;
                do line = out.readLine(); while (line != null && !line.equals("ready"));   // JVM warnings may come first
                assertEquals("ready", line, "the child started writing");
                assertEquals(2, hidden(dir).size(), "a temporary file and a temporary folder: " + hidden(dir));
                new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child ended");
            } finally {
                p.destroyForcibly();
            }
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(), left.toList(), "SIG" + signal + " left temporaries");
            }
        }
    }

    private static List<String> hidden(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }
}
