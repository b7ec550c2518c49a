package dev.saestitch.extract;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Small ONNX models written byte by byte for tests, independently of {@link ProtoWire}. The first:
 * X (2, 3) → MatMul W (3, 4) → H → Relu → Y (the only graph output), plus an initializer no
 * node reads. Node names carry scopes as PyTorch's exporter writes them.
 */
final class TinyOnnx {

    static final int ROWS = 2, IN = 3, OUT = 4;

    private TinyOnnx() {}

    static byte[] model(float[] w) {
        byte[] graph = cat(
                field(1, node("/block/MatMul", "MatMul", new String[] {"X", "W"}, "H")),
                field(1, node("/act/Relu", "Relu", new String[] {"H"}, "Y")),
                field(2, text("tiny")),
                field(5, tensor("W", new long[] {IN, OUT}, w)),
                field(5, tensor("unused", new long[] {2}, new float[] {1f, 2f})),
                field(11, valueInfo("X", new long[] {ROWS, IN})),
                field(12, valueInfo("Y", new long[] {ROWS, OUT})));
        byte[] opset = cat(field(1, text("")), varintField(2, 13));
        return cat(varintField(1, 8), field(7, graph), field(8, opset));
    }

    /**
     * A model with the inputs a transformer export has, computing (input_ids + position_ids) as
     * float, shaped (batch, tokens, 1): what {@link ActivationModel} feeds it can be read back.
     */
    static byte[] idsPlusPositions() {
        ByteBuffer axes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(2);
        byte[] axesTensor = cat(varintField(1, 1), varintField(2, 7), field(8, text("axes")), field(9, axes.array())); // INT64 [1]
        byte[] graph = cat(
                field(1, cat(node("/ids/Cast", "Cast", new String[] {"input_ids"}, "idf"), field(5, toFloat()))),
                field(1, cat(node("/pos/Cast", "Cast", new String[] {"position_ids"}, "posf"), field(5, toFloat()))),
                field(1, node("/sum/Add", "Add", new String[] {"idf", "posf"}, "sum")),
                field(1, node("/out/Unsqueeze", "Unsqueeze", new String[] {"sum", "axes"}, "y")),
                field(2, text("ids-plus-positions")),
                field(5, axesTensor),
                field(11, int64Input("input_ids")),
                field(11, int64Input("position_ids")),
                field(12, cat(field(1, text("y")))));
        byte[] opset = cat(field(1, text("")), varintField(2, 13));
        return cat(varintField(1, 8), field(7, graph), field(8, opset));
    }

    /** Cast's attribute to = FLOAT. */
    private static byte[] toFloat() { return cat(field(1, text("to")), varintField(3, 1), varintField(20, 2)); }

    /** An int64 input of shape (batch, tokens), both symbolic. */
    private static byte[] int64Input(String name) {
        byte[] shape = cat(field(1, field(2, text("batch"))), field(1, field(2, text("tokens"))));
        return cat(field(1, text(name)), field(2, field(1, cat(varintField(1, 7), field(2, shape)))));
    }

    private static byte[] node(String name, String op, String[] inputs, String output) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String in : inputs) out.writeBytes(field(1, text(in)));
        out.writeBytes(field(2, text(output)));
        out.writeBytes(field(3, text(name)));
        out.writeBytes(field(4, text(op)));
        return out.toByteArray();
    }

    private static byte[] tensor(String name, long[] dims, float[] values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long d : dims) out.writeBytes(varintField(1, d));
        out.writeBytes(varintField(2, 1)); // FLOAT
        out.writeBytes(field(8, text(name)));
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) raw.putFloat(v);
        out.writeBytes(field(9, raw.array()));
        return out.toByteArray();
    }

    private static byte[] valueInfo(String name, long[] dims) {
        ByteArrayOutputStream shape = new ByteArrayOutputStream();
        for (long d : dims) shape.writeBytes(field(1, varintField(1, d)));
        byte[] tensorType = cat(varintField(1, 1), field(2, shape.toByteArray()));
        return cat(field(1, text(name)), field(2, field(1, tensorType)));
    }

    private static byte[] text(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static byte[] field(int number, byte[] payload) { return cat(varint((long) number << 3 | 2), varint(payload.length), payload); }

    private static byte[] varintField(int number, long value) { return cat(varint((long) number << 3), varint(value)); }

    private static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
