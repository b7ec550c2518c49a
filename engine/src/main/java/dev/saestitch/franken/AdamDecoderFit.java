package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Adam on a merged SAE's decoder with the codes frozen, as the papers retrained it: only W (F, D)
 * and b (1, D) learn, on the loss (1/B)·Σ_n ‖x_n − f_n·W − b‖² (the training loss without a
 * sparsity term). With e = x̂ − x its gradients come from the sparse codes alone:
 *
 * <pre>  ∂L/∂W = (2/B)·Fᵀe   (sparse: only rows of latents active in the batch),   ∂L/∂b = (2/B)·Σ_n e_n</pre>
 *
 * Decoder rows are not renormalised: with fixed codes their norms carry the scale of each
 * latent's contribution, which the least-squares problem is free to choose.
 *
 * <p>One fit serves one stage of a merge: it reads the first {@link #width()} latents of the
 * codes it is given (a stage's codes are a prefix of the last stage's), filtered on the host as
 * {@link dev.saestitch.sae.CompositeSaeRunner} gathers them. Everything else runs on the backend.
 */
final class AdamDecoderFit implements AutoCloseable {

    static final float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;

    private final Backend backend;
    private final Arena arena = Arena.ofShared();
    private final int width;
    private final Matrix w, b;     // (F, D), (1, D) the decoder being fitted
    private final Matrix gw, gb;   // their gradients
    private final Matrix mw, vw, mb, vb;   // Adam moments
    private final Matrix error;    // (maxBatch, D) x̂ − x
    private final SparseCodes prefix;
    private long steps;

    /** @param start the decoder to start from (copied) */
    AdamDecoderFit(Backend backend, Decoder start, int maxBatch) {
        this.backend = backend;
        this.width = start.width();
        int d = start.dIn();
        try {
            w = backend.allocate(arena, width, d);
            b = backend.allocate(arena, 1, d);
            gw = backend.allocate(arena, width, d);
            gb = backend.allocate(arena, 1, d);
            mw = backend.allocate(arena, width, d);
            vw = backend.allocate(arena, width, d);
            mb = backend.allocate(arena, 1, d);
            vb = backend.allocate(arena, 1, d);
            error = backend.allocate(arena, maxBatch, d);
            prefix = backend.newCodes(maxBatch, width, (long) maxBatch * 32);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        backend.upload(start.wDec(), w);
        backend.upload(start.bDec(), b);
    }

    int width() { return width; }

    /**
     * One Adam step on a batch.
     * @param codes codes of the batch over at least {@link #width()} latents (host-readable)
     * @param x     (B, D) the batch on the backend
     * @param lr    the step's learning rate, in the data's units
     */
    void step(SparseCodes codes, Matrix x, float lr) {
        SparseCodes c = codes.latents() == width ? codes : keepPrefix(codes);
        int n = c.rows();
        Matrix e = error.rows(0, n);
        backend.sparseDecode(c, w, b, e);
        backend.subtract(e, x, e);
        backend.fill(gw, 0f);
        backend.sparseTransposeProduct(c, 2f / n, e, gw);
        backend.columnSums(e, 2f / n, 0f, gb);
        steps++;
        backend.adam(w, gw, mw, vw, lr, BETA1, BETA2, EPS, steps);
        backend.adam(b, gb, mb, vb, lr, BETA1, BETA2, EPS, steps);
    }

    /** The codes of latents [0, width) only, in {@link #prefix}. */
    private SparseCodes keepPrefix(SparseCodes codes) {
        int n = codes.rows();
        long kept = 0;
        for (long e = 0, end = codes.nnz(); e < end; e++) if (codes.index(e) < width) kept++;
        prefix.reset(n, kept);
        int out = 0;
        for (int r = 0; r < n; r++) {
            prefix.setRowStart(r, out);
            for (int e = codes.rowStart(r), end = codes.rowStart(r + 1); e < end; e++) {
                int i = codes.index(e);
                if (i >= width) continue;
                prefix.setIndex(out, i);
                prefix.setValue(out++, codes.value(e));
            }
        }
        prefix.setRowStart(n, out);
        return prefix;
    }

    /** The decoder so far, copied into host matrices owned by {@code owner}. */
    Decoder result(Arena owner) {
        Matrix hw = Matrix.allocate(owner, width, w.cols()), hb = Matrix.allocate(owner, 1, b.cols());
        backend.download(w, hw);
        backend.download(b, hb);
        return new Decoder(hw, hb);
    }

    @Override public void close() {
        prefix.close();
        arena.close();
    }
}
