package dev.saestitch.train;

import dev.saestitch.sae.Architecture;

/**
 * Every option of an SAE training run, validated at construction. {@link #builder} fills the
 * options left unset with the defaults of the reference implementations (README.md, "Training
 * defaults", says where each one comes from).
 *
 * @param architecture          activation rule and loss (SPEC §1)
 * @param width                 F, the number of latents
 * @param k                     active latents per sample for TopK and BatchTopK (B·k per batch)
 * @param batchSize             B, activation vectors (tokens) per step
 * @param totalTokens           tokens to train on; the run has totalTokens / batchSize steps
 * @param lr                    peak Adam learning rate
 * @param adamBeta1             Adam β1
 * @param adamBeta2             Adam β2
 * @param adamEps               Adam ε
 * @param lrWarmupSteps         steps of linear learning-rate warm-up from 0
 * @param lrDecayFraction       final fraction of the steps over which the rate decays linearly to 0
 * @param l1Coefficient         ReLU: λ of the decoder-norm-weighted L1 penalty λ Σ_i f_i ‖W_dec,i‖
 * @param l0Coefficient         JumpReLU: λ of the L0 penalty (see {@code targetL0})
 * @param targetL0              JumpReLU: when positive the penalty is λ·(L0/target − 1)²
 *                              (dictionary_learning's JumpReluTrainer); 0 gives the paper's λ·L0
 * @param sparsityWarmupSteps   steps over which λ (L1 or L0) rises linearly from 0
 * @param jumpReluBandwidth     JumpReLU: ε, the width of the rectangle kernel of the STE
 * @param jumpReluInitThreshold JumpReLU: initial θ_i
 * @param kAux                  TopK/BatchTopK: dead latents used by the aux-k loss per sample
 * @param auxAlpha              TopK/BatchTopK: α, weight of the aux-k loss
 * @param deadTokens            a latent is dead when it has not fired in this many training tokens
 * @param thresholdStartStep    BatchTopK: first step whose smallest kept activation enters the
 *                              mean that becomes the inference threshold θ (default: the last 20%
 *                              of the steps, where the weights move least)
 * @param decoderBiasInit       how b_dec is initialised from the first batch
 * @param geometricMedianIterations Weiszfeld iterations for {@link BiasInit#GEOMETRIC_MEDIAN}
 * @param normaliseInput        scale inputs by one scalar so that E‖x‖² = D (stored in the SAE)
 * @param normBatches           batches read to estimate that scale
 * @param centreInput           subtract b_dec from the input before encoding
 * @param decoderInitNorm       norm of the random initial decoder rows (W_enc starts as their copy)
 * @param seed                  seed of the initial weights
 * @param logEvery              steps between progress reports
 */
