package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.util.function.Consumer;

/**
 * Per-latent sums over the active entries of a batch's sparse codes, computed with backend ops
 * and accumulated on the host in float64: each batch's sums are float32 on the backend (exact
 * counts below 2²⁴ samples per batch), downloaded and added.
 *
 * <p>A sampled product with one-column operands, ⟨a[b, :], w[j, :]⟩ = a[b]·w[j], copies a
 * per-sample value onto every active entry of its row; that is how the counts and the sums "over
 * the samples where latent j fires" reuse the backend's sparse ops.
 */
final class PerLatentSums implements AutoCloseable {

    private final Backend backend;
    private final Arena arena = Arena.ofShared();
    private final int latents;
    private final int maxBatch;
    private final Matrix onesBatch;   // (maxBatch, 1) all ones, backend
    private final Matrix onesLatents; // (F, 1) all ones, backend
    private final Matrix sums;        // (1, F) one batch's sums, backend
    private final Matrix zeros;       // (1, F) stays zero, backend
    private final Matrix host;        // (1, F) host copy of sums
    private final SparseCodes indicator; // the pattern of the last codes with value 1 at every entry

    PerLatentSums(Backend backend, int latents, int maxBatch) {
        if (latents <= 0 || maxBatch <= 0) throw new IllegalArgumentException("need latents and a batch size, got " + latents + " and " + maxBatch);
        this.backend = backend;
        this.latents = latents;
        this.maxBatch = maxBatch;
        onesBatch = ones(maxBatch);
        onesLatents = ones(latents);
        sums = backend.allocate(arena, 1, latents);
        zeros = backend.allocate(arena, 1, latents);
        host = Matrix.allocate(arena, 1, latents);
        indicator = backend.newCodes(maxBatch, latents, 1);
    }

    /** Checks that a batch of codes fits these sums. */
    void check(SparseCodes codes) {
        if (codes.latents() != latents) throw new IllegalArgumentException("codes have " + codes.latents() + " latents, expected " + latents);
        if (codes.rows() > maxBatch) throw new IllegalArgumentException("batch of " + codes.rows() + " rows exceeds the maximum batch of " + maxBatch);
    }

    /** (rows, 1) ones in the backend's memory, rows ≤ maxBatch. */
    Matrix onesBatch(int rows) { return onesBatch.rows(0, rows); }

    /** The pattern of {@code codes} with value 1 at every entry; valid until the next call. */
    SparseCodes indicator(SparseCodes codes) {
        backend.sampledDot(codes, onesBatch(codes.rows()), onesLatents, indicator);
        return indicator;
    }

    /** out[j] += Σ over the entries of latent j of a.value·b.value (b has a's pattern). */
    void addProducts(SparseCodes a, SparseCodes b, double[] out) {
        accumulate(s -> backend.sparseColumnProducts(a, b, 1f, s), out);
    }

    /** out[j] += Σ over the rows b where latent j is active of perSample[b]; perSample is (B, 1) in backend memory. */
    void addOverFiring(SparseCodes codes, Matrix perSample, double[] out) {
        accumulate(s -> {
            backend.sampledDot(codes, perSample, onesLatents, indicator);
            backend.sparseColumnSums(indicator, 1f, s);
        }, out);
    }

    /** out[j] += the number of rows where latent j is active. */
    void addCounts(SparseCodes codes, long[] out) {
        double[] batch = new double[latents];
        accumulate(s -> backend.sparseColumnCounts(codes, 1f, s), batch);   // one pass over the entries; float32 counts are exact up to 2^24 rows a batch
        for (int j = 0; j < latents; j++) out[j] += Math.round(batch[j]);
    }

    private void accumulate(Consumer<Matrix> op, double[] out) {
        backend.copy(zeros, sums);
        op.accept(sums);
        backend.download(sums, host);
        for (int j = 0; j < latents; j++) out[j] += host.get(0, j);
    }

    private Matrix ones(int rows) {
        Matrix h = Matrix.allocate(arena, rows, 1);
        h.fill(1f);
        Matrix m = backend.allocate(arena, rows, 1);
        backend.upload(h, m);
        return m;
    }

    @Override public void close() {
        indicator.close();
        arena.close();
    }
}
