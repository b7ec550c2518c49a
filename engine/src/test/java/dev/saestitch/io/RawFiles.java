package dev.saestitch.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test files assembled byte by byte from the format specifications, with encoders written here
 * rather than taken from the code under test, so that a reader is checked against an
 * independent writer and a writer against an independent parser.
 */
public final class RawFiles {

    private RawFiles() {}

    public static byte[] f32le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    public static byte[] f64le(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putDouble(x);
        return b.array();
    }

    public static byte[] i32le(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putInt(x);
        return b.array();
    }

    /** IEEE half precision, by hand, for values it represents exactly (zero or normal, 11 significant bits). */
    public static short half(float x) {
        int bits = Float.floatToIntBits(x);
        int sign = (bits >>> 16) & 0x8000;
        if ((bits & 0x7fffffff) == 0) return (short) sign;
        int exponent = ((bits >>> 23) & 0xff) - 127;
        int mantissa = bits & 0x7fffff;
        if (exponent < -14 || exponent > 15 || (mantissa & 0x1fff) != 0) throw new IllegalArgumentException(x + " is not exact in float16");
        return (short) (sign | ((exponent + 15) << 10) | (mantissa >>> 13));
    }

    /** bfloat16 is the top half of a float32; exact when the low half is zero. */
    public static short bfloat(float x) {
        int bits = Float.floatToIntBits(x);
        if ((bits & 0xffff) != 0) throw new IllegalArgumentException(x + " is not exact in bfloat16");
        return (short) (bits >>> 16);
    }

    public static byte[] f16le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putShort(half(x));
        return b.array();
    }

    public static byte[] bf16le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putShort(bfloat(x));
        return b.array();
    }

    /** Random values with {@code bits} significant bits and small exponents: exact in float16 (bits ≤ 11) or bfloat16 (bits ≤ 8). */
    public static float[] exactValues(SplittableRandom rnd, int n, int bits) {
        float[] v = new float[n];
        int limit = 1 << bits;
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(-limit + 1, limit) / (float) (1 << rnd.nextInt(0, 11));
        return v;
    }

    public static float[] gaussians(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box–Muller; SplittableRandom has no nextGaussian
            double u = 1 - rnd.nextDouble(), w = rnd.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
        }
        return v;
    }

    /** A well-formed safetensors file: tensors in insertion order, header padded to 8 bytes. */
    public static final class SafetensorsBuilder {
        private final List<String> entries = new ArrayList<>();
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();

        public SafetensorsBuilder add(String name, String dtype, long[] shape, byte[] bytes) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < shape.length; i++) s.append(i > 0 ? "," : "").append(shape[i]);
            int begin = data.size();
            data.writeBytes(bytes);
            entries.add("\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + s + "],\"data_offsets\":[" + begin + "," + data.size() + "]}");
            return this;
        }

        public SafetensorsBuilder f32(String name, long[] shape, float[] values) {
            return add(name, "F32", shape, f32le(values));
        }

        public byte[] bytes() {
            String header = "{" + String.join(",", entries) + "}";
            int padded = (header.length() + 7) / 8 * 8;
            return safetensors(padded, header + " ".repeat(padded - header.length()), data.toByteArray());
        }

        public Path write(Path file) throws IOException {
            Files.write(file, bytes());
            return file;
        }
    }

    /** Raw safetensors bytes with the given header length field, header text and data (for malformed files). */
    public static byte[] safetensors(long headerLength, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).put(h).put(data).array();
    }

    /** A .npy file of format version {@code major} with the dict literal {@code dict}, padded as numpy pads it. */
    public static byte[] npy(int major, String dict, byte[] data) {
        int lengthBytes = major == 1 ? 2 : 4;
        int preamble = 8 + lengthBytes;
        byte[] text = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int total = (preamble + text.length + 1 + 63) / 64 * 64;
        int headerLength = total - preamble;
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (lengthBytes == 2) b.putShort((short) headerLength); else b.putInt(headerLength);
        b.put(text);
        for (int i = text.length; i < headerLength - 1; i++) b.put((byte) ' ');
        b.put((byte) '\n');
        b.put(data);
        return b.array();
    }

    public static long[] shape(long... dims) { return dims; }
}
