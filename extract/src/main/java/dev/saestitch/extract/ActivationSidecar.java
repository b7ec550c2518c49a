package dev.saestitch.extract;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
    public static Path pathFor(Path activations) {
        String name = activations.getFileName().toString();
        String base = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return activations.resolveSibling(base + ".json");
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
     * @throws SaeFileException when the sidecar is not a JSON object
     */
    public static Map<String, Object> saeLensMetadata(Path activations) {
        Path file = pathFor(activations);
        Map<String, Object> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(file) || file.equals(activations)) return out;
        JsonNode j;
        try {
            j = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new SaeFileException(file, "sidecar is not readable JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new SaeFileException(file, "sidecar is not a JSON object");
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

    /** Writes the sidecar of {@code activations} atomically. */
    public void writeBeside(Path activations) {
        AtomicFiles.write(pathFor(activations), (toJson() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
