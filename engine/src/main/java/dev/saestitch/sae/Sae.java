package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sparse autoencoder in host memory: weights plus everything needed to apply it exactly as it
 * was trained. The SAE owns its weights through one {@link Arena}.
 *
 * <pre>
 *   x' = x · inputScale                     (scalar input normalisation, 1 when off)
 *   z  = (x' − b_dec·[centreInput]) W_encᵀ + b_enc
 *   f  = σ(z)                               (architecture; threshold for JumpReLU and BatchTopK at inference)
 *   x̂ = (f W_dec + b_dec) / inputScale
 * </pre>
 */
public final class Sae implements Autoencoder {

    private final Arena arena;
    private final Architecture architecture;
    private final int k;
    private final boolean centreInput;
    private float inputScale;
    private final Matrix wEnc;      // (F, D) encoder rows
    private final Matrix bEnc;      // (1, F)
    private final Matrix wDec;      // (F, D) decoder rows (unit norm after training, unless the scale is folded)
    private final Matrix bDec;      // (1, D)
    private final Matrix threshold; // (1, F) JumpReLU θ_i or BatchTopK's global θ repeated; null otherwise
    private final Map<String, Object> metadata;

    /**
     * A zero-initialised SAE of width F on inputs of dimension D.
     * @param k active latents per row for TopK and BatchTopK (ignored otherwise)
     */
    public Sae(Architecture architecture, int dIn, int width, int k, boolean centreInput) {
        if (dIn <= 0 || width <= 0) throw new IllegalArgumentException("SAE shape must be positive: d_in=" + dIn + ", width=" + width);
        if (architecture.usesK() && (k <= 0 || k > width))
            throw new IllegalArgumentException("k must be in [1, width=" + width + "] for " + architecture.cliName() + ", got " + k);
        this.arena = Arena.ofShared();
        this.architecture = architecture;
        this.k = k;
        this.centreInput = centreInput;
        this.inputScale = 1f;
        this.wEnc = Matrix.allocate(arena, width, dIn);
        this.bEnc = Matrix.allocate(arena, 1, width);
        this.wDec = Matrix.allocate(arena, width, dIn);
        this.bDec = Matrix.allocate(arena, 1, dIn);
        this.threshold = architecture.usesThreshold() ? Matrix.allocate(arena, 1, width) : null;
        this.metadata = new LinkedHashMap<>();
    }

    public Architecture architecture() { return architecture; }
    @Override public String architectureName() { return architecture.cliName(); }
    @Override public InferenceRunner runner(Backend backend, int maxBatch) { return new SaeRunner(backend, this, maxBatch); }
    @Override public Matrix decoderInDataUnits(Arena arena) { return CompositeSae.decoderInDataUnits(this, arena); }
    public int dIn() { return wDec.cols(); }
    public int width() { return wDec.rows(); }
    /** Active latents per row for TopK/BatchTopK, 0 for the others. */
    public int k() { return architecture.usesK() ? k : 0; }
    /** Whether b_dec is subtracted from the input before encoding (SAELens apply_b_dec_to_input). */
    public boolean centreInput() { return centreInput; }
    /** Multiplier applied to inputs before encoding (1 when inputs are not normalised). */
    public float inputScale() { return inputScale; }
    public void setInputScale(float s) {
        if (!(s > 0 && Float.isFinite(s))) throw new IllegalArgumentException("input scale must be positive and finite, got " + s);
        inputScale = s;
    }
    public Matrix wEnc() { return wEnc; }
    public Matrix bEnc() { return bEnc; }
    public Matrix wDec() { return wDec; }
    public Matrix bDec() { return bDec; }
    /** Per-latent thresholds, or null when the architecture has none. */
    public Matrix threshold() { return threshold; }
    /** Free-form configuration carried through from files (hook name, model name, ...). */
    public Map<String, Object> metadata() { return metadata; }

    /** A deep copy, owned by its own arena. */
    public Sae copy() {
        Sae c = new Sae(architecture, dIn(), width(), k, centreInput);
        c.inputScale = inputScale;
        c.wEnc.copyFrom(wEnc);
        c.bEnc.copyFrom(bEnc);
        c.wDec.copyFrom(wDec);
        c.bDec.copyFrom(bDec);
        if (threshold != null) c.threshold.copyFrom(threshold);
        c.metadata.putAll(metadata);
        return c;
    }

    @Override public void close() { arena.close(); }

    @Override public String toString() {
        return architecture.cliName() + " SAE " + dIn() + "→" + width() + (k() > 0 ? " k=" + k : "");
    }
}
