package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Matrices shaped like an SAE's trainable parameters, in one backend's memory. The trainer holds
 * four of them: the weights, their gradients, and Adam's first and second moments.
 *
 * @param wEnc  (F, D) encoder rows
 * @param bEnc  (1, F)
 * @param wDec  (F, D) decoder rows
 * @param bDec  (1, D)
 * @param theta (1, F) JumpReLU thresholds θ_i, or null for the other architectures
 */
public record ParameterSet(Matrix wEnc, Matrix bEnc, Matrix wDec, Matrix bDec, Matrix theta) {

    /** One parameter with the name it has in checkpoints. */
    public record Named(String name, Matrix matrix) {}

    /** Zero-filled matrices owned by {@code arena}. */
    public static ParameterSet allocate(Backend backend, Arena arena, int dIn, int width, boolean withTheta) {
        return new ParameterSet(backend.allocate(arena, width, dIn), backend.allocate(arena, 1, width),
                backend.allocate(arena, width, dIn), backend.allocate(arena, 1, dIn),
                withTheta ? backend.allocate(arena, 1, width) : null);
    }

    /** Copies the SAE's weights into this set (θ from {@code sae.threshold()} when this set has one). */
    public void uploadFrom(Backend backend, Sae sae) {
        backend.upload(sae.wEnc(), wEnc);
        backend.upload(sae.bEnc(), bEnc);
        backend.upload(sae.wDec(), wDec);
        backend.upload(sae.bDec(), bDec);
        if (theta != null) backend.upload(sae.threshold(), theta);
    }

    /** Copies these weights into the host SAE (θ into its threshold when this set has one). */
    public void downloadInto(Backend backend, Sae sae) {
        backend.download(wEnc, sae.wEnc());
        backend.download(bEnc, sae.bEnc());
        backend.download(wDec, sae.wDec());
        backend.download(bDec, sae.bDec());
        if (theta != null) backend.download(theta, sae.threshold());
    }

    public int dIn() { return wDec.cols(); }
    public int width() { return wDec.rows(); }

    /** Every matrix of the set, in a fixed order, with its checkpoint name. */
    public List<Named> named() {
        List<Named> all = new ArrayList<>(List.of(new Named("W_enc", wEnc), new Named("b_enc", bEnc),
                new Named("W_dec", wDec), new Named("b_dec", bDec)));
        if (theta != null) all.add(new Named("theta", theta));
        return all;
    }
}
