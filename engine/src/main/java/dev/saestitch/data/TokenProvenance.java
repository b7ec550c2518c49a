package dev.saestitch.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.io.DType;
import dev.saestitch.io.MappedTensor;
import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFileException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The token behind every row of an activations file {@code NAME.npy}, read from the files
 * {@code activations} writes beside it: {@code NAME.tokens.npy}, an (N, 3) int32 array of
 * [document index in the corpus, position in its window (special tokens included), token id] per
 * row, and {@code NAME.vocab.json}, {@code {"tokens": {"<id>": "<token string>", ...}}} for every
 * id that occurs. Rows of one window are consecutive, so a row's context is its neighbours with
 * the same document. {@code NAME.tokens.npy} is committed last (see {@link ProvenanceWriter}):
 * when it is there, the rest is too, and it describes the activations beside it.
 */
public final class TokenProvenance implements AutoCloseable {

    /** Columns of {@code NAME.tokens.npy}. */
    public static final int DOCUMENT = 0, POSITION = 1, TOKEN = 2, COLUMNS = 3;

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Arena arena;
    private final MappedTensor rows; // (N, 3) int32
    private final Path vocabularyFile;
    private final Map<Integer, String> vocabulary;

    private TokenProvenance(Arena arena, MappedTensor rows, Path vocabularyFile, Map<Integer, String> vocabulary) {
        this.arena = arena;
        this.rows = rows;
        this.vocabularyFile = vocabularyFile;
        this.vocabulary = vocabulary;
    }

    /** {@code NAME.tokens.npy} beside {@code NAME.npy}. */
    public static Path tokensFile(Path activations) { return ActivationFileSet.sibling(activations, ".tokens.npy"); }

    /** {@code NAME.vocab.json} beside {@code NAME.npy}. */
    public static Path vocabularyFile(Path activations) { return ActivationFileSet.sibling(activations, ".vocab.json"); }

    /**
     * The provenance of {@code activations}, which has {@code expectedRows} rows, or empty when
     * none was written (files from before provenance, or from other tools). Files that are there
     * but do not fit are an error naming them, and so are files that the sidecar beside them, when
     * there is one, says were not written with them ({@link ActivationFileSet#verify}).
     */
    public static Optional<TokenProvenance> openBeside(Path activations, long expectedRows) {
        Path tokens = tokensFile(activations), vocab = vocabularyFile(activations);
        if (!Files.exists(tokens)) return Optional.empty();
        verifySidecar(activations);
        Map<Integer, String> vocabulary = readVocabulary(vocab, tokens);
        Arena arena = Arena.ofShared();
        try {
            MappedTensor t = Npy.openArray(tokens, arena);
            if (t.dtype() != DType.I32 || t.rank() != 2 || t.dim(1) != COLUMNS)
                throw new SaeFileException(tokens, "holds " + t.describe() + "; expected int32 (N, " + COLUMNS + ") [document, position, token]");
            if (t.dim(0) != expectedRows)
                throw new SaeFileException(tokens, "describes " + t.dim(0) + " rows but " + activations.getFileName() + " has " + expectedRows);
            return Optional.of(new TokenProvenance(arena, t, vocab, vocabulary));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public long rows() { return rows.dim(0); }

    /** Index of the row's document among the corpus's documents (non-blank lines or files), from 0. */
    public int document(long row) { return get(row, DOCUMENT); }

    /** The row's position in its model window, special tokens included (0 is e.g. BERT's [CLS]). */
    public int position(long row) { return get(row, POSITION); }

    public int token(long row) { return get(row, TOKEN); }

    /** The tokenizer's string of {@code id}, e.g. {@code ##ing} or {@code [CLS]}. */
    public String tokenString(int id) {
        String s = vocabulary.get(id);
        if (s == null) throw new SaeFileException(vocabularyFile, "has no string for token id " + id);
        return s;
    }

    private int get(long row, int column) {
        if (!arena.scope().isAlive()) throw new IllegalStateException(rows.file() + " is closed");
        if (row < 0 || row >= rows()) throw new IndexOutOfBoundsException("row " + row + " of " + rows() + " in " + rows.file());
        return rows.bytes().get(LE_INT, (row * COLUMNS + column) * Integer.BYTES);
    }

    @Override public void close() { arena.close(); }

    private static void verifySidecar(Path activations) {
        Path sidecar = ActivationFileSet.sidecar(activations);
        if (!Files.isRegularFile(sidecar) || sidecar.equals(activations)) return;
        try {
            ActivationFileSet.verify(activations, JSON.readTree(sidecar.toFile()));
        } catch (IOException e) {
            throw new SaeFileException(sidecar, "sidecar is not readable JSON: " + e.getMessage(), e);
        }
    }

    private static Map<Integer, String> readVocabulary(Path vocab, Path tokens) {
        if (!Files.isRegularFile(vocab)) throw new SaeFileException(vocab, "missing beside " + tokens.getFileName());
        try {
            Map<String, Map<String, String>> doc = JSON.readValue(vocab.toFile(), new TypeReference<>() {});
            Map<String, String> strings = doc == null ? null : doc.get("tokens");
            if (strings == null) throw new SaeFileException(vocab, "has no \"tokens\" object");
            Map<Integer, String> byId = new HashMap<>();
            for (Map.Entry<String, String> e : strings.entrySet()) byId.put(Integer.parseInt(e.getKey()), e.getValue());
            return byId;
        } catch (IOException | NumberFormatException e) {
            throw new SaeFileException(vocab, "not a token vocabulary: " + e.getMessage(), e);
        }
    }

    @Override public String toString() { return rows.file() + " " + Arrays.toString(rows.shape()); }
}
