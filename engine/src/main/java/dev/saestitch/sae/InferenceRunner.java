package dev.saestitch.sae;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

/**
 * Something that encodes batches into sparse codes and decodes them back with an inference rule:
 * one SAE ({@link SaeRunner}) or a composite of latents from several. Batches come from the host
 * ({@link #encode}, {@link #decode}: one upload, one download) or stay in the backend's memory
 * ({@link #encodeOnBackend}, {@link #decodeOnBackend}: nothing crosses). Not thread-safe: the
 * codes returned by an encode are reused by the next call.
 */
public interface InferenceRunner extends AutoCloseable {

    /** D, the input dimension. */
    int dIn();

    /** F, the number of latents the codes index. */
    int width();

    /** The sparse codes of a host batch (rows, D); valid until the next call. */
    SparseCodes encode(Matrix hostBatch);

    /** x̂ of the codes, in the input's units, into a host matrix of (codes.rows(), D). */
    void decode(SparseCodes codes, Matrix hostOut);

    /** The sparse codes of a batch (rows, D) in the backend's memory (not modified); valid until the next call. */
    SparseCodes encodeOnBackend(Matrix batch);

    /** x̂ of the codes, in the input's units, into a backend matrix of (codes.rows(), D). */
    void decodeOnBackend(SparseCodes codes, Matrix out);

    @Override void close();
}
