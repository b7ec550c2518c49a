package dev.saestitch.extract;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saestitch.data.ActivationFileSet;
import dev.saestitch.io.AtomicFiles;
import dev.saestitch.io.SaeFileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an activations file holds, written beside it as {@code NAME.json} for {@code NAME.npy}:
 * enough to reproduce it and to know what a row is.
 *
 * @param model          the model file, or the bundled model's name and artifact
 * @param modelSha256    of the model's bytes
 * @param tokenizer      the tokenizer.json, or the bundled one
 * @param layer          the {@code --layer} asked for (null: the graph's first output)
 * @param tensor         the ONNX tensor the rows were read from
 * @param tokens         rows written (N)
 * @param dim            D
 * @param dtype          "float32" or "float16"
 * @param context        tokens per window, special tokens included
 * @param skippedTokens  corpus tokens before the first row
 * @param specialBefore  ids of the special tokens that open every window; their rows are written (padding never is)
 * @param specialAfter   ids of the special tokens that close every window; their rows are written
 * @param documents      documents read
 * @param windows        windows run through the model
 * @param sources        the text files
 */
public record ActivationSidecar(
        String model, @JsonProperty("model_sha256") String modelSha256, String tokenizer, String layer, String tensor,
        long tokens, int dim, String dtype, int context, @JsonProperty("skipped_tokens") long skippedTokens,
        @JsonProperty("special_tokens_before") int[] specialBefore, @JsonProperty("special_tokens_after") int[] specialAfter, long documents, long windows, List<String> sources) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@code NAME.json} beside {@code NAME.npy}. */
    public static Path pathFor(Path activations) { return ActivationFileSet.sidecar(activations); }

    /**
     * The sidecar beside {@code activations} as JSON, or empty when there is none (data not
     * written by {@code saestitch activations}), checked against the files it lists.
     *
     * @throws SaeFileException when it is not a JSON object, or the files beside it are not the ones it was written with
     */
    public static java.util.Optional<JsonNode> readBeside(Path activations) {
        Path file = pathFor(activations);
        if (!Files.isRegularFile(file) || file.equals(activations)) return java.util.Optional.empty();
        JsonNode j;
        try {
            j = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new SaeFileException(file, "sidecar is not readable JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new SaeFileException(file, "sidecar is not a JSON object");
        ActivationFileSet.verify(activations, j);
        return java.util.Optional.of(j);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What SAELens's {@code metadata} block says about the data an SAE was trained on, from the
     * sidecar beside {@code activations}: model_name, hook_name (the ONNX tensor), context_size,
     * dataset_path (the text files), prepend_bos (whether windows open with special tokens). Empty
     * when there is no sidecar (data not written by {@code saestitch activations}); fields the
     * sidecar lacks are left out.
     *
     * @throws SaeFileException when the sidecar is not a JSON object or not of these files ({@link #readBeside})
     */
    public static Map<String, Object> saeLensMetadata(Path activations) {
        Map<String, Object> out = new LinkedHashMap<>();
        java.util.Optional<JsonNode> sidecar = readBeside(activations);
        if (sidecar.isEmpty()) return out;
        JsonNode j = sidecar.get();
        if (j.path("model").isTextual()) out.put("model_name", j.get("model").textValue());
        JsonNode hook = j.path("tensor").isTextual() ? j.get("tensor") : j.path("layer");
        if (hook.isTextual()) out.put("hook_name", hook.textValue());
        if (j.path("context").canConvertToInt()) out.put("context_size", j.get("context").intValue());
        if (j.path("sources").isArray() && !j.get("sources").isEmpty()) {
            List<String> sources = new ArrayList<>();
            j.get("sources").forEach(n -> sources.add(n.asText()));
            out.put("dataset_path", String.join(", ", sources));
        }
        if (j.path("special_tokens_before").isArray()) out.put("prepend_bos", !j.get("special_tokens_before").isEmpty());
        return out;
    }

    /**
     * Writes the sidecar of {@code activations} atomically, with the size and fingerprint of the
     * activations and their provenance under {@value ActivationFileSet#FILES}: the last step of
     * committing the set ({@link ActivationFileSet}).
     */
    public void writeBeside(Path activations) {
        com.fasterxml.jackson.databind.node.ObjectNode j = JSON.valueToTree(this);
        j.set(ActivationFileSet.FILES, JSON.valueToTree(ActivationFileSet.manifest(activations)));
        try {
            AtomicFiles.write(pathFor(activations), (JSON.writeValueAsString(j) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
