package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Applies a {@link CompositeSae}: every source that contributes latents encodes the batch with
 * its own {@link SaeRunner} (its own scale, centring and rule over all its latents), the chosen
 * entries are gathered into the composite's numbering by the backend ({@link Backend#gatherCodes};
 * on CUDA a kernel, so the codes never leave the device), and x̂ = f·W + b with the composite's
 * decoder. Not thread-safe: the codes returned by an encode are reused by the next call.
 */
public final class CompositeSaeRunner implements InferenceRunner {

    private final Backend backend;
    private final CompositeSae composite;
    private final SaeRunner[] runners;   // per contributing source (those with no latent are left out)
    private final Matrix[] positions;    // per contributing source, (1, F_s) on the backend: composite latent or -1
    private final SparseCodes[] parts;   // per contributing source, its codes of the current batch
    private final Arena arena = Arena.ofShared();
    private final Matrix wDec, bDec, x, xHat; // (F, D), (1, D), (maxBatch, D), (maxBatch, D) on the backend
    private final SparseCodes codes;

    /** @param composite the composite to apply (not owned) */
    public CompositeSaeRunner(Backend backend, CompositeSae composite, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("batch capacity must be at least 1, got " + maxBatch);
        this.backend = backend;
        this.composite = composite;
        int[][] position = composite.positions();
        int contributing = (int) composite.sources().stream().filter(src -> src.count() > 0).count();
        this.runners = new SaeRunner[contributing];
        this.positions = new Matrix[contributing];
        this.parts = new SparseCodes[contributing];
        try {
            for (int s = 0, c = 0; s < position.length; s++) {
                CompositeSae.Source src = composite.sources().get(s);
                if (src.count() == 0) continue;
                runners[c] = new SaeRunner(backend, src.sae(), maxBatch);
                positions[c++] = positionsOnBackend(arena, position[s]);
            }
            int d = composite.dIn(), f = composite.width();
            wDec = backend.allocate(arena, f, d);
            bDec = backend.allocate(arena, 1, d);
            backend.upload(composite.wDec(), wDec);
            backend.upload(composite.bDec(), bDec);
            x = backend.allocate(arena, maxBatch, d);
            xHat = backend.allocate(arena, maxBatch, d);
            codes = backend.newCodes(maxBatch, f, maxBatch);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public CompositeSae composite() { return composite; }

    @Override public int dIn() { return composite.dIn(); }

    @Override public int width() { return composite.width(); }

    @Override
    public SparseCodes encode(Matrix hostBatch) {
        Matrix xv = x.rows(0, checkBatch(hostBatch));
        backend.upload(hostBatch, xv);
        return encodeOnBackend(xv);
    }

    @Override
    public SparseCodes encodeOnBackend(Matrix batch) {
        checkBatch(batch);
        for (int s = 0; s < runners.length; s++) parts[s] = runners[s].encodeOnBackend(batch);
        backend.gatherCodes(parts, positions, codes);
        return codes;
    }

    /** A source's map to composite latents as the backend's (1, F_s) floats (exact: F is far below 2²⁴). */
    private Matrix positionsOnBackend(Arena arena, int[] position) {
        Matrix host = Matrix.allocate(arena, 1, position.length), out = backend.allocate(arena, 1, position.length);
        for (int i = 0; i < position.length; i++) host.set(0, i, position[i]);
        backend.upload(host, out);
        return out;
    }

    private int checkBatch(Matrix batch) {
        int n = batch.rows();
        if (n > xHat.rows() || batch.cols() != dIn())
            throw new IllegalArgumentException("batch of shape " + batch.shape() + " for a composite SAE on dimension " + dIn()
                    + " with room for " + xHat.rows() + " rows");
        return n;
    }

    @Override
    public void decode(SparseCodes f, Matrix hostOut) {
        int n = f.rows();
        if (hostOut.rows() != n || hostOut.cols() != dIn())
            throw new IllegalArgumentException("output of shape " + hostOut.shape() + " for " + n + " rows of dimension " + dIn());
        Matrix out = xHat.rows(0, n);
        decodeOnBackend(f, out);
        backend.download(out, hostOut);
    }

    @Override
    public void decodeOnBackend(SparseCodes f, Matrix out) { backend.sparseDecode(f, wDec, bDec, out); }

    @Override public void close() {
        for (SaeRunner r : runners) if (r != null) r.close();   // null: the constructor failed before it
        if (codes != null) codes.close();
        arena.close();
    }
}
