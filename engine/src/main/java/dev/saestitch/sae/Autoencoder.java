package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

/**
 * What evaluation and the reports need of any SAE, plain ({@link Sae}) or composite
 * ({@link CompositeSae}): its shape, its decoder rows and a runner that applies its inference
 * rule on a backend.
 */
public interface Autoencoder extends AutoCloseable {

    /** D, the input dimension. */
    int dIn();

    /** F, the number of latents. */
    int width();

    /** (F, D) decoder rows, in host memory. */
    Matrix wDec();

    /** The architecture as reports name it: relu, topk, batchtopk, jumprelu, or composite. */
    String architectureName();

    /** Applies the inference rule to batches of up to {@code maxBatch} rows; the caller closes the runner. */
    InferenceRunner runner(Backend backend, int maxBatch);

    @Override void close();
}
