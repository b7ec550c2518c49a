package dev.saestitch.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element types of tensors in files, named as safetensors names them. Every type has its size so
 * that a file's layout can be validated; the floating-point ones convert to float32. Files are
 * little-endian whatever the machine, so reads and writes go through explicit little-endian
 * layouts (a plain copy on x86 and ARM).
 */
public enum DType {
    F64(8, true), F32(4, true), F16(2, true), BF16(2, true),
    F8_E5M2(1, false), F8_E4M3(1, false),
    I64(8, false), I32(4, false), I16(2, false), I8(1, false),
    U64(8, false), U32(4, false), U16(2, false), U8(1, false), BOOL(1, false);

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private final int byteSize;
    private final boolean readable;

    DType(int byteSize, boolean readable) {
        this.byteSize = byteSize;
        this.readable = readable;
    }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** Whether elements of this type can be read as float32 (F64, F32, F16, BF16). */
    public boolean readableAsFloat32() { return readable; }

    /** The type safetensors calls {@code name}, or null when there is none. */
    public static DType ofSafetensorsName(String name) {
        for (DType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    /** Element {@code byteOffset / byteSize()} of little-endian {@code src}, as float32. */
    public float getFloat(MemorySegment src, long byteOffset) {
        return switch (this) {
            case F32 -> src.get(LE_FLOAT, byteOffset);
            case F16 -> Float.float16ToFloat(src.get(LE_SHORT, byteOffset));
            case BF16 -> Float.intBitsToFloat((src.get(LE_SHORT, byteOffset) & 0xFFFF) << 16);
            case F64 -> (float) src.get(LE_DOUBLE, byteOffset);
            default -> throw unreadable();
        };
    }

    /**
     * Converts {@code count} little-endian elements of this type at {@code src[srcOffset..]} into
     * native float32 at {@code dst[dstOffset..]} (offsets in bytes; dst 4-byte aligned).
     */
    public void toFloat32(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long count) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, LE_FLOAT, srcOffset, dst, FLOAT, dstOffset, count);
            case F16 -> {
                for (long i = 0; i < count; i++)
                    dst.set(FLOAT, dstOffset + 4 * i, Float.float16ToFloat(src.get(LE_SHORT, srcOffset + 2 * i)));
            }
            case BF16 -> {
                for (long i = 0; i < count; i++)
                    dst.set(FLOAT, dstOffset + 4 * i, Float.intBitsToFloat((src.get(LE_SHORT, srcOffset + 2 * i) & 0xFFFF) << 16));
            }
            case F64 -> {
                for (long i = 0; i < count; i++)
                    dst.set(FLOAT, dstOffset + 4 * i, (float) src.get(LE_DOUBLE, srcOffset + 8 * i));
            }
            default -> throw unreadable();
        }
    }

    /**
     * Encodes {@code count} native float32 values at {@code src[srcOffset..]} as little-endian
     * elements of this type at {@code dst[dstOffset..]}; F16 rounds to nearest even. Only F32 and
     * F16 are written by saestitch.
     */
    public void fromFloat32(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long count) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, FLOAT, srcOffset, dst, LE_FLOAT, dstOffset, count);
            case F16 -> {
                for (long i = 0; i < count; i++)
                    dst.set(LE_SHORT, dstOffset + 2 * i, Float.floatToFloat16(src.get(FLOAT, srcOffset + 4 * i)));
            }
            default -> throw new IllegalArgumentException("writing " + this + " is not supported (F32 or F16)");
        }
    }

    private IllegalArgumentException unreadable() {
        return new IllegalArgumentException(this + " cannot be read as float32");
    }
}
