package dev.saestitch.train;

import dev.saestitch.backend.Backend;
import dev.saestitch.sae.ParameterSet;

import java.nio.file.Path;

/**
 * Stops a run whose weights or loss went non-finite, or whose reconstruction error exploded,
 * before anything of it is saved.
 *
 * <p>The weights test is a sum of squares per tensor, accumulated in double: finite float32
 * entries (at most 3.4e38, squares at most 1.2e77) cannot overflow it, so the sum is finite
 * exactly when every entry is. It costs a pass over the weights, so the trainer runs it on
 * measured steps (reports, the last step before a checkpoint) and before every save, not on every
 * step; the message names the interval since the last step found sane.
 *
 * <p>An absurd learning rate can also leave the weights finite but meaningless (issue 14:
 * {@code --lr 1e6} gave an mse of 1e13). With normalised inputs (E‖x‖² = D, so one element's
 * mean square is 1) an mse above {@link #MAX_NORMALISED_MSE} means reconstructions a thousand
 * times longer than the inputs, which no converging run reaches even at its first step.
 */
final class DivergenceCheck {

    static final double MAX_NORMALISED_MSE = 1e6;

    private final Backend backend;
    private final TrainConfig cfg;
    private final int dIn;
    private long lastSaneStep;
    private Path lastCheckpoint;
    private long lastCheckpointStep;
    private String diverged;   // the message, once the run has diverged: it never recovers, so every later save is refused too

    DivergenceCheck(Backend backend, TrainConfig cfg, int dIn) {
        this.backend = backend;
        this.cfg = cfg;
        this.dIn = dIn;
    }

    /** A checkpoint of sane weights was written to (or resumed from) {@code dir} at {@code step}. */
    void checkpointed(Path dir, long step) {
        lastCheckpoint = dir;
        lastCheckpointStep = step;
        lastSaneStep = Math.max(lastSaneStep, step);
    }

    /** @throws TrainingDivergedException when a weight entry is NaN or infinite at {@code step} */
    void require(ParameterSet weights, long step) { require(weights, step, null); }

    /** @throws TrainingDivergedException when a weight entry, or a loss that {@code measured} (may be null) holds, is not sane at {@code step} */
    void require(ParameterSet weights, long step, StepStats measured) {
        if (diverged != null) throw new TrainingDivergedException(diverged);
        String what = nonFinite(weights);
        if (what == null && measured != null) what = insaneLoss(measured);
        if (what == null) {
            lastSaneStep = step;
            return;
        }
        String when = step - lastSaneStep <= 1 ? "at step " + step : "between steps " + lastSaneStep + " and " + step;
        String kept = lastCheckpoint == null ? "nothing was saved"
                : "nothing was saved; the last good checkpoint (step " + lastCheckpointStep + ") is kept in " + lastCheckpoint;
        diverged = "training diverged " + when + ": " + what + "; the learning rate " + cfg.lr() + " is probably too high; " + kept;
        throw new TrainingDivergedException(diverged);
    }

    private String nonFinite(ParameterSet weights) {
        for (ParameterSet.Named p : weights.named())
            if (!Double.isFinite(backend.sumSquares(p.matrix()))) return p.name() + " holds NaN or infinite values";
        return null;
    }

    private String insaneLoss(StepStats s) {
        double loss = s.loss(cfg.usesAuxK() ? cfg.auxAlpha() : 0), mse = s.reconLoss() / dIn;
        if (!Double.isFinite(loss)) return "the loss is " + loss;
        if (cfg.normaliseInput() && mse > MAX_NORMALISED_MSE)
            return String.format("the reconstruction error exploded (mse %.3g, where the inputs' mean square is 1)", mse);
        return null;
    }
}
