package dev.saestitch.franken;

import dev.saestitch.tensor.Matrix;

/**
 * A decoder of a merged SAE in host memory, in the data's units: x̂ = f·W + b.
 * @param wDec (F, D) decoder rows
 * @param bDec (1, D) decoder bias
 */
public record Decoder(Matrix wDec, Matrix bDec) {
    public Decoder {
        if (bDec.rows() != 1 || bDec.cols() != wDec.cols())
            throw new IllegalArgumentException("decoder " + wDec.shape() + " with a bias of " + bDec.shape());
    }

    public int width() { return wDec.rows(); }
    public int dIn() { return wDec.cols(); }
}
