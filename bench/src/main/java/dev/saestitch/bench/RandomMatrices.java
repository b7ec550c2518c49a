package dev.saestitch.bench;

import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Benchmark operands: never all zeros, reproducible from the seed of {@code random}. */
final class RandomMatrices {

    private RandomMatrices() {}

    /** (rows, cols) of independent N(0, scale²) values, owned by {@code arena}. */
    static Matrix gaussian(Arena arena, int rows, int cols, double scale, SplittableRandom random) {
        Matrix m = Matrix.allocate(arena, rows, cols);
        for (long i = 0; i < m.size(); i++) m.setFlat(i, (float) (random.nextGaussian() * scale));
        return m;
    }
}
