package dev.saestitch.extract;

import dev.saestitch.data.TokenProvenance;
import dev.saestitch.input.InputException;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extraction with the bundled MiniLM on a few sentences, windows of 16 tokens so that documents span several. */
class ActivationExtractorTest {

    private static final int CONTEXT = 16, BATCH = 3;
    /** float32 results of the same window computed in batches padded differently agree to this, relative to the row's norm. */
    private static final double ROW_TOLERANCE = 1e-4;
    private static final List<String> DOCUMENTS = List.of(
            "The committee adopted the report on the common agricultural policy after a long debate.",
            "Short one.",
            "Madam President, on a point of order: the minutes of yesterday's sitting do not record my vote, "
                    + "and I would ask that this be corrected before we proceed to the next item on the agenda.",
            "Fisheries, transport and energy were discussed in turn.");

    @TempDir static Path dir;
    private static TextTokenizer tokenizer;
    private static ActivationModel layer3;
    private static Path text;

    @BeforeAll
    static void open() throws IOException {
        try (InputStream in = BundledAssets.TOKENIZER.open()) {
            tokenizer = TextTokenizer.read(in, "bundled");
        }
        layer3 = new ActivationModel(BundledAssets.MODEL.readAll(), "bundled", List.of("encoder.layer.3"));
        text = Files.write(dir.resolve("docs.txt"), DOCUMENTS);
    }

    @AfterAll
    static void close() {
        layer3.close();
        tokenizer.close();
    }

    @Test
    void everyTokenOfEveryWindowIsOneRowInOrderAndEqualsItsWindowRunAlone() {
        List<int[]> windows = windows();
        long tokens = windows.stream().mapToLong(w -> w.length).sum();
        Path out = dir.resolve("all.npy");
        ActivationExtractor.Result result = extract(0, ActivationExtractor.EVERY_TOKEN, out);
        assertEquals(tokens, result.tokens());
        assertArrayEquals(new int[] {384}, result.dims());
        assertEquals(DOCUMENTS.size(), result.documents());
        assertEquals(windows.size(), result.windows());
        try (Arena arena = Arena.ofShared()) {
            Matrix rows = Npy.open(out, arena).readFloat32(arena);
            assertEquals(tokens, rows.rows());
            int row = 0;
            for (int[] window : windows) {
                ActivationModel.Activations alone = layer3.run(List.of(window)).getFirst();
                for (int t = 0; t < window.length; t++, row++) assertRowEquals(alone.values(), t * alone.dim(), rows, row);
            }
        }
    }

    @Test
    void aSkippedPrefixAndTheRestTogetherEqualTheWhole() {
        long tokens = windows().stream().mapToLong(w -> w.length).sum();
        long cut = 37; // mid-window
        extract(0, ActivationExtractor.EVERY_TOKEN, dir.resolve("whole.npy"));
        extract(0, cut, dir.resolve("head.npy"));
        extract(cut, ActivationExtractor.EVERY_TOKEN, dir.resolve("tail.npy"));
        try (Arena arena = Arena.ofShared()) {
            Matrix whole = Npy.open(dir.resolve("whole.npy"), arena).readFloat32(arena);
            Matrix head = Npy.open(dir.resolve("head.npy"), arena).readFloat32(arena);
            Matrix tail = Npy.open(dir.resolve("tail.npy"), arena).readFloat32(arena);
            assertEquals(cut, head.rows());
            assertEquals(tokens - cut, tail.rows());
            for (int r = 0; r < whole.rows(); r++) {
                Matrix part = r < cut ? head : tail;
                assertRowEquals(part.row(r < cut ? r : (int) (r - cut)), 0, whole, r);
            }
        }
    }

    @Test
    void skippingPastTheEndOfTheTextIsAnError() {
        InputException e = assertThrows(InputException.class, () -> extract(1_000_000, ActivationExtractor.EVERY_TOKEN, dir.resolve("none.npy")));
        assertTrue(e.getMessage().contains("none after the 1000000 skipped"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("none.npy")));
    }

