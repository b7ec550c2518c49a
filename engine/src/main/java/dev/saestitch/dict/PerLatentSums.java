package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Per-latent sums over the active entries of a batch's sparse codes, computed with backend ops
 * into {@link BackendTotal}s: each batch's sums are float32 on the backend (exact counts below
 * 2²⁴ samples per batch) and are added across batches on the backend, so nothing comes to the
 * host per batch.
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
    private final SparseCodes indicator; // the pattern of the last codes with value 1 at every entry

    PerLatentSums(Backend backend, int latents, int maxBatch) {
        if (latents <= 0 || maxBatch <= 0) throw new IllegalArgumentException("need latents and a batch size, got " + latents + " and " + maxBatch);
        this.backend = backend;
        this.latents = latents;
        this.maxBatch = maxBatch;
        onesBatch = ones(maxBatch);
        onesLatents = ones(latents);
        indicator = backend.newCodes(maxBatch, latents, 1);
    }

    /** A zero total of one value per latent, owned by these sums. */
    BackendTotal perLatent() { return new BackendTotal(backend, arena, latents); }

    /** A zero total of {@code n} values, owned by these sums. */
    BackendTotal total(int n) { return new BackendTotal(backend, arena, n); }

    /** Checks that a batch of codes fits these sums. */
    void check(SparseCodes codes) {
        if (codes.latents() != latents) throw new IllegalArgumentException("codes have " + codes.latents() + " latents, expected " + latents);
        if (codes.rows() > maxBatch) throw new IllegalArgumentException("batch of " + codes.rows() + " rows exceeds the maximum batch of " + maxBatch);
    }

    /** The pattern of {@code codes} with value 1 at every entry; valid until the next call. */
    SparseCodes indicator(SparseCodes codes) {
        backend.sampledDot(codes, onesBatch.rows(0, codes.rows()), onesLatents, indicator);
        return indicator;
    }

    /** out[j] += Σ over the entries of latent j of a.value·b.value (b has a's pattern). */
    void addProducts(SparseCodes a, SparseCodes b, BackendTotal out) {
        out.add(s -> backend.sparseColumnProducts(a, b, 1f, s));
    }

    /** out[j] += Σ over the rows b where latent j is active of perSample[b]; perSample is (B, 1) in backend memory. */
    void addOverFiring(SparseCodes codes, Matrix perSample, BackendTotal out) {
        out.add(s -> {
            backend.sampledDot(codes, perSample, onesLatents, indicator);
            backend.sparseColumnSums(indicator, 1f, s);
        });
    }

    /** out[j] += the number of rows where latent j is active (float32 counts are exact up to 2^24 rows a batch). */
    void addCounts(SparseCodes codes, BackendTotal out) {
        out.add(s -> backend.sparseColumnCounts(codes, 1f, s));
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
