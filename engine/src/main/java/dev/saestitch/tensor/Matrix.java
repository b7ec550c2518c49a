package dev.saestitch.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A row-major float32 matrix in native memory. A Matrix is a view: the {@link Arena} that
 * allocated its segment owns the memory. Element access is for host memory only; a matrix
 * allocated by a device backend must be copied to the host first (see Backend#copy).
 */
public record Matrix(MemorySegment data, int rows, int cols) {

    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    /** A thread that owns no arena: memory it may access is memory every thread may access. */
    private static final Thread ANOTHER_THREAD = Thread.ofVirtual().unstarted(() -> {});

    public Matrix {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        if (data.byteSize() < (long) rows * cols * Float.BYTES)
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for " + rows + "x" + cols);
    }

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

    public float get(int r, int c) { return data.getAtIndex(FLOAT, (long) r * cols + c); }

    public void set(int r, int c, float v) { data.setAtIndex(FLOAT, (long) r * cols + c, v); }

    public float getFlat(long i) { return data.getAtIndex(FLOAT, i); }

    public void setFlat(long i, float v) { data.setAtIndex(FLOAT, i, v); }

    /** Rows [from, from+count) as a view sharing this matrix's memory. */
    public Matrix rows(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows)
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of " + rows);
        long rowBytes = (long) cols * Float.BYTES;
        return new Matrix(data.asSlice(from * rowBytes, count * rowBytes), count, cols);
    }

    /** The same memory seen as a single row (1 x rows*cols). */
    public Matrix flat() { return new Matrix(data, 1, Math.toIntExact(size())); }

    public float[] toArray() { return data.asSlice(0, byteSize()).toArray(FLOAT); }

    public float[] row(int r) { return rows(r, 1).toArray(); }

    public void fill(float v) {
        for (long i = 0, n = size(); i < n; i++) data.setAtIndex(FLOAT, i, v);
    }

    public void copyFrom(Matrix src) {
        if (src.rows != rows || src.cols != cols)
            throw new IllegalArgumentException("shape " + src.rows + "x" + src.cols + " into " + rows + "x" + cols);
        MemorySegment.copy(src.data, 0, data, 0, byteSize());
    }

    public String shape() { return rows + "x" + cols; }
}
