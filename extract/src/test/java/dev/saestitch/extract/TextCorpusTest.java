package dev.saestitch.extract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.ofFiles(List.of(missing)));
        assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
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
