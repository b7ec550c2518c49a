package dev.saestitch.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file, memory-mapped and validated. Layout (https://github.com/huggingface/safetensors):
 * an unsigned little-endian 64-bit header length N, N bytes of JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the byte after the
 * header) plus an optional {@code "__metadata__"} map of strings, then the little-endian data.
 * The mapping lives in the arena given to {@link #open}; so do the views this object hands out.
 */
public final class Safetensors {

    /** The same limit as the reference implementation: a longer header is a corrupt length field. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final Map<String, MappedTensor> tensors; // in header order
    private final Map<String, String> metadata;

    private Safetensors(Path path, Map<String, MappedTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * The header as text. The format says UTF-8; decoding it strictly keeps Jackson from guessing
     * UTF-16 or UTF-32 for garbage bytes and echoing mojibake.
     */
    private static String utf8(Path file, byte[] header) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new SaeFileException(file, "header is not UTF-8 text: not a safetensors file");
        }
    }

    /** Maps {@code file} into {@code arena} and validates its header against its length. */
    public static Safetensors open(Path file, Arena arena) {
        MemorySegment all = FileMapping.map(file, arena);
        long fileSize = all.byteSize();
        if (fileSize < Long.BYTES) throw new SaeFileException(file, "file of " + fileSize + " bytes is too short for a safetensors header");
        long headerBytes = all.get(LE_LONG, 0);
        if (headerBytes <= 0 || headerBytes > MAX_HEADER_BYTES)
            throw new SaeFileException(file, "header length " + Long.toUnsignedString(headerBytes) + " is not in [1, " + MAX_HEADER_BYTES + "]: not a safetensors file");
        if (Long.BYTES + headerBytes > fileSize)
            throw new SaeFileException(file, "header of " + headerBytes + " bytes runs past the end of the file (" + fileSize + " bytes): truncated");
        JsonNode header;
        try {
            header = JSON.readTree(utf8(file, all.asSlice(Long.BYTES, headerBytes).toArray(ValueLayout.JAVA_BYTE)));
        } catch (JsonProcessingException e) {
            throw new SaeFileException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new SaeFileException(file, "cannot parse header: " + e, e);
        }
        if (header == null || !header.isObject()) throw new SaeFileException(file, "header is not a JSON object");
        MemorySegment data = all.asSlice(Long.BYTES + headerBytes);
        return parse(file, (ObjectNode) header, data);
    }

    private static Safetensors parse(Path file, ObjectNode header, MemorySegment data) {
        Map<String, MappedTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> spans = new ArrayList<>(); // {begin, end, index in names}
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) throw new SaeFileException(file, METADATA_KEY + " is not a JSON object");
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual())
                        throw new SaeFileException(file, METADATA_KEY + " entry '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            if (!v.isObject()) throw new SaeFileException(file, "tensor '" + name + "': header entry is not a JSON object");
            JsonNode dtypeNode = v.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) throw new SaeFileException(file, "tensor '" + name + "' has no dtype");
            DType dtype = DType.ofSafetensorsName(dtypeNode.textValue());
            if (dtype == null) throw new SaeFileException(file, "tensor '" + name + "' has unknown dtype '" + dtypeNode.textValue() + "'");
            long[] shape = nonNegativeLongs(file, name, "shape", v.get("shape"), -1);
            long[] offsets = nonNegativeLongs(file, name, "data_offsets", v.get("data_offsets"), 2);
            long begin = offsets[0], end = offsets[1];
            if (begin > end) throw new SaeFileException(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] with begin > end");
            if (end > data.byteSize())
                throw new SaeFileException(file, "tensor '" + name + "' ends at data byte " + end + " but the file holds only "
                        + data.byteSize() + " data bytes: truncated");
            long expected;
            try {
                expected = dtype.byteSize();
                for (long d : shape) expected = Math.multiplyExact(expected, d);
            } catch (ArithmeticException overflow) {
                throw new SaeFileException(file, "tensor '" + name + "' has an impossibly large shape " + Arrays.toString(shape));
            }
            if (end - begin != expected)
                throw new SaeFileException(file, "tensor '" + name + "' is " + dtype + " " + Arrays.toString(shape) + " = " + expected
                        + " bytes but its data_offsets span " + (end - begin));
            spans.add(new long[] {begin, end, names.size()});
            names.add(name);
            tensors.put(name, new MappedTensor(file, name, dtype, shape, data.asSlice(begin, end - begin)));
        }
        spans.sort(Comparator.<long[]>comparingLong(s -> s[0]).thenComparingLong(s -> s[1]));
        for (int i = 1; i < spans.size(); i++) {
            long[] prev = spans.get(i - 1), cur = spans.get(i);
            if (cur[0] < prev[1])
                throw new SaeFileException(file, "tensors '" + names.get((int) prev[2]) + "' and '" + names.get((int) cur[2]) + "' overlap");
        }
        return new Safetensors(file, tensors, metadata);
    }

    private static long[] nonNegativeLongs(Path file, String tensor, String field, JsonNode node, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length))
            throw new SaeFileException(file, "tensor '" + tensor + "': " + field + " is not an array"
                    + (length >= 0 ? " of " + length + " integers" : " of integers"));
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = node.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0)
                throw new SaeFileException(file, "tensor '" + tensor + "': " + field + " holds " + x + ", not a non-negative integer");
            out[i] = x.longValue();
        }
        return out;
    }

    public Path path() { return path; }

    /** Tensor names in header order. */
    public List<String> names() { return List.copyOf(tensors.keySet()); }

    public boolean contains(String name) { return tensors.containsKey(name); }

    /** The named tensor; fails with the names the file does hold. */
    public MappedTensor tensor(String name) {
        MappedTensor t = tensors.get(name);
        if (t == null) throw new SaeFileException(path, "no tensor '" + name + "' (the file holds " + SaeFileException.quote(names()) + ")");
        return t;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() { return metadata; }

    /** A float32 copy of the named tensor, owned by {@code arena} (see {@link MappedTensor#readFloat32}). */
    public Matrix readFloat32(String name, Arena arena) { return tensor(name).readFloat32(arena); }

    /** The named F32 tensor without a copy (see {@link MappedTensor#viewFloat32}). */
    public Matrix viewFloat32(String name) { return tensor(name).viewFloat32(); }

    /**
     * Writes float32 tensors, in the order given and contiguous, atomically. The JSON header is
     * padded with spaces so that the data starts 8-byte aligned, as the reference writer does.
     */
    public static void write(Path target, List<FloatTensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        AtomicFiles.write(target, ch -> {
            ByteBuffer length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            while (length.hasRemaining()) ch.write(length);
            TensorBytes.write(ch, header);
            for (FloatTensor t : tensors) TensorBytes.write(ch, t.values(), DType.F32);
        });
    }

    private static byte[] header(List<FloatTensor> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA_KEY);
            metadata.forEach(m::put);
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (FloatTensor t : tensors) {
            if (t.name().equals(METADATA_KEY) || !seen.add(t.name()))
                throw new IllegalArgumentException("tensor name '" + t.name() + "' is reserved or repeated");
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", DType.F32.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = offset + t.values().byteSize();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    @Override public String toString() { return path + " " + names(); }
}
