package dev.saestitch.train;

/**
 * The learning rate and the sparsity coefficient as functions of the step (0-based):
 * linear warm-up of the rate, constant, then linear decay to 0 over the last
 * {@code lrDecayFraction} of the steps (Anthropic's April 2024 update, dictionary_learning's
 * {@code decay_start}); λ rises linearly from 0 over the sparsity warm-up.
 */
record Schedule(long steps, double lr, long warmupSteps, long decayStart, long sparsityWarmupSteps) {

    static Schedule of(TrainConfig cfg) {
        long steps = cfg.steps();
        long decayStart = steps - Math.round(cfg.lrDecayFraction() * steps);
        return new Schedule(steps, cfg.lr(), cfg.lrWarmupSteps(), decayStart, cfg.sparsityWarmupSteps());
    }

    /**
     * The rate of step {@code step}. Warm-up counts the step being taken, (step+1)/warmup, so the
     * first step already moves; the decay reaches 0 after the last step.
     */
    double lr(long step) {
        double factor = 1;
        if (step < warmupSteps) factor = (step + 1.0) / warmupSteps;
        if (step >= decayStart && steps > decayStart) factor = Math.min(factor, (double) (steps - step) / (steps - decayStart));
        return lr * factor;
    }

    /** The factor in [0, 1] applied to the sparsity coefficient at {@code step}. */
    double sparsityScale(long step) {
        return sparsityWarmupSteps == 0 ? 1 : Math.min(1.0, (double) step / sparsityWarmupSteps);
    }
}
