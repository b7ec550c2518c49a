package dev.saestitch.train;

/**
 * A progress report, every {@code logEvery} steps and after the last one. Losses and mse are
 * those of the reporting step, in normalised input units (inputs scaled so that E‖x‖² = D);
 * l0 is averaged over the steps since the previous report.
 *
 * @param step           steps done
 * @param steps          steps in the run
 * @param tokens         tokens trained on
 * @param tokensPerSecond throughput since the previous report
 * @param lr             learning rate of the reporting step
 * @param loss           total loss of the reporting step
 * @param mse            mean over samples and dimensions of (x − x̂)²
 * @param l0             mean non-zero codes per sample (training rule)
 * @param deadFraction   fraction of latents that have not fired in the last {@code deadTokens} tokens
 * @param auxLoss        normalised aux-k loss before α (0 without dead latents or for ReLU/JumpReLU)
 */
public record TrainProgress(long step, long steps, long tokens, double tokensPerSecond, double lr,
                            double loss, double mse, double l0, double deadFraction, double auxLoss) {

    @Override public String toString() {
        return String.format(java.util.Locale.ROOT, "step %d/%d  %.0f tok/s  lr %.2e  loss %.4g  mse %.4g  l0 %.1f  dead %.1f%%  aux %.3g",
                step, steps, tokensPerSecond, lr, loss, mse, l0, 100 * deadFraction, auxLoss);
    }
}