public record TrainConfig(
        Architecture architecture,
        int width,
        int k,
        int batchSize,
        long totalTokens,
        double lr,
        double adamBeta1,
        double adamBeta2,
        double adamEps,
        long lrWarmupSteps,
        double lrDecayFraction,
        double l1Coefficient,
        double l0Coefficient,
        double targetL0,
        long sparsityWarmupSteps,
        double jumpReluBandwidth,
        double jumpReluInitThreshold,
        int kAux,
        double auxAlpha,
        long deadTokens,
        long thresholdStartStep,
        BiasInit decoderBiasInit,
        int geometricMedianIterations,
        boolean normaliseInput,
        int normBatches,
        boolean centreInput,
        double decoderInitNorm,
        long seed,
        int logEvery) {

    /** How b_dec starts. */
    public enum BiasInit {
        /** Weiszfeld's geometric median of the first batch (sparsify, dictionary_learning). */
        GEOMETRIC_MEDIAN,
        /** The mean of the first batch. */
        MEAN,
        /** Zero (Anthropic's April 2024 update). */
        ZERO
    }

    public TrainConfig {
        if (architecture == null) fail("architecture is required");
        if (width < 1) fail("width must be at least 1, got " + width);
        if (k < 1) fail("k must be at least 1, got " + k);
        if (architecture.usesK() && k > width) fail("k=" + k + " exceeds the width " + width);
        if (batchSize < 1) fail("batch size must be at least 1, got " + batchSize);
        if (totalTokens < batchSize) fail("total tokens " + totalTokens + " is less than one batch of " + batchSize);
        positive("lr", lr);
        if (!(adamBeta1 >= 0 && adamBeta1 < 1)) fail("Adam beta1 must be in [0, 1), got " + adamBeta1);
        if (!(adamBeta2 >= 0 && adamBeta2 < 1)) fail("Adam beta2 must be in [0, 1), got " + adamBeta2);
        positive("Adam eps", adamEps);
        if (lrWarmupSteps < 0) fail("lr warm-up steps must be non-negative, got " + lrWarmupSteps);
        if (!(lrDecayFraction >= 0 && lrDecayFraction <= 1)) fail("lr decay fraction must be in [0, 1], got " + lrDecayFraction);
        nonNegative("l1 coefficient", l1Coefficient);
        nonNegative("l0 coefficient", l0Coefficient);
        nonNegative("target L0", targetL0);
        if (sparsityWarmupSteps < 0) fail("sparsity warm-up steps must be non-negative, got " + sparsityWarmupSteps);
        positive("JumpReLU bandwidth", jumpReluBandwidth);
        positive("JumpReLU initial threshold", jumpReluInitThreshold);
        if (kAux < 1) fail("k_aux must be at least 1, got " + kAux);
        nonNegative("aux-k alpha", auxAlpha);
        if (deadTokens < 1) fail("dead tokens must be at least 1, got " + deadTokens);
        long steps = totalTokens / batchSize;
        if (architecture == Architecture.BATCHTOPK && (thresholdStartStep < 0 || thresholdStartStep >= steps))
            fail("BatchTopK threshold start step " + thresholdStartStep + " must be in [0, " + steps + ") so that θ is estimated");
        if (decoderBiasInit == null) fail("decoder bias init is required");
        if (geometricMedianIterations < 0) fail("geometric median iterations must be non-negative, got " + geometricMedianIterations);
        if (normBatches < 1) fail("norm batches must be at least 1, got " + normBatches);
        positive("decoder init norm", decoderInitNorm);
        if (logEvery < 1) fail("log interval must be at least 1 step, got " + logEvery);
    }

    /** Number of optimiser steps: totalTokens / batchSize. */
    public long steps() { return totalTokens / batchSize; }

    /** Whether decoder rows are held at unit norm (all but ReLU, which penalises their norm instead). */
    public boolean constrainsDecoder() { return architecture.constrainsDecoder(); }

    /** Whether the aux-k loss applies (TopK, BatchTopK). */
    public boolean usesAuxK() { return architecture.usesK(); }

    /** A builder with every option unset; {@link Builder#build} fills the defaults. */
    public static Builder builder(Architecture architecture, int width) { return new Builder(architecture, width); }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder(architecture, width);
        b.k = k; b.batchSize = batchSize; b.totalTokens = totalTokens; b.lr = lr;
        b.adamBeta1 = adamBeta1; b.adamBeta2 = adamBeta2; b.adamEps = adamEps;
        b.lrWarmupSteps = lrWarmupSteps; b.lrDecayFraction = lrDecayFraction;
        b.l1Coefficient = l1Coefficient; b.l0Coefficient = l0Coefficient; b.targetL0 = targetL0;
        b.sparsityWarmupSteps = sparsityWarmupSteps; b.jumpReluBandwidth = jumpReluBandwidth;
        b.jumpReluInitThreshold = jumpReluInitThreshold; b.kAux = kAux; b.auxAlpha = auxAlpha;
        b.deadTokens = deadTokens; b.thresholdStartStep = thresholdStartStep; b.decoderBiasInit = decoderBiasInit;
        b.geometricMedianIterations = geometricMedianIterations; b.normaliseInput = normaliseInput;
        b.normBatches = normBatches; b.centreInput = centreInput; b.decoderInitNorm = decoderInitNorm;
        b.seed = seed; b.logEvery = logEvery;
        return b;
    }

    private static void positive(String what, double v) {
        if (!(v > 0 && Double.isFinite(v))) fail(what + " must be positive and finite, got " + v);
    }

    private static void nonNegative(String what, double v) {
        if (!(v >= 0 && Double.isFinite(v))) fail(what + " must be non-negative and finite, got " + v);
    }

    /** Defaults that the command line's help names (README, "Training defaults"). */
    public static final double DEFAULT_L1_COEFFICIENT = 5.0, DEFAULT_L0_COEFFICIENT = 1.0;
    public static final long DEFAULT_DEAD_TOKENS = 10_000_000L;

    private static void fail(String message) { throw new TrainConfigException("train config: " + message); }

    /** Collects options; unset ones (null) take the defaults in {@link #build}. */
    public static final class Builder {
        private final Architecture architecture;
        private final int width;
        private Integer k, batchSize, kAux, geometricMedianIterations, normBatches, logEvery;
        private Long totalTokens, lrWarmupSteps, sparsityWarmupSteps, deadTokens, thresholdStartStep, seed;
        private Double lr, adamBeta1, adamBeta2, adamEps, lrDecayFraction, l1Coefficient, l0Coefficient, targetL0;
        private Double jumpReluBandwidth, jumpReluInitThreshold, auxAlpha, decoderInitNorm;
        private Boolean normaliseInput, centreInput;
        private BiasInit decoderBiasInit;

        private Builder(Architecture architecture, int width) {
            this.architecture = architecture;
            this.width = width;
        }

        public Builder k(int v) { k = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder totalTokens(long v) { totalTokens = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder adamBetas(double b1, double b2) { adamBeta1 = b1; adamBeta2 = b2; return this; }
        public Builder adamEps(double v) { adamEps = v; return this; }
        public Builder lrWarmupSteps(long v) { lrWarmupSteps = v; return this; }
        public Builder lrDecayFraction(double v) { lrDecayFraction = v; return this; }
        public Builder l1Coefficient(double v) { l1Coefficient = v; return this; }
        public Builder l0Coefficient(double v) { l0Coefficient = v; return this; }
        public Builder targetL0(double v) { targetL0 = v; return this; }
        public Builder sparsityWarmupSteps(long v) { sparsityWarmupSteps = v; return this; }
        public Builder jumpReluBandwidth(double v) { jumpReluBandwidth = v; return this; }
        public Builder jumpReluInitThreshold(double v) { jumpReluInitThreshold = v; return this; }
        public Builder kAux(int v) { kAux = v; return this; }
        public Builder auxAlpha(double v) { auxAlpha = v; return this; }
        public Builder deadTokens(long v) { deadTokens = v; return this; }
        public Builder thresholdStartStep(long v) { thresholdStartStep = v; return this; }
        public Builder decoderBiasInit(BiasInit v) { decoderBiasInit = v; return this; }
        public Builder geometricMedianIterations(int v) { geometricMedianIterations = v; return this; }
        public Builder normaliseInput(boolean v) { normaliseInput = v; return this; }
        public Builder normBatches(int v) { normBatches = v; return this; }
        public Builder centreInput(boolean v) { centreInput = v; return this; }
        public Builder decoderInitNorm(double v) { decoderInitNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }

        /** Fills unset options with the defaults listed in README.md and validates. */
        public TrainConfig build() {
            if (architecture == null) fail("architecture is required");
            int kk = or(k, 32);
            int b = or(batchSize, 4096);
            long tokens = or(totalTokens, 100_000_000L);
            long steps = Math.max(1, tokens / Math.max(1, b));
            boolean jump = architecture == Architecture.JUMPRELU;
            boolean relu = architecture == Architecture.RELU;
            return new TrainConfig(architecture, width, kk, b, tokens,
                    or(lr, defaultLr(architecture, width)),
                    or(adamBeta1, jump ? 0.0 : 0.9), or(adamBeta2, 0.999), or(adamEps, 1e-8),
                    or(lrWarmupSteps, Math.min(1000L, steps / 10)),
                    or(lrDecayFraction, 0.2),
                    or(l1Coefficient, DEFAULT_L1_COEFFICIENT),
                    or(l0Coefficient, DEFAULT_L0_COEFFICIENT),
                    or(targetL0, (double) kk),
                    or(sparsityWarmupSteps, relu ? steps / 20 : Math.min(2000L, steps / 10)),
                    or(jumpReluBandwidth, 0.001), or(jumpReluInitThreshold, 0.001),
                    or(kAux, 512), or(auxAlpha, 1.0 / 32), or(deadTokens, DEFAULT_DEAD_TOKENS),
                    or(thresholdStartStep, steps - Math.max(1, steps / 5)),
                    or(decoderBiasInit, BiasInit.GEOMETRIC_MEDIAN), or(geometricMedianIterations, 100),
                    or(normaliseInput, true), or(normBatches, 100), or(centreInput, true),
                    or(decoderInitNorm, relu ? 0.1 : 1.0),
                    or(seed, 0L), or(logEvery, 100));
        }

        /**
         * ReLU: 5e-5 (Anthropic, April 2024); JumpReLU: 7e-5 (Gemma Scope, dictionary_learning);
         * TopK and BatchTopK: 2e-4 / sqrt(F / 2^14) (sparsify, dictionary_learning).
         */
        static double defaultLr(Architecture a, int width) {
            return switch (a) {
                case RELU -> 5e-5;
                case JUMPRELU -> 7e-5;
                case TOPK, BATCHTOPK -> 2e-4 / Math.sqrt(width / 16384.0);
            };
        }

        private static <T> T or(T value, T fallback) { return value != null ? value : fallback; }
    }
}
