package dev.saestitch.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A row-major float32 matrix in native memory. A Matrix is a view: the {@link Arena} that
 * allocated its segment owns the memory. {@code onDevice} tags memory of a device backend: its
 * address means nothing on the host, so every element accessor checks the tag and throws
 * instead of crashing the process; such a matrix is read by copying it to the host first
 * (Backend#download).
 */
public record Matrix(MemorySegment data, int rows, int cols, boolean onDevice) {

    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    /** A thread that owns no arena: memory it may access is memory every thread may access. */
    private static final Thread ANOTHER_THREAD = Thread.ofVirtual().unstarted(() -> {});

    public Matrix {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        if (data.byteSize() < (long) rows * cols * Float.BYTES)
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for " + rows + "x" + cols);
    }

    /** A host matrix over {@code data}. */
    public Matrix(MemorySegment data, int rows, int cols) { this(data, rows, cols, false); }

    /** A device matrix over {@code data}, a segment whose address is device memory (no host access). */
    public static Matrix onDevice(MemorySegment data, int rows, int cols) { return new Matrix(data, rows, cols, true); }

    /** A zero-filled host matrix owned by {@code arena}. */
    public static Matrix allocate(Arena arena, int rows, int cols) {
        return new Matrix(arena.allocate((long) rows * cols * Float.BYTES, 64), rows, cols);
    }

    /** A host matrix owned by {@code arena} holding a copy of {@code values} (row-major). */
    public static Matrix of(Arena arena, int rows, int cols, float[] values) {
        if (values.length != (long) rows * cols)
            throw new IllegalArgumentException(values.length + " values for a " + rows + "x" + cols + " matrix");
        Matrix m = allocate(arena, rows, cols);
        MemorySegment.copy(values, 0, m.data, FLOAT, 0, values.length);
        return m;
    }

    public long size() { return (long) rows * cols; }

    /** Whether threads other than the allocating one may use this memory (false for a confined arena). */
    public boolean isShared() { return data.isAccessibleBy(ANOTHER_THREAD); }

    public long byteSize() { return size() * Float.BYTES; }

    public float get(int r, int c) { return host().getAtIndex(FLOAT, (long) r * cols + c); }

    public void set(int r, int c, float v) { host().setAtIndex(FLOAT, (long) r * cols + c, v); }

    public float getFlat(long i) { return host().getAtIndex(FLOAT, i); }

    public void setFlat(long i, float v) { host().setAtIndex(FLOAT, i, v); }

    /** The segment, for element access: refused on device memory. */
    private MemorySegment host() {
        if (onDevice) throw new IllegalStateException("host access to a " + shape() + " matrix in device memory: download it first");
        return data;
    }

    /** Rows [from, from+count) as a view sharing this matrix's memory. */
    public Matrix rows(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows)
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of " + rows);
        long rowBytes = (long) cols * Float.BYTES;
        return new Matrix(data.asSlice(from * rowBytes, count * rowBytes), count, cols, onDevice);
    }

    /** The same memory seen as a single row (1 x rows*cols). */
    public Matrix flat() { return new Matrix(data, 1, Math.toIntExact(size()), onDevice); }

    /** The first rows·cols floats of this matrix's memory seen as (rows, cols): a buffer reused for smaller shapes. */
    public Matrix packed(int rows, int cols) { return new Matrix(data, rows, cols, onDevice); }

    public float[] toArray() { return host().asSlice(0, byteSize()).toArray(FLOAT); }

    public float[] row(int r) { return rows(r, 1).toArray(); }

    public void fill(float v) {
        MemorySegment m = host();
        for (long i = 0, n = size(); i < n; i++) m.setAtIndex(FLOAT, i, v);
    }

    public void copyFrom(Matrix src) {
        if (src.rows != rows || src.cols != cols)
            throw new IllegalArgumentException("shape " + src.rows + "x" + src.cols + " into " + rows + "x" + cols);
        MemorySegment.copy(src.host(), 0, host(), 0, byteSize());
    }

    public String shape() { return rows + "x" + cols; }
}
