package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * Applies an SAE on a backend with its inference rule: ReLU(z); TopK's k largest per row; BatchTopK
 * and JumpReLU as z·H(z − θ_i) with the SAE's threshold vector, so every row is encoded
 * independently of the others. The weights are uploaded once; batches have up to
 * {@code maxBatch} rows. Not thread-safe: the codes returned by {@link #encode} are reused by
 * the next call.
 */
public final class SaeRunner implements InferenceRunner {

    private final Backend backend;
    private final Sae sae;
    private final Arena arena = Arena.ofShared();
    private final ParameterSet weights;  // θ holds the SAE's threshold for BatchTopK and JumpReLU
    private final Matrix x, centred, z, xHat; // (maxBatch, D), (maxBatch, D) or null, (maxBatch, F), (maxBatch, D)
    private final SparseCodes codes;

    /** @param sae the SAE to apply (not owned; read once here) */
    public SaeRunner(Backend backend, Sae sae, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("batch capacity must be at least 1, got " + maxBatch);
        this.backend = backend;
        this.sae = sae;
        int d = sae.dIn(), f = sae.width();
        weights = ParameterSet.allocate(backend, arena, d, f, sae.architecture().usesThreshold());
        weights.uploadFrom(backend, sae);
        x = backend.allocate(arena, maxBatch, d);
        centred = sae.centreInput() ? backend.allocate(arena, maxBatch, d) : null;
        z = backend.allocate(arena, maxBatch, f);
        xHat = backend.allocate(arena, maxBatch, d);
        codes = backend.newCodes(maxBatch, f, (long) maxBatch * Math.max(1, sae.k()));
    }

    public Sae sae() { return sae; }

    @Override public int dIn() { return sae.dIn(); }

    @Override public int width() { return sae.width(); }

    /** The sparse codes of a host batch (rows, D); valid until the next call. */
    @Override public SparseCodes encode(Matrix hostBatch) {
        Matrix xv = x.rows(0, checkBatch(hostBatch));
        backend.upload(hostBatch, xv);
        if (sae.inputScale() != 1f) backend.scale(xv, sae.inputScale());
        return encodeScaled(xv);
    }

    /** The sparse codes of a backend batch (rows, D), which is left as it is (a scaled copy is made when the SAE scales its inputs). */
    @Override public SparseCodes encodeOnBackend(Matrix batch) {
        int n = checkBatch(batch);
        if (sae.inputScale() == 1f) return encodeScaled(batch);
        Matrix xv = x.rows(0, n);
        backend.copy(batch, xv);
        backend.scale(xv, sae.inputScale());
        return encodeScaled(xv);
    }

    private int checkBatch(Matrix batch) {
        int n = batch.rows();
        if (n > x.rows() || batch.cols() != sae.dIn())
            throw new IllegalArgumentException("batch of shape " + batch.shape() + " for an SAE on dimension " + sae.dIn()
                    + " with room for " + x.rows() + " rows");
        return n;
    }

    /** Codes of an input already in the SAE's units, (n, D) in the backend's memory. */
    private SparseCodes encodeScaled(Matrix xv) {
        int n = xv.rows();
        Matrix zv = z.rows(0, n);
        PreActivations.compute(backend, weights, xv, centred == null ? null : centred.rows(0, n), zv);
        // Row-local rules only: TopK's k largest, or z above θ (BatchTopK's global θ, JumpReLU's θ_i; none for ReLU).
        if (sae.architecture().selectsTopKAtInference()) backend.selectTopK(zv, sae.k(), null, codes);
        else backend.selectAbove(zv, weights.theta(), codes);
        return codes;
    }

    /** x̂ = (f W_dec + b_dec) / inputScale into a host matrix of (codes.rows(), D). */
    @Override public void decode(SparseCodes f, Matrix hostOut) {
        int n = f.rows();
        if (hostOut.rows() != n || hostOut.cols() != sae.dIn())
            throw new IllegalArgumentException("output of shape " + hostOut.shape() + " for " + n + " rows of dimension " + sae.dIn());
        Matrix out = xHat.rows(0, n);
        decodeOnBackend(f, out);
        backend.download(out, hostOut);
    }

    /** x̂ = (f W_dec + b_dec) / inputScale into a backend matrix of (codes.rows(), D). */
    @Override public void decodeOnBackend(SparseCodes f, Matrix out) {
        backend.sparseDecode(f, weights.wDec(), weights.bDec(), out);
        if (sae.inputScale() != 1f) backend.scale(out, 1f / sae.inputScale());
    }

    /** Encodes and decodes a host batch into {@code hostOut}. */
    public void reconstruct(Matrix hostBatch, Matrix hostOut) { decode(encode(hostBatch), hostOut); }

    @Override public void close() {
        codes.close();
        arena.close();
    }
}
