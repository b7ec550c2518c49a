package dev.saestitch.io;

import dev.saestitch.tensor.Matrix;

import java.util.Arrays;

/**
 * A float32 tensor to be written: its name, the shape the file will record, and the values
 * (row-major, as many as the shape holds).
 */
public record FloatTensor(String name, long[] shape, Matrix values) {

    public FloatTensor {
        shape = shape.clone();
        long count = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            count = Math.multiplyExact(count, d);
        }
        if (count != values.size())
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " for a " + values.shape() + " matrix");
    }

    /** A 2-D tensor [rows, cols]. */
    public static FloatTensor matrix(String name, Matrix m) {
        return new FloatTensor(name, new long[] {m.rows(), m.cols()}, m);
    }

    /** A 1-D tensor [size] holding all of {@code m} (typically a 1×n bias). */
    public static FloatTensor vector(String name, Matrix m) {
        return new FloatTensor(name, new long[] {m.size()}, m);
    }

    @Override public long[] shape() { return shape.clone(); }
}
