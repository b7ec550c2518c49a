package dev.saestitch.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.io.AtomicFiles;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * Writes the {@link TokenProvenance} files of an activations file while the activations stream,
 * and commits them with it as one unit: the old sidecar and provenance are deleted first, then the
 * activations, the vocabulary and last {@code NAME.tokens.npy} are put in place (the sidecar, with
 * every file's fingerprint, comes after them: {@link ActivationFileSet}). A crash at any point
 * leaves the activations with their own provenance or with none, never with another file's.
 */
public final class ProvenanceWriter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path activations;
    private final Npy.Writer tokens;

    /** Starts the provenance of {@code activations}, which will have {@code rows} rows. */
    public ProvenanceWriter(Path activations, long rows) {
        this.activations = activations;
        this.tokens = Npy.writer(TokenProvenance.tokensFile(activations), rows, TokenProvenance.COLUMNS, DType.I32);
    }

    /** Appends {@code count} rows of [document, position, token] triples, row-major. */
    public void append(int[] triples, int count) { tokens.append(triples, count); }

    /**
     * Commits {@code activationsWriter} (the writer of the activations file) and this provenance,
     * with {@code vocabulary} the strings of the token ids that occur.
     */
    public void commitWith(Npy.Writer activationsWriter, SortedMap<Integer, String> vocabulary) {
        Path tokensFile = TokenProvenance.tokensFile(activations), vocabFile = TokenProvenance.vocabularyFile(activations);
        ActivationFileSet.invalidate(activations);
        try {
            Files.deleteIfExists(tokensFile);
            Files.deleteIfExists(vocabFile);
        } catch (IOException e) {
            throw new SaeFileException(tokensFile, "cannot replace: " + e, e);
        }
        activationsWriter.commit();
        Map<String, String> strings = new LinkedHashMap<>();
        vocabulary.forEach((id, s) -> strings.put(Integer.toString(id), s));
        try {
            AtomicFiles.write(vocabFile, JSON.writeValueAsBytes(Map.of("tokens", strings)));
        } catch (IOException e) {
            throw new SaeFileException(vocabFile, "cannot write: " + e, e);
        }
        tokens.commit();
    }

    /** Abandons the provenance unless it was committed. */
    @Override public void close() { tokens.close(); }
}
