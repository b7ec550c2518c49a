package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.function.Consumer;

/**
 * A running total of n values over many batches that stays in the backend's memory: each batch's
 * float32 values are written into a zeroed (1, n) scratch by a backend op and added to an
 * unevaluated pair (sum, error) with {@link Backend#addCompensated}, which keeps about 48
 * significant bits: float64-grade across batches, with nothing brought to the host until
 * {@link #values()}. The memory is owned by the arena the caller passes.
 */
final class BackendTotal {

    private final Backend backend;
    private final Matrix batch, sum, error; // (1, n) each, backend

    BackendTotal(Backend backend, Arena arena, int n) {
        this.backend = backend;
        batch = backend.allocate(arena, 1, n);
        sum = backend.allocate(arena, 1, n);
        error = backend.allocate(arena, 1, n);
    }

    /** Adds one batch: {@code op} writes (adds) the batch's values into a zeroed (1, n) matrix of the backend. */
    void add(Consumer<Matrix> op) {
        backend.fill(batch, 0f);
        op.accept(batch);
        backend.addCompensated(batch, sum, error);
    }

    /** The totals, downloaded: sum + error per value, in float64. */
    double[] values() {
        int n = sum.cols();
        try (Arena host = Arena.ofShared()) {
            Matrix hostSum = Matrix.allocate(host, 1, n), hostError = Matrix.allocate(host, 1, n);
            backend.download(sum, hostSum);
            backend.download(error, hostError);
            double[] out = new double[n];
            for (int j = 0; j < n; j++) out[j] = (double) hostSum.get(0, j) + hostError.get(0, j);
            return out;
        }
    }

    /** The totals of counts, rounded to integers (exact while below 2⁴⁸). */
    long[] counts() {
        double[] v = values();
        long[] out = new long[v.length];
        for (int j = 0; j < v.length; j++) out[j] = Math.round(v[j]);
        return out;
    }

    /** The sum of all n totals. */
    double total() {
        double t = 0;
        for (double v : values()) t += v;
        return t;
    }
}
