package dev.saestitch.sae;

import dev.saestitch.input.InputException;

import java.util.Locale;

/** The activation rule of an SAE (SPEC §1). */
public enum Architecture {
    /** ReLU(z), trained with the decoder-norm-weighted L1 penalty. */
    RELU,
    /** The k largest of ReLU(z) in each row. */
    TOPK,
    /** The B·k largest of ReLU(z) over a training batch; at inference z·H(z−θ) with one global θ. */
    BATCHTOPK,
    /** z·H(z−θ_i) with a learned θ_i per latent. */
    JUMPRELU;

    // Each rule is a switch expression, so that a new constant does not compile until every rule says what it does.

    /** Whether inference uses a per-latent threshold vector (stored as {@code threshold} in SAELens files). */
    public boolean usesThreshold() {
        return switch (this) {
            case BATCHTOPK, JUMPRELU -> true;
            case RELU, TOPK -> false;
        };
    }

    /** Whether k (active latents per row) is part of the architecture: TopK's per row, BatchTopK's per batch. */
    public boolean usesK() {
        return switch (this) {
            case TOPK, BATCHTOPK -> true;
            case RELU, JUMPRELU -> false;
        };
    }

    /**
     * Whether inference keeps the k largest codes of each row; otherwise it keeps z above the
     * threshold vector (0 without one), a per-latent rule that a JumpReLU SAE can express exactly.
     */
    public boolean selectsTopKAtInference() {
        return switch (this) {
            case TOPK -> true;
            case RELU, BATCHTOPK, JUMPRELU -> false;
        };
    }

    /** Whether training learns a threshold per latent (JumpReLU's straight-through estimator). */
    public boolean learnsThreshold() {
        return switch (this) {
            case JUMPRELU -> true;
            case RELU, TOPK, BATCHTOPK -> false;
        };
    }

    /** Whether training keeps decoder rows at unit norm; ReLU penalises their norms in the L1 term instead. */
    public boolean constrainsDecoder() {
        return switch (this) {
            case TOPK, BATCHTOPK, JUMPRELU -> true;
            case RELU -> false;
        };
    }

    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    public static Architecture parse(String s) {
        for (Architecture a : values()) if (a.cliName().equals(s.toLowerCase(Locale.ROOT))) return a;
        throw new InputException("unknown architecture '" + s + "' (expected relu, topk, batchtopk or jumprelu)");
    }
}
