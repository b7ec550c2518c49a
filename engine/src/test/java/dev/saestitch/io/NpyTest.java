package dev.saestitch.io;

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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class NpyTest {

    @TempDir Path tmp;

    /** Files laid out by hand in every format version numpy writes, as numpy formats the header. */
    @Test void readsVersions1To3InF4F2F8() throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] f4 = RawFiles.gaussians(rnd, 7 * 5);
        float[] f2 = RawFiles.exactValues(rnd, 9 * 4, 11);
        double[] f8 = new double[3 * 2];
        for (int i = 0; i < f8.length; i++) f8[i] = rnd.nextDouble(-5, 5);
        Object[][] cases = {
                {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (7, 5), }", RawFiles.f32le(f4), f4, "7x5"},
                {2, "{'descr': '<f2', 'fortran_order': False, 'shape': (9, 4), }", RawFiles.f16le(f2), f2, "9x4"},
                {3, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (3L, 2L)}", RawFiles.f64le(f8), toFloats(f8), "3x2"},
        };
        try (Arena arena = Arena.ofConfined()) {
            for (Object[] c : cases) {
                Path file = Files.write(tmp.resolve("v" + c[0] + ".npy"), RawFiles.npy((int) c[0], (String) c[1], (byte[]) c[2]));
                MappedTensor t = Npy.open(file, arena);
                Matrix m = t.readFloat32(arena);
                assertEquals(c[4], m.shape());
                assertArrayEquals((float[]) c[3], m.toArray(), "version " + c[0]);
            }
        }
    }

    @Test void f32WriterMatchesTheFormatByteForByte() throws IOException {
        SplittableRandom rnd = new SplittableRandom(12);
        float[] v = RawFiles.gaussians(rnd, 13 * 6);
        Path file = tmp.resolve("x.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(file, Matrix.of(arena, 13, 6, v), DType.F32);
        }
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, Arrays.copyOf(bytes, 8));
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        assertEquals(0, (10 + headerLength) % 64, "data aligned to 64 bytes as numpy aligns it");
        String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (13, 6), }", header.stripTrailing());
        assertTrue(header.endsWith("\n"));
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4 * v.length, data.remaining());
        for (float x : v) assertEquals(Float.floatToRawIntBits(x), data.getInt());
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(v, Npy.open(file, arena).viewFloat32().toArray(), "written data is aligned for a zero-copy view");
        }
    }

    /** Rows pushed in blocks of any size give the same bytes as the pull-style writer; a short or aborted array leaves no file. */
    @Test void pushedRowsMatchThePulledWriterAndIncompleteArraysVanish() throws IOException {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] v = RawFiles.gaussians(rnd, 11 * 7);
        Path pulled = tmp.resolve("pulled.npy"), pushed = tmp.resolve("pushed.npy"), shortOne = tmp.resolve("short.npy");
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.of(arena, 11, 7, v);
            Npy.write(pulled, m, DType.F16);
            try (Npy.Writer w = Npy.writer(pushed, 11, 7, DType.F16)) {
                w.append(m.rows(0, 4));
                w.append(m.rows(4, 1));
                w.append(m.rows(5, 6));
                assertThrows(IllegalArgumentException.class, () -> w.append(m.rows(0, 1)), "a row past the header's count");
                w.commit();
            }
            try (Npy.Writer w = Npy.writer(shortOne, 11, 7, DType.F32)) {
                w.append(m.rows(0, 10));
                assertThrows(IllegalStateException.class, w::commit);
            }
        }
        assertArrayEquals(Files.readAllBytes(pulled), Files.readAllBytes(pushed));
        assertFalse(Files.exists(shortOne));
        try (var left = Files.list(tmp)) {
            assertEquals(2, left.count(), "no temporary file is left behind");
        }
    }

    /**
     * float16 encodings derived from IEEE 754 binary16 by hand: 1 = 0x3C00, −2 = 0xC000, the largest
     * finite 65504 = 0x7BFF, the smallest normal 2^−14 = 0x0400, the smallest subnormal 2^−24 = 0x0001,
     * 0.1 = 1.6·2^−4 → exponent 11, mantissa round(0.6·1024) = 614 → 0x2E66; ties go to even:
     * 1+2^−11 → 0x3C00 and 1+3·2^−11 → 0x3C02; 65520 (halfway to 65536) overflows to +inf 0x7C00.
     */
    @Test void f16WriterRoundsToNearestEven() throws IOException {
        float[] v = {1f, -2f, 65504f, 0x1p-14f, 0x1p-24f, 0.1f, 1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 65520f, 0f};
        int[] bits = {0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0001, 0x2E66, 0x3C00, 0x3C02, 0x7C00, 0x0000};
        Path file = tmp.resolve("h.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(file, Matrix.of(arena, 2, 5, v), DType.F16);
        }
        byte[] bytes = Files.readAllBytes(file);
        int dataStart = bytes.length - 2 * v.length;
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, 2 * v.length).slice().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) assertEquals(bits[i], data.getShort() & 0xffff, "value " + v[i]);
        assertTrue(new String(bytes, 10, dataStart - 10, StandardCharsets.ISO_8859_1).startsWith("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 5), }"));
    }

    /** Round trip through float16: error at most half an ulp, 2^−11 relative, across the normal range. */
    @Test void f16RoundTripWithinHalfAnUlp() {
        SplittableRandom rnd = new SplittableRandom(13);
        int n = 31 * 7;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(2, rnd.nextDouble(-14, 15.99)));
        Path file = tmp.resolve("rt.npy");
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(file, Matrix.of(arena, 31, 7, v), DType.F16);
            MappedTensor t = Npy.open(file, arena);
            assertEquals(DType.F16, t.dtype());
            float[] back = t.readFloat32(arena).toArray();
            for (int i = 0; i < n; i++) assertTrue(Math.abs(back[i] - v[i]) <= 0x1p-11 * Math.abs(v[i]), v[i] + " -> " + back[i]);
        }
    }

    @Test void malformedFilesFailWithThePathAndTheProblem() throws IOException {
        byte[] six = RawFiles.f32le(new float[] {1, 2, 3, 4, 5, 6});
        String ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        byte[] valid = RawFiles.npy(1, ok, six);
        byte[] badMagic = valid.clone();
        badMagic[1] = 'X';
        byte[] v4 = valid.clone();
        v4[6] = 4;
        byte[] shortHeader = Arrays.copyOf(valid, 40);
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("no \\x93NUMPY magic", badMagic);
        cases.put("format version 4", v4);
        cases.put("runs past the end", shortHeader);
        cases.put("not a numpy dict literal", RawFiles.npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", six));
        cases.put("dtype '>f4'", RawFiles.npy(1, ok.replace("<f4", ">f4"), six));
        cases.put("dtype '<i4'", RawFiles.npy(1, ok.replace("<f4", "<i4"), six));
        cases.put("Fortran order", RawFiles.npy(1, ok.replace("False", "True"), six));
        cases.put("shape [6]", RawFiles.npy(1, ok.replace("(2, 3)", "(6,)"), six));
        cases.put("shape [1, 2, 3]", RawFiles.npy(1, ok.replace("(2, 3)", "(1, 2, 3)"), six));
        cases.put("no 'shape'", RawFiles.npy(1, "{'descr': '<f4', 'fortran_order': False}", six));
        cases.put("needs 24: truncated", Arrays.copyOf(valid, valid.length - 4));
        cases.put("holds 28 data bytes", Arrays.copyOf(valid, valid.length + 4));
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            Path file = Files.write(tmp.resolve("bad-" + c.getKey().replaceAll("[^a-zA-Z0-9]", "") + ".npy"), c.getValue());
            try (Arena arena = Arena.ofConfined()) {
                SaeFileException e = assertThrows(SaeFileException.class, () -> Npy.open(file, arena), c.getKey());
                assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
                assertTrue(e.getMessage().contains(c.getKey()), c.getKey() + " -> " + e.getMessage());
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            assertEquals("2x3", Npy.open(Files.write(tmp.resolve("ok.npy"), valid), arena).readFloat32(arena).shape());
        }
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
