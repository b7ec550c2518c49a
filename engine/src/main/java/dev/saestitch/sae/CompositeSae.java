package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.input.InputException;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SAE assembled from latents of other SAEs (SPEC §2; stitched and Frankenstein SAEs): a list
 * of sources, each an SAE and the indices of the latents taken from it, plus the composite's own
 * decoder rows and decoder bias. Each source computes its codes exactly as it would alone (its
 * input scale, its b_dec centring, its encoder, its activation rule over all of its latents, so a
 * TopK source takes its top-k among all of them); only the chosen latents are kept:
 *
 * <pre>
 *   f_i(x) = σ_s( (σ_s·x − c_s·b_dec^s) W_enc^sᵀ + b_enc^s )_l      for composite latent i = latent l of source s
 *   x̂     = Σ_i f_i(x) W_i + b                                     W (F, D) and b (1, D) in the data's units
 * </pre>
 *
 * Composite latents are numbered source by source, each source's latents in the order given.
 * By default W_i is the source's decoder row divided by its input scale and b follows a
 * {@link BiasRule}; {@link #withDecoder} takes any decoder (e.g. one retrained after a merge).
 *
 * <p>The composite owns its decoder through its own arena. It does not own the source SAEs,
 * except when a loader hands it SAEs it read from a file (then closing the composite closes them).
 */
public final class CompositeSae implements Autoencoder {

    /**
     * Latents taken from one SAE.
     * @param latents indices into {@code sae}'s latents, distinct, any order (may be empty)
     */
    public record Source(Sae sae, int[] latents) {
        public Source {
            latents = latents.clone();
            boolean[] seen = new boolean[sae.width()];
            for (int l : latents) {
                if (l < 0 || l >= sae.width()) throw new IllegalArgumentException("latent " + l + " is outside [0, " + sae.width() + ") of " + sae);
                if (seen[l]) throw new IllegalArgumentException("latent " + l + " of " + sae + " is taken twice");
                seen[l] = true;
            }
        }

        @Override public int[] latents() { return latents.clone(); }

        public int count() { return latents.length; }
    }

    /** How a composite's decoder bias is made from its sources' b_dec (each in the data's units, b_dec^s/σ_s). */
    public enum BiasRule {
        /**
         * The papers' eq. 5 (saes-not-canonical slides), b = α b_dec^0 + (1−α) b_dec^1 with
         * α = |L_0|/(|L_0|+|L_1|); for any number of sources, the mean of their b_dec weighted by
         * the number of latents taken from each.
         */
        EQ5,
        /** The first source's b_dec, as the stitching workshop paper keeps the base SAE's. */
        KEEP;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        public static BiasRule parse(String s) {
            for (BiasRule r : values()) if (r.cliName().equals(s.toLowerCase(Locale.ROOT))) return r;
            throw new InputException("unknown decoder bias rule '" + s + "' (expected eq5 or keep)");
        }
    }

    private final Arena arena = Arena.ofShared();
    private final List<Source> sources;
    private final Matrix wDec;   // (F, D) decoder rows in the data's units
    private final Matrix bDec;   // (1, D) in the data's units
    private final boolean ownsSources;

    private CompositeSae(List<Source> sources, boolean ownsSources) {
        if (sources.isEmpty()) throw new IllegalArgumentException("a composite SAE needs at least one source");
        int d = sources.getFirst().sae().dIn(), f = 0;
        for (Source s : sources) {
            if (s.sae().dIn() != d) throw new IllegalArgumentException("sources differ in d_in: " + sources.getFirst().sae() + " and " + s.sae());
            f += s.count();
        }
        if (f == 0) throw new IllegalArgumentException("a composite SAE needs at least one latent");
        this.sources = List.copyOf(sources);
        this.wDec = Matrix.allocate(arena, f, d);
        this.bDec = Matrix.allocate(arena, 1, d);
        this.ownsSources = ownsSources;
    }

    /** The chosen latents with their own decoder rows and the decoder bias of {@code rule}. */
    public static CompositeSae of(List<Source> sources, BiasRule rule) {
        CompositeSae c = new CompositeSae(sources, false);
        int row = 0;
        for (Source s : c.sources) for (int l : s.latents) copyDecoderRow(s.sae(), l, c.wDec, row++);
        List<Sae> saes = new ArrayList<>();
        int[] counts = new int[c.sources.size()];
        for (int i = 0; i < counts.length; i++) {
            saes.add(c.sources.get(i).sae());
            counts[i] = c.sources.get(i).count();
        }
        float[] b = decoderBias(saes, counts, rule);
        for (int j = 0; j < b.length; j++) c.bDec.set(0, j, b[j]);
        return c;
    }

    /**
     * The chosen latents with a given decoder (copied).
     * @param wDec (F, D) decoder rows in the data's units, F the total number of chosen latents
     * @param bDec (1, D) in the data's units
     */
    public static CompositeSae withDecoder(List<Source> sources, Matrix wDec, Matrix bDec) {
        return withDecoder(sources, wDec, bDec, false);
    }

    /** As {@link #withDecoder(List, Matrix, Matrix)}; with {@code ownsSources}, closing the composite closes the sources' SAEs (a loader's case). */
    public static CompositeSae withDecoder(List<Source> sources, Matrix wDec, Matrix bDec, boolean ownsSources) {
        int f = sources.stream().mapToInt(Source::count).sum(), d = sources.isEmpty() ? 0 : sources.getFirst().sae().dIn();
        if (wDec.rows() != f || wDec.cols() != d || bDec.rows() != 1 || bDec.cols() != d)
            throw new IllegalArgumentException("decoder " + wDec.shape() + " and bias " + bDec.shape() + " for a composite of " + f + " latents on d_in=" + d);
        CompositeSae c = new CompositeSae(sources, ownsSources);
        c.wDec.copyFrom(wDec);
        c.bDec.copyFrom(bDec);
        return c;
    }

    /**
     * The decoder bias that {@code rule} gives sources {@code saes} contributing {@code counts}
     * latents: computed in float64 from each b_dec^s/σ_s (float32, as {@link #decoderInDataUnits}
     * divides), rounded once to float32. Shared with the stitching path so that both see the
     * same bias at every step.
     */
    public static float[] decoderBias(List<Sae> saes, int[] counts, BiasRule rule) {
        int d = saes.getFirst().dIn();
        long total = 0;
        for (int n : counts) total += n;
        double[] b = new double[d];
        for (int s = 0; s < saes.size(); s++) {
            double weight = switch (rule) {
                case EQ5 -> total == 0 ? (s == 0 ? 1 : 0) : (double) counts[s] / total;
                case KEEP -> s == 0 ? 1 : 0;
            };
            if (weight == 0) continue;
            Sae sae = saes.get(s);
            for (int j = 0; j < d; j++) b[j] += weight * (sae.bDec().get(0, j) / sae.inputScale());
        }
        float[] out = new float[d];
        for (int j = 0; j < d; j++) out[j] = (float) b[j];
        return out;
    }

    /** (F, D) all of {@code sae}'s decoder rows in the data's units, W_dec/σ (float32 division), owned by {@code arena}. */
    public static Matrix decoderInDataUnits(Sae sae, Arena arena) {
        Matrix out = Matrix.allocate(arena, sae.width(), sae.dIn());
        for (int l = 0; l < sae.width(); l++) copyDecoderRow(sae, l, out, l);
        return out;
    }

    /** Latent l's decoder row of {@code sae}, divided by its input scale, into row {@code row} of {@code out}. */
    private static void copyDecoderRow(Sae sae, int l, Matrix out, int row) {
        float s = sae.inputScale();
        for (int c = 0; c < sae.dIn(); c++) out.set(row, c, sae.wDec().get(l, c) / s);
    }

    public List<Source> sources() { return sources; }
    @Override public String architectureName() { return "composite"; }
    @Override public InferenceRunner runner(Backend backend, int maxBatch) { return new CompositeSaeRunner(backend, this, maxBatch); }
    @Override public Matrix decoderInDataUnits(Arena arena) {
        Matrix out = Matrix.allocate(arena, width(), dIn());
        out.copyFrom(wDec);   // a composite's rows are in the data's units already
        return out;
    }
    public int dIn() { return wDec.cols(); }
    public int width() { return wDec.rows(); }
    /** (F, D) decoder rows in the data's units. */
    public Matrix wDec() { return wDec; }
    /** (1, D) decoder bias in the data's units. */
    public Matrix bDec() { return bDec; }

    /**
     * Whether a single JumpReLU SAE computes the same codes: every source that contributes a
     * latent decides each latent on its own (ReLU, JumpReLU, or BatchTopK with its inference
     * threshold); a TopK source's latents depend on each other.
     */
    public boolean expressibleAsJumpRelu() {
        return sources.stream().noneMatch(s -> s.count() > 0 && s.sae().architecture().selectsTopKAtInference());
    }

    /**
     * This composite as one JumpReLU SAE with the same codes and reconstruction (SAELens can load
     * it). Each source's scale and centring are folded into its latents' encoder rows, in float64
     * before one rounding:
     * <pre>  z_i = (σ_s·x − c_s·b_dec^s)·w_i + b_i = x·(σ_s·w_i) + (b_i − c_s·⟨b_dec^s, w_i⟩)</pre>
     * so the exported SAE does not centre its input (apply_b_dec_to_input = false) and has input
     * scale 1; θ_i is the source's threshold, 0 for ReLU (z·H(z − 0) = ReLU(z)). Its b_dec is
     * the composite's decoder bias, its W_dec the composite's rows. The first source's hook and
     * model names ride along as metadata. The caller owns the returned SAE.
     *
     * @throws IllegalStateException when a TopK source contributes latents
     */
    public Sae toJumpRelu() {
        if (!expressibleAsJumpRelu())
            throw new IllegalStateException("a composite with latents from a TopK SAE cannot be written as one JumpReLU SAE");
        int d = dIn();
        Sae out = new Sae(Architecture.JUMPRELU, d, width(), 0, false);
        out.wDec().copyFrom(wDec);
        out.bDec().copyFrom(bDec);
        int row = 0;
        for (Source s : sources) {
            Sae src = s.sae();
            double scale = src.inputScale();
            for (int l : s.latents) {
                double shift = 0;
                for (int c = 0; c < d; c++) {
                    double w = src.wEnc().get(l, c);
                    out.wEnc().set(row, c, (float) (scale * w));
                    if (src.centreInput()) shift += (double) src.bDec().get(0, c) * w;
                }
                out.bEnc().set(0, row, (float) (src.bEnc().get(0, l) - shift));
                out.threshold().set(0, row, src.threshold() == null ? 0f : src.threshold().get(0, l));
                row++;
            }
        }
        out.metadata().putAll(hookMetadata());
        return out;
    }

    /**
     * Where the composite reads: the first source's model and hook names (and a SAELens 6.x
     * {@code metadata} block), which every saved form of it carries, so that SAELens tools and
     * loaders know the hook.
     */
    public Map<String, Object> hookMetadata() {
        Map<String, Object> meta = sources.getFirst().sae().metadata(), out = new LinkedHashMap<>();
        for (String key : new String[] {"model_name", "hook_name", "hook_layer", "hook_head_index", "metadata"})
            if (meta.containsKey(key)) out.put(key, meta.get(key));
        return out;
    }

    @Override public void close() {
        arena.close();
        if (ownsSources) for (Source s : sources) s.sae().close();
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("composite SAE " + dIn() + "→" + width() + " of");
        for (Source s : sources) sb.append(' ').append(s.count()).append(" from ").append(s.sae()).append(';');
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** The composite latent of every source latent, -1 where it is not taken; (sources, F_s). */
    int[][] positions() {
        int[][] pos = new int[sources.size()][];
        int next = 0;
        for (int s = 0; s < pos.length; s++) {
            pos[s] = new int[sources.get(s).sae().width()];
            Arrays.fill(pos[s], -1);
            for (int l : sources.get(s).latents) pos[s][l] = next++;
        }
        return pos;
    }
}
