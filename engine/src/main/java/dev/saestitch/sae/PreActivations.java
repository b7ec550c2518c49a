package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

/** The first half of every forward pass, shared by training and inference. */
public final class PreActivations {

    private PreActivations() {}

    /**
     * z = (x − b_dec) W_encᵀ + b_enc when {@code centred} is not null (it receives x − b_dec),
     * else z = x W_encᵀ + b_enc.
     *
     * @param x       (B, D) scaled input
     * @param centred (B, D) or null
     * @param z       (B, F) output
     * @return the matrix that was multiplied by W_encᵀ (the encoder's input, needed by dW_enc)
     */
    public static Matrix compute(Backend backend, ParameterSet w, Matrix x, Matrix centred, Matrix z) {
        Matrix in = x;
        if (centred != null) {
            backend.copy(x, centred);
            backend.addRowVector(centred, w.bDec(), -1f);
            in = centred;
        }
        backend.gemm(false, true, 1f, in, w.wEnc(), 0f, z);
        backend.addRowVector(z, w.bEnc(), 1f);
        return in;
    }
}
