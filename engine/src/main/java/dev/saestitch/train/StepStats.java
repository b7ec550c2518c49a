package dev.saestitch.train;

/**
 * What one training step measured. The losses are NaN unless the step was asked to measure them
 * (reading them back costs a device synchronisation, so the trainer does it on logging steps).
 *
 * @param activeCodes  non-zero codes in the batch (l0 = activeCodes / B)
 * @param reconLoss    (1/B) Σ_b ‖x_b − x̂_b‖², in normalised input units
 * @param sparsityLoss the L1 (ReLU) or L0 (JumpReLU) penalty with its warm-up factor applied, 0 otherwise
 * @param auxLoss      the normalised aux-k loss before its weight α, 0 when no dead latent was selected
 */
public record StepStats(long activeCodes, double reconLoss, double sparsityLoss, double auxLoss) {

    /** The total loss the step minimised. */
    public double loss(double auxAlpha) { return reconLoss + sparsityLoss + auxAlpha * auxLoss; }
}
