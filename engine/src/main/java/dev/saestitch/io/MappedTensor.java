package dev.saestitch.io;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor inside a memory-mapped file: its element type, its shape and its bytes (a slice of
 * the mapping, owned by the arena that mapped the file). Reads convert to float32 on the way out;
 * nothing is copied into the heap.
 */
public final class MappedTensor {

    private final Path file;
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final MemorySegment bytes;

    /**
     * @param name the tensor's name in its file, or null for a file that holds one array (.npy)
     * @param bytes exactly the tensor's bytes: product(shape) × dtype size
     */
    public MappedTensor(Path file, String name, DType dtype, long[] shape, MemorySegment bytes) {
        long count = 1;
        for (long d : shape) count = Math.multiplyExact(count, d);
        if (bytes.byteSize() != count * dtype.byteSize())
            throw new IllegalArgumentException(bytes.byteSize() + " bytes for " + dtype + " " + Arrays.toString(shape));
        this.file = file;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.bytes = bytes;
    }

    public Path file() { return file; }
    public String name() { return name; }
    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }
    public long elementCount() { return bytes.byteSize() / dtype.byteSize(); }
    /** The raw little-endian bytes, a view of the mapping. */
    public MemorySegment bytes() { return bytes; }

    /** e.g. {@code tensor 'W_enc' (F32 [128, 1024])}, or {@code F16 [1000, 64]} for a lone array. */
    public String describe() {
        String what = dtype + " " + Arrays.toString(shape);
        return name == null ? what : "tensor '" + name + "' (" + what + ")";
    }

    /** A float32 copy as a matrix owned by {@code arena}: a [R, C] tensor is R×C, [N] is 1×N, a scalar 1×1. */
    public Matrix readFloat32(Arena arena) {
        requireReadable();
        Matrix m = Matrix.allocate(arena, matrixRows(), matrixCols());
        dtype.toFloat32(bytes, 0, m.data(), 0, elementCount());
        return m;
    }

    /**
     * {@link #readFloat32}, refusing a NaN or ±Inf (after conversion) with its row and column:
     * for data such as true feature directions, where one would make every metric NaN.
     */
    public Matrix readFiniteFloat32(Arena arena) {
        Matrix m = readFloat32(arena);
        long bad = firstNonFinite(m.data(), 0, m.size());
        if (bad >= 0)
            throw fail("holds " + m.getFlat(bad) + " (as float32) at row " + bad / m.cols() + ", column " + bad % m.cols() + "; values must be finite");
        return m;
    }

    /** The index of the first NaN or ±Inf among {@code count} native float32 values at {@code data[byteOffset..]}, or -1. */
    public static long firstNonFinite(MemorySegment data, long byteOffset, long count) {
        for (long j = 0; j < count; j++)
            if (!Float.isFinite(data.get(ValueLayout.JAVA_FLOAT, byteOffset + j * Float.BYTES))) return j;
        return -1;
    }

    /**
     * The tensor's own bytes seen as a matrix, without a copy, valid while the mapping's arena is
     * open and read-only. Possible for F32 data that is 4-byte aligned in the file (every file
     * saestitch writes) on a little-endian machine.
     */
    public Matrix viewFloat32() {
        if (dtype != DType.F32)
            throw fail("is " + dtype + "; a zero-copy view needs F32 (use readFloat32 to convert)");
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw fail("cannot be viewed without a copy on a big-endian machine (use readFloat32)");
        if (bytes.address() % Float.BYTES != 0)
            throw fail("is not 4-byte aligned in the file (use readFloat32)");
        return new Matrix(bytes, matrixRows(), matrixCols());
    }

    /** Converts every element into {@code dst}, which must hold exactly as many (row-major, same order). */
    public void readInto(Matrix dst) {
        requireReadable();
        if (dst.size() != elementCount())
            throw new IllegalArgumentException(describe() + " into a " + dst.shape() + " matrix");
        dtype.toFloat32(bytes, 0, dst.data(), 0, elementCount());
    }

    /** Reads a [R, C] tensor transposed into the C×R matrix {@code dst}. */
    public void readTransposedInto(Matrix dst) {
        requireReadable();
        if (rank() != 2 || dst.rows() != shape[1] || dst.cols() != shape[0])
            throw new IllegalArgumentException(describe() + " transposed into a " + dst.shape() + " matrix");
        int r = dst.cols(), c = dst.rows();
        int size = dtype.byteSize();
        final int tile = 64; // a tile of source rows and columns stays in cache on both sides
        for (int r0 = 0; r0 < r; r0 += tile) {
            int r1 = Math.min(r, r0 + tile);
            for (int c0 = 0; c0 < c; c0 += tile) {
                int c1 = Math.min(c, c0 + tile);
                for (int i = r0; i < r1; i++)
                    for (int j = c0; j < c1; j++)
                        dst.set(j, i, dtype.getFloat(bytes, ((long) i * c + j) * size));
            }
        }
    }

    /**
     * Converts row {@code row} into float32 at {@code dst[dstOffset..]} (bytes), the tensor seen
     * as rows of its last dimension: a C-order (d0, …, dk, D) tensor is a (d0·…·dk, D) matrix
     * over the same bytes.
     */
    public void readRow(long row, MemorySegment dst, long dstOffset) {
        long cols = shape[shape.length - 1];
        dtype.toFloat32(bytes, row * cols * dtype.byteSize(), dst, dstOffset, cols);
    }

    /** Fails unless the elements convert to float32. */
    public void requireReadable() {
        if (!dtype.readableAsFloat32())
            throw fail("has dtype " + dtype + "; expected a floating-point type (F32, F16, BF16 or F64)");
    }

    private int matrixRows() {
        if (rank() > 2) throw fail("has " + rank() + " dimensions; a matrix has at most 2");
        return rank() == 2 ? toInt(shape[0]) : 1;
    }

    private int matrixCols() {
        return rank() == 0 ? 1 : toInt(shape[rank() - 1]);
    }

    private int toInt(long d) {
        if (d > Integer.MAX_VALUE) throw fail("has a dimension of " + d + ", more than a matrix can index");
        return (int) d;
    }

    private SaeFileException fail(String problem) {
        String what = name == null ? "the array" : "tensor '" + name + "'";
        return new SaeFileException(file, what + " " + problem);
    }
}
