package dev.saestitch.backend;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

/** The shape checks every backend makes on its operands, with one wording. */
public final class Shapes {

    private Shapes() {}

    public static void requireSameShape(Matrix a, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols())
            throw new IllegalArgumentException("shape mismatch: " + a.shape() + " vs " + b.shape());
    }

    /** A matrix of any row count with {@code cols} columns. */
    public static void requireColumns(Matrix m, int cols, String what) {
        if (m.cols() != cols) throw new IllegalArgumentException(what + " has shape " + m.shape() + ", expected " + cols + " columns");
    }

    /** A vector of {@code size} values (1 x size, or any shape of that size). */
    public static void requireSize(Matrix v, int size, String what) {
        if (v.size() != size) throw new IllegalArgumentException(what + " has shape " + v.shape() + ", expected " + size + " values");
    }

    /** The sources' codes of {@link Backend#gatherCodes} and their positions: one each, over the same rows; returns the rows. */
    public static int requireParts(SparseCodes[] parts, Matrix[] positions) {
        if (parts.length == 0 || parts.length != positions.length)
            throw new IllegalArgumentException(parts.length + " parts with " + positions.length + " position maps");
        int rows = parts[0].rows();
        for (int s = 0; s < parts.length; s++) {
            if (parts[s].rows() != rows) throw new IllegalArgumentException("part " + s + " has " + parts[s].rows() + " rows, part 0 " + rows);
            requireSize(positions[s], parts[s].latents(), "positions of part " + s);
        }
        return rows;
    }
}
