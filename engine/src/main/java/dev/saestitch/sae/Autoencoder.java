package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;

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

    /** (F, D) decoder rows in the data's units (a plain SAE's divided by its input scale), in host memory owned by {@code arena}. */
    Matrix decoderInDataUnits(Arena arena);

    /** The architecture as reports name it: relu, topk, batchtopk, jumprelu, or composite. */
    String architectureName();

    /** Applies the inference rule to batches of up to {@code maxBatch} rows; the caller closes the runner. */
    InferenceRunner runner(Backend backend, int maxBatch);

    @Override void close();
}
