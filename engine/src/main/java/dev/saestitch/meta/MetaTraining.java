package dev.saestitch.meta;

import dev.saestitch.sae.Architecture;
import dev.saestitch.train.TrainConfig;

/**
 * The defaults of a meta-SAE run (SPEC §5): a BatchTopK SAE trained on the F unit-norm decoder
 * rows of a base SAE ({@link DecoderRows}), many epochs over that small set.
 *
 * <ul>
 *   <li>width 0.25·F and k = 4, as SAEBench and the meta-SAE paper do;</li>
 *   <li>{@value #DEFAULT_EPOCHS} epochs (200·F rows seen);</li>
 *   <li>batch F/{@value #BATCHES_PER_EPOCH} rows, between {@value #MIN_BATCH} and
 *       {@value #MAX_BATCH} (never more than F): several steps per epoch, so that even a small
 *       SAE gets thousands of Adam steps;</li>
 *   <li>dead after one epoch without firing ({@code deadTokens} = F): every row is seen once
 *       per epoch, so a latent that fires on none of them is dead for the aux-k loss;</li>
 *   <li>learning rate {@value #LR_SCALE} / sqrt(width / 2¹⁴): the TopK/BatchTopK rule of the
 *       reference trainers, ×{@value #LR_MULTIPLIER} because these runs are short (a few thousand
 *       steps, where the reference trainers take tens of thousands);</li>
 *   <li>everything else as for any SAE (see train/DEFAULTS.md): input scaled to E‖x‖² = D, b_dec
 *       centring, geometric-median b_dec, θ the mean smallest kept activation over the last 20%.</li>
 * </ul>
 */
public final class MetaTraining {

    public static final double WIDTH_FRACTION = 0.25;
    public static final int DEFAULT_K = 4;
    public static final int DEFAULT_EPOCHS = 200;
    static final int BATCHES_PER_EPOCH = 8;
    static final int MIN_BATCH = 64;
    static final int MAX_BATCH = 4096;
    static final double LR_SCALE = 2e-4;
    static final double LR_MULTIPLIER = 4;

    private MetaTraining() {}

    /** 0.25·F rounded, at least 1. */
    public static int defaultWidth(int baseWidth) {
        return (int) Math.max(1, Math.round(WIDTH_FRACTION * baseWidth));
    }

    /** F/8 rows, kept in [64, 4096] and at most F. */
    public static int defaultBatch(int baseWidth) {
        return Math.min(baseWidth, Math.clamp(baseWidth / BATCHES_PER_EPOCH, MIN_BATCH, MAX_BATCH));
    }

    /** 200 epochs of F rows. */
    public static long defaultTokens(int baseWidth) {
        return (long) DEFAULT_EPOCHS * baseWidth;
    }

    /** 4·2e-4 / sqrt(width / 2¹⁴). */
    public static double defaultLr(int width) {
        return LR_MULTIPLIER * LR_SCALE / Math.sqrt(width / 16384.0);
    }

    /**
     * A BatchTopK configuration for a meta-SAE of {@code width} latents with {@code k} active per
     * row, on the decoder of an SAE with {@code baseWidth} latents, with the defaults above; the
     * caller may override any option before {@link TrainConfig.Builder#build()}.
     */
    public static TrainConfig.Builder defaults(int baseWidth, int width, int k) {
        if (baseWidth < 1) throw new IllegalArgumentException("base SAE width must be positive, got " + baseWidth);
        return TrainConfig.builder(Architecture.BATCHTOPK, width)
                .k(k)
                .batchSize(defaultBatch(baseWidth))
                .totalTokens(defaultTokens(baseWidth))
                .lr(defaultLr(width))
                .deadTokens(baseWidth);
    }
}
