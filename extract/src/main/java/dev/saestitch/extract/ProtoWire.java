package dev.saestitch.extract;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The protobuf wire format, as much as reading and re-writing an ONNX model's graph needs: walk
 * the fields of a message, copy them, append length-delimited fields. No generated classes, so no
 * protobuf runtime or ONNX schema is needed.
 */
final class ProtoWire {

    private static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

    /** One field of a message: its number, wire type and the bytes it spans in {@code source}. */
    record Field(int number, int wireType, byte[] source, int start, int valueStart, int end) {

        /** The payload of a length-delimited field. */
        byte[] bytes() {
            byte[] out = new byte[end - valueStart];
            System.arraycopy(source, valueStart, out, 0, out.length);
            return out;
        }

        String string() { return new String(source, valueStart, end - valueStart, StandardCharsets.UTF_8); }

        boolean isMessage() { return wireType == LENGTH_DELIMITED; }

        /** The whole field, tag included, as it appears on the wire. */
        void copyTo(ByteArrayOutputStream out) { out.write(source, start, end - start); }
    }

    private ProtoWire() {}

    /** Calls {@code visit} for each field of the message {@code bytes}, in wire order. */
    static void forEachField(byte[] bytes, Consumer<Field> visit) {
        int to = bytes.length;
        int[] at = {0};
        while (at[0] < to) {
            int start = at[0];
            long tag = readVarint(bytes, at);
            int number = (int) (tag >>> 3), wireType = (int) (tag & 7);
            int valueStart = at[0];
            int end = switch (wireType) {
                case VARINT -> { readVarint(bytes, at); yield at[0]; }
                case FIXED64 -> at[0] + 8;
                case FIXED32 -> at[0] + 4;
                case LENGTH_DELIMITED -> {
                    long length = readVarint(bytes, at);
                    valueStart = at[0];
                    if (length < 0 || length > to - valueStart) throw new IllegalArgumentException("field " + number + " runs past its message");
                    yield (int) (valueStart + length);
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType + " in field " + number);
            };
            if (end > to) throw new IllegalArgumentException("field " + number + " runs past its message");
            at[0] = end;
            visit.accept(new Field(number, wireType, bytes, start, valueStart, end));
        }
    }

    /** Appends field {@code number} holding the length-delimited {@code payload}. */
    static void writeBytes(ByteArrayOutputStream out, int number, byte[] payload) {
        writeVarint(out, ((long) number << 3) | LENGTH_DELIMITED);
        writeVarint(out, payload.length);
        out.write(payload, 0, payload.length);
    }

    private static long readVarint(byte[] bytes, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= bytes.length) throw new IllegalArgumentException("truncated varint");
            int b = bytes[at[0]++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
