package dev.saestitch.data;

import dev.saestitch.tensor.Matrix;

/** Test rows held in native memory, as an activation source. */
public record MatrixSource(Matrix x) implements ActivationSource {
    @Override public int dim() { return x.cols(); }
    @Override public long rows() { return x.rows(); }
    @Override public void read(long[] ids, int from, Matrix out) {
        for (int i = 0; i < out.rows(); i++) for (int c = 0; c < dim(); c++) out.set(i, c, x.get((int) ids[from + i], c));
    }
    @Override public String describe() { return "test rows"; }
}
