package dev.saestitch.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.saestitch.io.RawFiles.shape;
import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {

    @TempDir Path tmp;

    /** Our writer checked by parsing its bytes here, against the layout the reference implementation expects. */
    @Test void writerProducesTheSpecifiedLayout() throws IOException {
        SplittableRandom rnd = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.of(arena, 7, 13, RawFiles.gaussians(rnd, 91));
            Matrix b = Matrix.of(arena, 1, 5, RawFiles.gaussians(rnd, 5));
            Matrix c = Matrix.of(arena, 3, 1, RawFiles.gaussians(rnd, 3));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("note", "quote \" and ünïcode");
            Path file = tmp.resolve("w.safetensors");
            Safetensors.write(file, List.of(FloatTensor.matrix("zeta", a), FloatTensor.vector("alpha", b), FloatTensor.matrix("mid", c)), meta);

            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = buf.getLong(0);
            assertEquals(0, n % 8, "header padded to 8 bytes");
            String headerText = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            String json = headerText.stripTrailing();
            assertTrue(json.endsWith("}"));
            assertEquals(" ".repeat(headerText.length() - json.length()), headerText.substring(json.length()), "padding is spaces");
            JsonNode header = new ObjectMapper().readTree(headerText);
            Iterator<String> keys = header.fieldNames();
            assertEquals(List.of("__metadata__", "zeta", "alpha", "mid"), iteratorToList(keys));
            assertEquals("pt", header.get("__metadata__").get("format").textValue());
            assertEquals("quote \" and ünïcode", header.get("__metadata__").get("note").textValue());

            long expectedBegin = 0;
            Object[][] expect = {{"zeta", a, List.of(7L, 13L)}, {"alpha", b, List.of(5L)}, {"mid", c, List.of(3L, 1L)}};
            for (Object[] e : expect) {
                JsonNode t = header.get((String) e[0]);
                Matrix m = (Matrix) e[1];
                assertEquals("F32", t.get("dtype").textValue());
                List<Long> shape = new ArrayList<>();
                t.get("shape").forEach(x -> shape.add(x.longValue()));
                assertEquals(e[2], shape);
                long begin = t.get("data_offsets").get(0).longValue(), end = t.get("data_offsets").get(1).longValue();
                assertEquals(expectedBegin, begin, "tensors are contiguous in header order");
                assertEquals(m.size() * 4, end - begin);
                float[] values = m.toArray();
                for (int i = 0; i < values.length; i++)
                    assertEquals(Float.floatToRawIntBits(values[i]), buf.getInt((int) (8 + n + begin + 4L * i)));
                expectedBegin = end;
            }
            assertEquals(8 + n + expectedBegin, bytes.length, "no bytes after the last tensor");
        }
    }

    /** Every readable dtype from a file assembled by hand, converted exactly. */
    @Test void readsF32F16Bf16F64() throws IOException {
        SplittableRandom rnd = new SplittableRandom(2);
        float[] f32 = RawFiles.gaussians(rnd, 5 * 9);
        float[] f16 = RawFiles.exactValues(rnd, 11 * 3, 11);
        float[] bf16 = RawFiles.exactValues(rnd, 17, 8);
        double[] f64 = new double[6];
        for (int i = 0; i < f64.length; i++) f64[i] = rnd.nextDouble(-3, 3);
        Path file = new RawFiles.SafetensorsBuilder()
                .f32("a", shape(5, 9), f32)
                .add("h", "F16", shape(11, 3), RawFiles.f16le(f16))
                .add("b", "BF16", shape(17), RawFiles.bf16le(bf16))
                .add("d", "F64", shape(2, 3), RawFiles.f64le(f64))
                .add("i", "I32", shape(2), RawFiles.i32le(new int[] {1, 2}))
                .write(tmp.resolve("mixed.safetensors"));
        try (Arena arena = Arena.ofConfined()) {
            Safetensors st = Safetensors.open(file, arena);
            assertEquals(List.of("a", "h", "b", "d", "i"), st.names());
            assertEquals(DType.F16, st.tensor("h").dtype());
            assertArrayEquals(f32, st.readFloat32("a", arena).toArray());
            assertArrayEquals(f32, st.viewFloat32("a").toArray(), "zero-copy view sees the same values");
            assertEquals("5x9", st.viewFloat32("a").shape());
            Matrix h = st.readFloat32("h", arena);
            assertEquals("11x3", h.shape());
            assertArrayEquals(f16, h.toArray());
            Matrix b = st.readFloat32("b", arena);
            assertEquals("1x17", b.shape());
            assertArrayEquals(bf16, b.toArray());
            float[] d = st.readFloat32("d", arena).toArray();
            for (int i = 0; i < f64.length; i++) assertEquals((float) f64[i], d[i]);

            Matrix t = Matrix.allocate(arena, 3, 11);
            st.tensor("h").readTransposedInto(t);
            for (int r = 0; r < 11; r++)
                for (int c = 0; c < 3; c++) assertEquals(f16[r * 3 + c], t.get(c, r));

            SaeFileException notF32 = assertThrows(SaeFileException.class, () -> st.viewFloat32("h"));
            assertTrue(notF32.getMessage().startsWith(file + ": tensor 'h' is F16"), notF32.getMessage());
            SaeFileException integer = assertThrows(SaeFileException.class, () -> st.readFloat32("i", arena));
            assertTrue(integer.getMessage().contains("I32"), integer.getMessage());
            SaeFileException missing = assertThrows(SaeFileException.class, () -> st.tensor("nope"));
            assertTrue(missing.getMessage().contains("[a, h, b, d, i]"), missing.getMessage());
        }
    }

    @Test void roundTripIsBitExact() throws IOException {
        SplittableRandom rnd = new SplittableRandom(3);
        Path file = tmp.resolve("rt.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            float[] v = RawFiles.gaussians(rnd, 33 * 17);
            v[5] = -0f;
            v[6] = Float.MIN_VALUE;
            Matrix m = Matrix.of(arena, 33, 17, v);
            Safetensors.write(file, List.of(FloatTensor.matrix("m", m)), Map.of("k", "v"));
            // overwrite in place: the second write replaces the first atomically
            Safetensors.write(file, List.of(FloatTensor.matrix("m", m)), Map.of("k", "w"));
            Safetensors st = Safetensors.open(file, arena);
            assertEquals(Map.of("k", "w"), st.metadata());
            float[] back = st.readFloat32("m", arena).toArray();
            for (int i = 0; i < v.length; i++) assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i]));
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
        Path plain = Files.createFile(tmp.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file), "permissions follow the umask, as for any new file");
    }

    @Test void malformedFilesFailWithThePathAndTheProblem() throws IOException {
        byte[] data = RawFiles.f32le(new float[] {1, 2, 3, 4, 5, 6});
        String ok = "\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}";
        byte[] valid = RawFiles.safetensors(("{" + ok + "}").length(), "{" + ok + "}", data);
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("too short", new byte[] {1, 2, 3});
        cases.put("header length", RawFiles.safetensors(0, "", data));
        cases.put("runs past the end", RawFiles.safetensors(5000, "{}", data));
        cases.put("not in [1,", RawFiles.safetensors(1L << 40, "{}", data));
        cases.put("not valid JSON", header("{\"x\":{\"dtype\":", data));
        cases.put("not a JSON object", header("[1,2]", data));
        cases.put("has no dtype", header("{\"x\":{\"shape\":[2,3],\"data_offsets\":[0,24]}}", data));
        cases.put("unknown dtype 'F17'", header("{\"x\":{\"dtype\":\"F17\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", data));
        cases.put("not a non-negative integer", header("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,24]}}", data));
        cases.put("data_offsets is not an array of 2", header("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0]}}", data));
        cases.put("begin > end", header("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", data));
        cases.put("truncated", Arrays.copyOf(valid, valid.length - 4));
        cases.put("overlap", header("{" + ok + ",\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", data));
        cases.put("but its data_offsets span 20", header("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", data));
        cases.put("is not a string", header("{\"__metadata__\":{\"a\":1}," + ok + "}", data));
        cases.put("Duplicate field", header("{" + ok + "," + ok + "}", data));
        cases.put("file is empty", new byte[0]);
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path file = tmp.resolve("bad-" + c.getKey().replaceAll("[^a-zA-Z]", "") + ".safetensors");
            Files.write(file, c.getValue());
            try (Arena arena = Arena.ofConfined()) {
                SaeFileException e = assertThrows(SaeFileException.class, () -> Safetensors.open(file, arena), c.getKey());
                assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
                assertTrue(e.getMessage().contains(c.getKey()), c.getKey() + " -> " + e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                assertEquals(file, e.path());
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            Safetensors.open(writeTo("valid.safetensors", valid), arena);
            Path missing = tmp.resolve("missing.safetensors");
            assertEquals(missing + ": no such file", assertThrows(SaeFileException.class, () -> Safetensors.open(missing, arena)).getMessage());
            assertEquals(tmp + ": not a regular file", assertThrows(SaeFileException.class, () -> Safetensors.open(tmp, arena)).getMessage());
        }
    }

    private Path writeTo(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private static byte[] header(String json, byte[] data) {
        return RawFiles.safetensors(json.getBytes(StandardCharsets.UTF_8).length, json, data);
    }

    private static List<String> iteratorToList(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
