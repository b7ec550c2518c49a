package dev.saestitch.extract;

import dev.saestitch.input.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextCorpusTest {

    @TempDir Path dir;

    @Test
    void documentsAreTheNonBlankLinesOfEachFileInOrderGzipIncluded() throws IOException {
        Path plain = Files.writeString(dir.resolve("a.txt"), "first line\n\n  \nsecond line\n");
        Path gz = dir.resolve("b.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("third, gzipped\nfourth\n".getBytes(StandardCharsets.UTF_8));
        }
        try (Stream<String> docs = TextCorpus.ofFiles(List.of(plain, gz)).documents()) {
            assertEquals(List.of("first line", "second line", "third, gzipped", "fourth"), docs.toList());
        }
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.txt");
        InputException e = assertThrows(InputException.class, () -> TextCorpus.ofFiles(List.of(missing)));
        assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
    }

    @Test
    void badBytesAndBrokenGzipAreErrorsNamingTheFile() throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), "caf\u00e9 au lait\n".getBytes(StandardCharsets.ISO_8859_1));
        Path broken = dir.resolve("broken.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(broken))) {
            out.write("some text that will be cut short\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = Files.readAllBytes(broken);
        Files.write(broken, java.util.Arrays.copyOf(whole, whole.length / 2));
        for (Path bad : List.of(latin1, broken)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
                try (Stream<String> docs = TextCorpus.ofFiles(List.of(bad)).documents()) {
                    docs.forEach(d -> {});
                }
            });
            assertTrue(e.getCause().getMessage().startsWith(bad + ": "), e.getCause().getMessage());
        }
        assertTrue(assertThrows(UncheckedIOException.class, () -> {
            try (Stream<String> docs = TextCorpus.ofFiles(List.of(latin1)).documents()) {
                docs.forEach(d -> {});
            }
        }).getCause().getMessage().contains("not UTF-8 text"));
    }

    @Test
    void theBundledCorporaAreNamedByTheirCliNames() {
        assertEquals(TextCorpus.Bundled.EUROPARL, TextCorpus.Bundled.parse("europarl"));
        assertEquals(TextCorpus.Bundled.BROWN, TextCorpus.Bundled.parse("brown"));
        InputException e = assertThrows(InputException.class, () -> TextCorpus.Bundled.parse("wiki"));
        assertEquals("--corpus must be brown or europarl, not 'wiki'", e.getMessage());
    }

    @Test
    void bundledEuroparlYieldsBodiesWithoutTitleOrDate() {
        try (Stream<String> docs = TextCorpus.europarl().documents()) {
            List<String> first = docs.limit(50).toList();
            assertEquals(50, first.size());
            for (String d : first) {
                assertFalse(d.contains("\t"), d);
                assertTrue(d.length() > 20, d);
            }
        }
    }
}
