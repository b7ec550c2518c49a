package dev.saestitch.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one JSON object a command prints on stdout under {@code --json}; keys keep insertion order. */
public final class JsonReport {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> fields = new LinkedHashMap<>();

    public JsonReport put(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    public Map<String, Object> fields() { return fields; }

    public void print(PrintWriter out) {
        try {
            out.println(MAPPER.writeValueAsString(fields));
            out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the report", e);
        }
    }

    /** The JSON object with {@code json}, else one {@code key value} line per field (numbers to 6 digits). */
    public void print(PrintWriter out, boolean json) {
        if (json) {
            print(out);
            return;
        }
        fields.forEach((k, v) -> out.printf("%-18s %s%n", k, v instanceof Double d ? String.format("%.6g", d) : v));
        out.flush();
    }

    public static ObjectMapper mapper() { return MAPPER; }
}
