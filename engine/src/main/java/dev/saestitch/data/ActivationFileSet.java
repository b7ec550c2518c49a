package dev.saestitch.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.io.FileFingerprint;
import dev.saestitch.io.SaeFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An activations file {@code NAME.npy} and what {@code activations} writes beside it, committed as
 * one unit: the sidecar {@code NAME.json} is deleted before any file of the set is replaced
 * ({@link #invalidate}), and written last with the size and fingerprint of each file under
 * {@value #FILES} ({@link #manifest}). A run killed in between leaves no sidecar, never an old one
 * beside a new file; readers of the sidecar and the provenance {@link #verify} it, so a set whose
 * files were changed or replaced one by one afterwards is refused instead of trusted.
 */
public final class ActivationFileSet {

    /** The sidecar's key listing the set's files: {@code {"NAME.npy": {"bytes": .., "fingerprint": ".."}, ...}}. */
    public static final String FILES = "files";

    private ActivationFileSet() {}

    /** {@code NAME.json} beside {@code NAME.npy}. */
    public static Path sidecar(Path activations) { return sibling(activations, ".json"); }

    /** The activations, then their provenance files: the files the sidecar vouches for. */
    static List<Path> members(Path activations) {
        return List.of(activations, TokenProvenance.tokensFile(activations), TokenProvenance.vocabularyFile(activations));
    }

    /** Removes the sidecar of {@code activations}: the first step of replacing any file of the set. */
    public static void invalidate(Path activations) {
        Path sidecar = sidecar(activations);
        try {
            if (!sidecar.equals(activations)) Files.deleteIfExists(sidecar);
        } catch (IOException e) {
            throw new SaeFileException(sidecar, "cannot replace: " + e, e);
        }
    }

    /** The sidecar's {@value #FILES} entry for the set's files that exist now. */
    public static Map<String, Map<String, Object>> manifest(Path activations) {
        Map<String, Map<String, Object>> files = new LinkedHashMap<>();
        for (Path p : members(activations)) {
            if (!Files.isRegularFile(p)) continue;
            FileFingerprint f = FileFingerprint.of(p);
            files.put(p.getFileName().toString(), Map.of("bytes", f.bytes(), "fingerprint", f.fingerprint()));
        }
        return files;
    }

    /**
     * Checks that every file {@code sidecarJson} lists is beside {@code activations} with the size
     * and fingerprint recorded. A sidecar without the list (written before it existed) passes.
     *
     * @throws SaeFileException naming the sidecar and the first file that differs
     */
    public static void verify(Path activations, JsonNode sidecarJson) {
        JsonNode files = sidecarJson.path(FILES);
        if (!files.isObject()) return;
        Path sidecar = sidecar(activations);
        for (Map.Entry<String, JsonNode> e : files.properties()) {
            Path p = activations.resolveSibling(e.getKey());
            String recorded = e.getValue().path("bytes").asLong(-1) + " bytes, fingerprint " + e.getValue().path("fingerprint").asText("?");
            if (!Files.isRegularFile(p))
                throw new SaeFileException(sidecar, "lists " + e.getKey() + " (" + recorded + "), which is missing; rerun activations to write the set again");
            FileFingerprint now = FileFingerprint.of(p);
            if (now.bytes() != e.getValue().path("bytes").asLong(-1) || !now.fingerprint().equals(e.getValue().path("fingerprint").asText()))
                throw new SaeFileException(sidecar, "describes another version of " + e.getKey() + " (" + recorded + "; now " + now.bytes()
                        + " bytes, fingerprint " + now.fingerprint() + "); the files were not written together: rerun activations");
        }
    }

    static Path sibling(Path activations, String suffix) {
        String name = activations.getFileName().toString();
        String base = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return activations.resolveSibling(base + suffix);
    }
}
