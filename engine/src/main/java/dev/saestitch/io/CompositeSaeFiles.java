package dev.saestitch.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Our own directory layout for a {@link CompositeSae}, for composites that one SAELens SAE cannot
 * express (a TopK source; see {@link CompositeSae#toJumpRelu()} for the others). Self-contained,
 * two files, so that {@link AtomicFiles#replaceDirectory} can write and replace it whole:
 * <ul>
 *   <li>{@code cfg.json}: {@code "architecture": "saestitch_composite"}, {@code d_in}, {@code d_sae}, the
 *       hook and model names ({@link CompositeSae#hookMetadata()}) and any other metadata given, and
 *       per source its architecture, k, d_sae, apply_b_dec_to_input, input_scale (unfolded), the
 *       indices of the latents taken, and the source's metadata;</li>
 *   <li>{@code composite.safetensors}: the composite's {@code W_dec [F, D]} and {@code b_dec [D]} in
 *       the data's units, and each source's full weights as {@code sources.N.W_enc [F_s, D]}
 *       (rows are latents, unlike SAELens), {@code .b_enc}, {@code .W_dec}, {@code .b_dec},
 *       {@code .threshold}; a TopK source needs all of its latents to take its top-k.</li>
 * </ul>
 * Weights are stored as they are in memory, so a round trip is bit-exact.
 */
public final class CompositeSaeFiles {

    public static final String ARCHITECTURE = "saestitch_composite";
    public static final String CONFIG_FILE = "cfg.json";
    public static final String WEIGHTS_FILE = "composite.safetensors";
    private static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private CompositeSaeFiles() {}

    /** Whether {@code path} is a directory whose cfg.json says it holds a composite. */
    public static boolean isComposite(Path path) {
        Path cfg = path.resolve(CONFIG_FILE);
        if (!Files.isDirectory(path) || !Files.isRegularFile(cfg)) return false;
        try {
            JsonNode root = JSON.readTree(cfg.toFile());
            return root != null && ARCHITECTURE.equals(root.path("architecture").asText(null));
        } catch (IOException e) {
            return false;   // not ours to judge: the SAE loaders report what is wrong with it
        }
    }

    /**
     * Writes {@code composite} into directory {@code dir} atomically, replacing a composite already
     * there, with its hook metadata and {@code metadata} as top-level keys of cfg.json (a key of
     * the layout's own, such as {@code d_in}, keeps the layout's value).
     */
    public static void save(CompositeSae composite, Path dir, Map<String, Object> metadata) {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("architecture", ARCHITECTURE);
        cfg.put("format", FORMAT);
        cfg.put("d_in", composite.dIn());
        cfg.put("d_sae", composite.width());
        Map<String, Object> extra = new LinkedHashMap<>(composite.hookMetadata());
        extra.putAll(metadata);
        extra.forEach((key, value) -> {
            if (!key.equals("sources") && !cfg.has(key)) cfg.set(key, JSON.valueToTree(value));
        });
        ArrayNode sources = cfg.putArray("sources");
        List<FloatTensor> tensors = new ArrayList<>(List.of(FloatTensor.matrix("W_dec", composite.wDec()), FloatTensor.vector("b_dec", composite.bDec())));
        for (int s = 0; s < composite.sources().size(); s++) {
            CompositeSae.Source src = composite.sources().get(s);
            Sae sae = src.sae();
            ObjectNode o = sources.addObject();
            o.put("architecture", sae.architecture().cliName());
            o.put("k", sae.k());
            o.put("d_sae", sae.width());
            o.put("apply_b_dec_to_input", sae.centreInput());
            o.put("input_scale", sae.inputScale());
            ArrayNode latents = o.putArray("latents");
            for (int l : src.latents()) latents.add(l);
            o.set("metadata", JSON.valueToTree(sae.metadata()));
            String p = "sources." + s + ".";
            tensors.add(FloatTensor.matrix(p + "W_enc", sae.wEnc()));
            tensors.add(FloatTensor.vector(p + "b_enc", sae.bEnc()));
            tensors.add(FloatTensor.matrix(p + "W_dec", sae.wDec()));
            tensors.add(FloatTensor.vector(p + "b_dec", sae.bDec()));
            if (sae.threshold() != null) tensors.add(FloatTensor.vector(p + "threshold", sae.threshold()));
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(cfg);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("SAE metadata cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
        AtomicFiles.replaceDirectory(dir, Set.of(CONFIG_FILE, WEIGHTS_FILE), tmp -> {
            Safetensors.write(tmp.resolve(WEIGHTS_FILE), tensors, Map.of());
            AtomicFiles.writeDurably(tmp.resolve(CONFIG_FILE), ch -> {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
            });
        });
    }

    /** Reads the composite in {@code dir}; it owns the source SAEs it read, so closing it frees everything. */
    public static CompositeSae load(Path dir) {
        Path cfgFile = dir.resolve(CONFIG_FILE), weights = dir.resolve(WEIGHTS_FILE);
        JsonNode cfg = readConfig(cfgFile);
        if (cfg.path("format").asInt(-1) != FORMAT) throw new SaeFileException(cfgFile, "composite format " + cfg.path("format") + " is not " + FORMAT);
        int d = positive(cfgFile, cfg, "d_in"), f = positive(cfgFile, cfg, "d_sae");
        JsonNode sourceList = cfg.path("sources");
        if (!sourceList.isArray() || sourceList.isEmpty()) throw new SaeFileException(cfgFile, "'sources' must be a non-empty list");
        List<CompositeSae.Source> sources = new ArrayList<>();
        SaeFiles.requireFitsInMemory(weights);
        try (Arena arena = Arena.ofConfined()) {
            Safetensors file = Safetensors.open(weights, arena);
            for (int s = 0; s < sourceList.size(); s++) sources.add(readSource(cfgFile, file, arena, sourceList.get(s), s, d));
            int taken = sources.stream().mapToInt(CompositeSae.Source::count).sum();
            if (taken != f) throw new SaeFileException(cfgFile, "d_sae is " + f + " but the sources take " + taken + " latents");
            Matrix wDec = read(file, "W_dec", arena, f, d), bDec = read(file, "b_dec", arena, 1, d);
            Set<String> expected = new HashSet<>(List.of("W_dec", "b_dec"));
            for (int s = 0; s < sources.size(); s++)
                for (String t : new String[] {"W_enc", "b_enc", "W_dec", "b_dec", "threshold"}) expected.add("sources." + s + "." + t);
            for (String name : file.names())
                if (!expected.contains(name)) throw new SaeFileException(weights, "unexpected tensor '" + name + "' in a composite");
            return CompositeSae.withDecoder(sources, wDec, bDec, true);
        } catch (RuntimeException e) {
            for (CompositeSae.Source s : sources) s.sae().close();
            if (e instanceof IllegalArgumentException && !(e instanceof SaeFileException)) throw new SaeFileException(dir, e.getMessage(), e);
            throw e;
        }
    }

    private static JsonNode readConfig(Path cfgFile) {
        if (!Files.isRegularFile(cfgFile)) throw new SaeFileException(cfgFile, "missing (a composite SAE directory needs a cfg.json)");
        try {
            JsonNode cfg = JSON.readTree(cfgFile.toFile());
            if (cfg == null || !cfg.isObject()) throw new SaeFileException(cfgFile, "is not a JSON object");
            if (!ARCHITECTURE.equals(cfg.path("architecture").asText(null)))
                throw new SaeFileException(cfgFile, "'architecture' is not '" + ARCHITECTURE + "'");
            return cfg;
        } catch (JsonProcessingException e) {
            throw new SaeFileException(cfgFile, "is not a JSON object: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SaeFileException(cfgFile, "cannot read: " + e, e);
        }
    }

    private static CompositeSae.Source readSource(Path cfgFile, Safetensors file, Arena arena, JsonNode o, int s, int d) {
        String where = "sources[" + s + "]";
        Architecture arch;
        try {
            arch = Architecture.parse(o.path("architecture").asText(""));
        } catch (IllegalArgumentException e) {
            throw new SaeFileException(cfgFile, where + ": " + e.getMessage());
        }
        int width = positive(cfgFile, o, "d_sae");
        if (!o.path("k").canConvertToInt() || !o.path("apply_b_dec_to_input").isBoolean() || !o.path("input_scale").isNumber() || !o.path("latents").isArray())
            throw new SaeFileException(cfgFile, where + " needs k, apply_b_dec_to_input, input_scale and latents");
        int[] latents = new int[o.path("latents").size()];
        for (int i = 0; i < latents.length; i++) {
            JsonNode l = o.path("latents").get(i);
            if (!l.canConvertToInt() || !l.isIntegralNumber()) throw new SaeFileException(cfgFile, where + ".latents[" + i + "] is not an integer");
            latents[i] = l.intValue();
        }
        Sae sae;
        try {
            sae = new Sae(arch, d, width, o.path("k").intValue(), o.path("apply_b_dec_to_input").booleanValue());
        } catch (IllegalArgumentException e) {
            throw new SaeFileException(cfgFile, where + ": " + e.getMessage());
        }
        try {
            sae.setInputScale((float) o.path("input_scale").doubleValue());
            String p = "sources." + s + ".";
            sae.wEnc().copyFrom(read(file, p + "W_enc", arena, width, d));
            sae.bEnc().copyFrom(read(file, p + "b_enc", arena, 1, width));
            sae.wDec().copyFrom(read(file, p + "W_dec", arena, width, d));
            sae.bDec().copyFrom(read(file, p + "b_dec", arena, 1, d));
            if (sae.threshold() != null) sae.threshold().copyFrom(read(file, p + "threshold", arena, 1, width));
            if (o.path("metadata").isObject())
                sae.metadata().putAll(JSON.convertValue(o.path("metadata"), LinkedHashMap.class));
            return new CompositeSae.Source(sae, latents);
        } catch (RuntimeException e) {
            sae.close();
            if (e instanceof IllegalArgumentException && !(e instanceof SaeFileException)) throw new SaeFileException(cfgFile, where + ": " + e.getMessage(), e);
            throw e;
        }
    }

    /** The named tensor with exactly rows×cols elements ([rows, cols], or [cols] when rows is 1), finite, copied into {@code arena}. */
    private static Matrix read(Safetensors file, String name, Arena arena, int rows, int cols) {
        if (!file.contains(name)) throw new SaeFileException(file.path(), "missing tensor '" + name + "'");
        MappedTensor t = file.tensor(name);
        long[] want = rows == 1 ? new long[] {cols} : new long[] {rows, cols};
        if (!Arrays.equals(t.shape(), want)) throw new SaeFileException(file.path(), t.describe() + ", expected shape " + Arrays.toString(want));
        Matrix m = new Matrix(t.readFloat32(arena).data(), rows, cols);
        for (long i = 0; i < m.size(); i++)
            if (!Float.isFinite(m.getFlat(i))) throw new SaeFileException(file.path(), t.describe() + " holds a non-finite value at " + i);
        return m;
    }

    private static int positive(Path cfgFile, JsonNode o, String key) {
        JsonNode v = o.path(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) throw new SaeFileException(cfgFile, "'" + key + "' must be a positive integer, got " + v);
        return v.intValue();
    }
}
