package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Applies a {@link CompositeSae}: every source that contributes latents encodes the batch with
 * its own {@link SaeRunner} (its own scale, centring and rule over all its latents), the chosen
 * entries are gathered into the composite's numbering, and x̂ = f·W + b with the composite's
 * decoder. The gather reads the sources' codes on the host, as the CPU backend keeps them.
 * Not thread-safe: the codes returned by {@link #encode} are reused by the next call.
 */
public final class CompositeSaeRunner implements InferenceRunner {

    private final Backend backend;
    private final CompositeSae composite;
    private final SaeRunner[] runners;   // per source, null when it contributes no latent
    private final int[][] position;      // per source, (F_s) composite latent or -1
    private final Arena arena = Arena.ofShared();
    private final Matrix wDec, bDec, x, xHat; // (F, D), (1, D), (maxBatch, D), (maxBatch, D) on the backend
    private final SparseCodes codes;

    /** @param composite the composite to apply (not owned) */
    public CompositeSaeRunner(Backend backend, CompositeSae composite, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("batch capacity must be at least 1, got " + maxBatch);
        this.backend = backend;
        this.composite = composite;
        this.position = composite.positions();
        this.runners = new SaeRunner[composite.sources().size()];
        try {
            for (int s = 0; s < runners.length; s++) {
                CompositeSae.Source src = composite.sources().get(s);
                if (src.count() > 0) runners[s] = new SaeRunner(backend, src.sae(), maxBatch);
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
        int n = checkBatch(batch);
        SparseCodes[] parts = new SparseCodes[runners.length];
        long nnz = 0;
        for (int s = 0; s < runners.length; s++) {
            if (runners[s] == null) continue;
            parts[s] = runners[s].encodeOnBackend(batch);
            int[] pos = position[s];
            for (long e = 0, end = parts[s].nnz(); e < end; e++) if (pos[parts[s].index(e)] >= 0) nnz++;
        }
        codes.reset(n, nnz);
        int out = 0;
        for (int r = 0; r < n; r++) {
            codes.setRowStart(r, out);
            for (int s = 0; s < parts.length; s++) {
                if (parts[s] == null) continue;
                int[] pos = position[s];
                for (int e = parts[s].rowStart(r), end = parts[s].rowStart(r + 1); e < end; e++) {
                    int i = pos[parts[s].index(e)];
                    if (i < 0) continue;
                    codes.setIndex(out, i);
                    codes.setValue(out++, parts[s].value(e));
                }
            }
        }
        codes.setRowStart(n, out);
        return codes;
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
        for (SaeRunner r : runners) if (r != null) r.close();
        if (codes != null) codes.close();
        arena.close();
    }
}
