package dev.saestitch.data;

import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.io.RawFiles;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** The provenance files beside an activations file: written with it as one unit, read back row by row. */
class TokenProvenanceTest {

    @TempDir Path tmp;

    private static final int D = 5;

    /** Random [document, position, token] rows: documents in order, positions counting up inside each. */
    private static int[] randomTriples(SplittableRandom rnd, int rows) {
        int[] t = new int[rows * 3];
        int doc = rnd.nextInt(1000), pos = 0;
        for (int r = 0; r < rows; r++) {
            if (rnd.nextInt(7) == 0) { doc += 1 + rnd.nextInt(3); pos = 0; }
            t[3 * r] = doc;
            t[3 * r + 1] = pos++;
            t[3 * r + 2] = 100 + rnd.nextInt(50);
        }
        return t;
    }

    private static SortedMap<Integer, String> vocabulary() {
        SortedMap<Integer, String> v = new TreeMap<>();
        for (int id = 100; id < 150; id++) v.put(id, id % 2 == 0 ? "tok" + id : "##\"<script>" + id + "\u00e9");
        return v;
    }

    /** Writes an activations file of {@code rows} rows and its provenance in two blocks, committed together. */
    private static void write(Path acts, int[] triples, int rows, SortedMap<Integer, String> vocabulary) {
        try (Arena arena = Arena.ofConfined();
             Npy.Writer values = Npy.writer(acts, rows, D, DType.F32);
             ProvenanceWriter provenance = new ProvenanceWriter(acts, rows)) {
            Matrix block = Matrix.allocate(arena, rows, D);
            block.fill(1.5f);
            values.append(block);
            int first = rows / 3;
            provenance.append(triples, first);
            provenance.append(java.util.Arrays.copyOfRange(triples, 3 * first, 3 * rows), rows - first);
            provenance.commitWith(values, vocabulary);
        }
    }

    @Test void rowsReadBackAsWritten() {
        SplittableRandom rnd = new SplittableRandom(7);
        int rows = 301;
        int[] triples = randomTriples(rnd, rows);
        Path acts = tmp.resolve("acts.npy");
        write(acts, triples, rows, vocabulary());
        assertTrue(Files.isRegularFile(acts));
        try (TokenProvenance p = TokenProvenance.openBeside(acts, rows).orElseThrow()) {
            assertEquals(rows, p.rows());
            for (int r = 0; r < rows; r++) {
                assertEquals(triples[3 * r], p.document(r), "row " + r);
                assertEquals(triples[3 * r + 1], p.position(r), "row " + r);
                assertEquals(triples[3 * r + 2], p.token(r), "row " + r);
                assertEquals(vocabulary().get(p.token(r)), p.tokenString(p.token(r)));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> p.document(rows));
            SaeFileException unknown = assertThrows(SaeFileException.class, () -> p.tokenString(99));
            assertTrue(unknown.getMessage().contains("acts.vocab.json") && unknown.getMessage().contains("99"), unknown.getMessage());
        }
    }

    @Test void filesWithoutProvenanceHaveNone() throws IOException {
        Path acts = tmp.resolve("plain.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(acts, Matrix.allocate(arena, 4, D), DType.F32);
        }
        assertEquals(Optional.empty(), TokenProvenance.openBeside(acts, 4));
    }

    @Test void aNewFileReplacesTheOldProvenanceAndAnAbandonedOneLeavesIt() {
        SplittableRandom rnd = new SplittableRandom(8);
        Path acts = tmp.resolve("acts.npy");
        int[] old = randomTriples(rnd, 20), fresh = randomTriples(rnd, 33);
        write(acts, old, 20, vocabulary());
        write(acts, fresh, 33, vocabulary());
        try (TokenProvenance p = TokenProvenance.openBeside(acts, 33).orElseThrow()) {
            assertEquals(fresh[3 * 32 + 2], p.token(32));
        }
        // Closed without a commit: the last committed pair stays, and nothing else is left in the folder.
        try (Npy.Writer values = Npy.writer(acts, 9, D, DType.F32); ProvenanceWriter provenance = new ProvenanceWriter(acts, 9)) {
            provenance.append(randomTriples(rnd, 9), 9);
        }
        try (TokenProvenance p = TokenProvenance.openBeside(acts, 33).orElseThrow()) {
            assertEquals(fresh[3 * 5], p.document(5));
        }
        assertEquals(3, tmp.toFile().list().length, String.join(",", tmp.toFile().list()));
    }

    @Test void provenanceThatDoesNotFitIsAnErrorNamingTheFile() throws IOException {
        SplittableRandom rnd = new SplittableRandom(9);
        Path acts = tmp.resolve("acts.npy");
        write(acts, randomTriples(rnd, 12), 12, vocabulary());
        SaeFileException rows = assertThrows(SaeFileException.class, () -> TokenProvenance.openBeside(acts, 13));
        assertTrue(rows.getMessage().startsWith(TokenProvenance.tokensFile(acts) + ": describes 12 rows but acts.npy has 13"), rows.getMessage());
        Files.delete(TokenProvenance.vocabularyFile(acts));
        SaeFileException vocab = assertThrows(SaeFileException.class, () -> TokenProvenance.openBeside(acts, 12));
        assertTrue(vocab.getMessage().contains("acts.vocab.json: missing"), vocab.getMessage());
        // An int32 file as numpy writes it, but (N, 2).
        Path other = tmp.resolve("other.npy");
        Files.write(TokenProvenance.tokensFile(other), RawFiles.npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", RawFiles.i32le(new int[] {1, 2, 3, 4, 5, 6})));
        Files.writeString(TokenProvenance.vocabularyFile(other), "{\"tokens\": {}}");
        SaeFileException shape = assertThrows(SaeFileException.class, () -> TokenProvenance.openBeside(other, 3));
        assertTrue(shape.getMessage().contains("expected int32 (N, 3)"), shape.getMessage());
    }

    @Test void int32ArraysAreNotActivations() throws IOException {
        Path ints = Files.write(tmp.resolve("ints.npy"), RawFiles.npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
                RawFiles.i32le(new int[] {1, 2, 3, 4, 5, 6})));
        SaeFileException e = assertThrows(SaeFileException.class, () -> ActivationFiles.open(ints, null));
        assertTrue(e.getMessage().contains("expected a floating-point type"), e.getMessage());
    }
}
