package dev.saestitch.sae;

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

    /** Whether inference uses a per-latent threshold vector (stored as {@code threshold} in SAELens files). */
    public boolean usesThreshold() { return this == BATCHTOPK || this == JUMPRELU; }

    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    public static Architecture parse(String s) {
        for (Architecture a : values()) if (a.cliName().equals(s.toLowerCase(Locale.ROOT))) return a;
        throw new IllegalArgumentException("unknown architecture '" + s + "' (expected relu, topk, batchtopk or jumprelu)");
    }
}