    @Test
    void theLastBlockOfBertIsTheModelsOutput() {
        byte[] model = BundledAssets.MODEL.readAll();
        try (ActivationModel whole = new ActivationModel(model, "bundled", List.of());
             ActivationModel block5 = new ActivationModel(model, "bundled", List.of("encoder.layer.5"))) {
            int[] window = windows().getFirst();
            float[] a = whole.run(List.of(window)).getFirst().values(), b = block5.run(List.of(window)).getFirst().values();
            assertEquals(a.length, b.length);
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5f);
        }
    }

    /** Two layers from one pass equal each layer extracted alone, row for row. */
    @Test
    void severalLayersInOnePassEqualEachAlone() {
        Path one = dir.resolve("l1.npy"), three = dir.resolve("l3.npy"), alone3 = dir.resolve("alone3.npy");
        try (ActivationModel both = new ActivationModel(BundledAssets.MODEL.readAll(), "bundled", List.of("encoder.layer.1", "encoder.layer.3"))) {
            assertEquals(List.of("/encoder/layer.1/output/LayerNorm/Add_1_output_0", "/encoder/layer.3/output/LayerNorm/Add_1_output_0"), both.tensors());
            ActivationExtractor.Result r = ActivationExtractor.extract(new ActivationExtractor.Request(TextCorpus.ofFiles(List.of(text)), CONTEXT, 5, ActivationExtractor.EVERY_TOKEN, BATCH,
                    DType.F32, List.of(one, three)), tokenizer, both, QUIET);
            assertArrayEquals(new int[] {384, 384}, r.dims());
        }
        try (TokenProvenance p1 = TokenProvenance.openBeside(one, windows().stream().mapToLong(w -> w.length).sum() - 5).orElseThrow();
             TokenProvenance p3 = TokenProvenance.openBeside(three, p1.rows()).orElseThrow()) {
            for (long r = 0; r < p1.rows(); r++) assertEquals(p1.token(r), p3.token(r), "every layer's file has the same provenance");
            assertEquals(windows().getFirst()[5], p1.token(0));
        }
        extract(5, ActivationExtractor.EVERY_TOKEN, alone3);
        try (ActivationModel layer1 = new ActivationModel(BundledAssets.MODEL.readAll(), "bundled", List.of("encoder.layer.1"));
             Arena arena = Arena.ofShared()) {
            Matrix l1 = Npy.open(one, arena).readFloat32(arena), l3 = Npy.open(three, arena).readFloat32(arena), a3 = Npy.open(alone3, arena).readFloat32(arena);
            assertEquals(a3.rows(), l3.rows());
            for (int r = 0; r < l3.rows(); r++) assertRowEquals(a3.row(r), 0, l3, r);
            // Layer 1 against its own model run on the first window, past the 5 skipped tokens.
            int[] first = windows().getFirst();
            ActivationModel.Activations alone = layer1.run(List.of(first)).getFirst();
            for (int t = 5; t < first.length; t++) assertRowEquals(alone.values(), t * alone.dim(), l1, t - 5);
        }
    }

    /** Rows [37, end) name their document, position and token as the windows built here from the tokenizer do, with the token strings. */
    @Test
    void everyRowsProvenanceNamesItsDocumentPositionAndToken() {
        long cut = 37; // mid-window, mid-document
        Path out = dir.resolve("provenance.npy");
        long rows = extract(cut, ActivationExtractor.EVERY_TOKEN, out).tokens();
        List<int[]> expected = new ArrayList<>();
        java.util.Map<Integer, String> strings = new java.util.HashMap<>(java.util.Map.of(101, "[CLS]", 102, "[SEP]"));
        for (int d = 0, perWindow = CONTEXT - 2; d < DOCUMENTS.size(); d++) {
            TextTokenizer.Tokens doc = tokenizer.tokens(DOCUMENTS.get(d));
            for (int i = 0; i < doc.ids().length; i++) strings.put(doc.ids()[i], doc.strings()[i]);
            for (int from = 0; from < doc.ids().length; from += perWindow) {
                int n = Math.min(perWindow, doc.ids().length - from);
                expected.add(new int[] {d, 0, 101});
                for (int i = 0; i < n; i++) expected.add(new int[] {d, 1 + i, doc.ids()[from + i]});
                expected.add(new int[] {d, n + 1, 102});
            }
        }
        assertEquals(expected.size() - cut, rows);
        try (TokenProvenance p = TokenProvenance.openBeside(out, rows).orElseThrow()) {
            for (int r = 0; r < rows; r++) {
                int[] e = expected.get((int) (r + cut));
                assertArrayEquals(e, new int[] {p.document(r), p.position(r), p.token(r)}, "row " + r);
                assertEquals(strings.get(e[2]), p.tokenString(p.token(r)), "row " + r);
            }
        }
        assertTrue(strings.containsValue("madam") && strings.containsValue("yesterday"), "the uncased WordPiece strings: " + strings.values());
    }

    @Test
    void theSidecarSitsBesideTheArray() {
        assertEquals(dir.resolve("acts.json"), ActivationSidecar.pathFor(dir.resolve("acts.npy")));
    }

    /**
     * The array, its provenance and its sidecar are one unit (issue 14: a kill between renames
     * once paired a new array with an old sidecar, which demo --real trusts): a new extraction
     * removes the old sidecar before committing anything, and the sidecar, written last, lists
     * the files' fingerprints, so a set whose files were swapped afterwards is refused by every reader.
     */
    @Test
    void arraySidecarAndProvenanceAreOneUnit() throws IOException {
        Path acts = dir.resolve("unit.npy"), other = dir.resolve("other.npy");
        ActivationExtractor.Result r = extract(0, 20, acts);
        sidecar(r, 0).writeBeside(acts);
        assertTrue(ActivationSidecar.readBeside(acts).isPresent());
        try (var p = TokenProvenance.openBeside(acts, r.tokens()).orElseThrow()) {
            assertEquals(r.tokens(), p.rows());
        }

        extract(5, 20, acts);   // a run killed after its files were committed, before its sidecar
        assertTrue(ActivationSidecar.readBeside(acts).isEmpty(), "no sidecar of the earlier run is left beside the new array");
        sidecar(r, 5).writeBeside(acts);

        extract(9, 20, other);  // same size, other rows: only the fingerprint tells them apart
        assertEquals(Files.size(acts), Files.size(other));
        Files.copy(other, acts, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        dev.saestitch.io.SaeFileException e = assertThrows(dev.saestitch.io.SaeFileException.class, () -> ActivationSidecar.readBeside(acts));
        assertTrue(e.getMessage().startsWith(dir.resolve("unit.json") + ": describes another version of unit.npy"), e.getMessage());
        assertThrows(dev.saestitch.io.SaeFileException.class, () -> ActivationSidecar.saeLensMetadata(acts));
        assertThrows(dev.saestitch.io.SaeFileException.class, () -> TokenProvenance.openBeside(acts, r.tokens()));
    }

    private static ActivationSidecar sidecar(ActivationExtractor.Result r, long skipped) {
        return new ActivationSidecar("tiny", "00", "tokenizer.json", null, "t", r.tokens(), r.dims()[0], "float32", CONTEXT, skipped,
                new int[] {101}, new int[] {102}, r.documents(), r.windows(), List.of(text.toString()));
    }

    private static final ActivationExtractor.Listener QUIET = new ActivationExtractor.Listener() {
        @Override public void counted(long rows) {}
        @Override public void written(long rows) {}
    };

    private static ActivationExtractor.Result extract(long skip, long max, Path out) {
        return ActivationExtractor.extract(new ActivationExtractor.Request(TextCorpus.ofFiles(List.of(text)), CONTEXT, skip, max, BATCH, DType.F32, List.of(out)),
                tokenizer, layer3, QUIET);
    }

    /** The windows, built here from the tokenizer alone: [CLS], up to 14 text tokens, [SEP]. */
    private static List<int[]> windows() {
        List<int[]> all = new ArrayList<>();
        int perWindow = CONTEXT - 2;
        for (String doc : DOCUMENTS) {
            int[] ids = tokenizer.ids(doc);
            for (int from = 0; from < ids.length; from += perWindow) {
                int n = Math.min(perWindow, ids.length - from);
                int[] w = new int[n + 2];
                w[0] = 101;
                System.arraycopy(ids, from, w, 1, n);
                w[n + 1] = 102;
                all.add(w);
            }
        }
        return all;
    }

    private static void assertRowEquals(float[] expected, int offset, Matrix actual, int row) {
        double diff = 0, norm = 0;
        for (int c = 0; c < actual.cols(); c++) {
            double e = expected[offset + c];
            diff += (e - actual.get(row, c)) * (e - actual.get(row, c));
            norm += e * e;
        }
        assertTrue(norm > 0, "row " + row + " is all zero");
        assertTrue(Math.sqrt(diff) <= ROW_TOLERANCE * Math.sqrt(norm), "row " + row + ": relative difference " + Math.sqrt(diff / norm));
    }
}
