package dev.saestitch.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code cfg.json} read into an ordered map of plain Java values (maps, lists, strings, numbers,
 * booleans, nulls), with typed getters whose errors name the file and the key.
 */
final class CfgJson {

    static final String FILE_NAME = "cfg.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final Map<String, Object> values;

    private CfgJson(Path file, Map<String, Object> values) {
        this.file = file;
        this.values = values;
    }

    static CfgJson read(Path file) {
        if (!Files.isRegularFile(file)) throw new SaeFileException(file, "missing (an SAE directory needs a cfg.json)");
        try {
            Map<String, Object> values = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
            if (values == null) throw new SaeFileException(file, "is not a JSON object");
            return new CfgJson(file, values);
        } catch (JsonProcessingException e) {
            throw new SaeFileException(file, "is not a JSON object: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SaeFileException(file, "cannot read: " + e, e);
        }
    }

    /** Serialises {@code values} as one line of JSON (as SAELens and sparsify write it). */
    static byte[] toBytes(Map<String, Object> values) {
        try {
            return JSON.writeValueAsBytes(values);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("SAE metadata cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    Path file() { return file; }

    /** Every key and value, in file order. */
    Map<String, Object> values() { return values; }

    Object get(String key) { return values.get(key); }

    /** The value, or null when the key is absent or null. */
    String string(String key) {
        Object v = values.get(key);
        if (v == null || v instanceof String) return (String) v;
        throw wrongType(key, v, "a string");
    }

    Boolean bool(String key) {
        Object v = values.get(key);
        if (v == null || v instanceof Boolean) return (Boolean) v;
        throw wrongType(key, v, "true or false");
    }

    /** An integer, also when written as a float with no fractional part (SAELens allows k = 32.0). */
    Integer integer(String key) {
        return integer(key, values.get(key));
    }

    Integer integer(String key, Object v) {
        if (v == null) return null;
        if (v instanceof Integer i) return i;
        if (v instanceof Long || v instanceof BigInteger) throw wrongType(key, v, "an integer in int range");
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE)
            return (int) n.doubleValue();
        throw wrongType(key, v, "an integer");
    }

    /** A nested object, or null when absent. */
    @SuppressWarnings("unchecked")
    Map<String, Object> object(String key) {
        Object v = values.get(key);
        if (v == null || v instanceof Map) return (Map<String, Object>) v;
        throw wrongType(key, v, "a JSON object");
    }

    SaeFileException problem(String what) {
        return new SaeFileException(file, what);
    }

    private SaeFileException wrongType(String key, Object v, String expected) {
        String shown = v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
        return problem("'" + key + "' is " + shown + ", expected " + expected);
    }
}
