package dev.saestitch.io;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SAELens layout: a directory with {@code cfg.json} and {@code sae_weights.safetensors} holding
 * {@code W_enc [D, F]}, {@code b_enc [F]}, {@code W_dec [F, D]}, {@code b_dec [D]} and, for JumpReLU,
 * {@code threshold [F]}. Reads the flat configs of SAELens 3–5 and the 6.x ones (whose model and
 * hook names sit in a nested {@code metadata} object, kept as it is).
 *
 * <p>Writing folds the SAE's input scale s into the weights as SAELens's
 * {@code fold_activation_norm_scaling_factor} does: with x' = s·x,
 * {@code z = (s·x − b_dec)·W_encᵀ + b_enc = (x − b_dec/s)·(s·W_enc)ᵀ + b_enc} and
 * {@code x̂ = (f·W_dec + b_dec)/s = f·(W_dec/s) + b_dec/s}; so W_enc·s, W_dec/s, b_dec/s, with b_enc
 * and the thresholds unchanged because z is. A BatchTopK SAE is written as SAELens writes one for
 * inference, a JumpReLU with its global threshold repeated, and marked so that it reads back as
 * BatchTopK with its k.
 */
public final class SaeLensFormat {

    public static final String WEIGHTS_FILE = "sae_weights.safetensors";
    /** SAELens's per-latent log10 firing frequency, beside the weights. */
    public static final String SPARSITY_FILE = "sparsity.safetensors", SPARSITY_TENSOR = "sparsity";
    /** Our marks on a BatchTopK SAE saved as "jumprelu"; SAELens ignores keys it does not know. */
    static final String ORIGINAL_ARCHITECTURE = "saestitch_architecture";
    static final String ORIGINAL_K = "saestitch_k";
    /** Keys the writer derives from the SAE itself; everything else in cfg.json rides along in Sae.metadata(). */
    /** SAELens 6.x's nested block of usage metadata, and the keys that belong in it (flat in SAELens before 6.0). */
    static final String METADATA = "metadata";
    private static final List<String> METADATA_KEYS = List.of("sae_lens_version", "sae_lens_training_version", "model_name", "hook_name", "hook_layer", "hook_head_index",
            "model_class_name", "model_from_pretrained_kwargs", "context_size", "dataset_path", "dataset_trust_remote_code",
            "prepend_bos", "seqpos_slice", "neuronpedia_id", "exclude_special_tokens");
    /** The SAELens release whose cfg.json layout the writer follows (not a claim that SAELens wrote the file). */
    static final String SAELENS_LAYOUT_VERSION = "6.0.0";
    /** SAELens TopK training's default; folded into the weights on reading, so not carried on. */
    static final String RESCALE_BY_DECODER_NORM = "rescale_acts_by_decoder_norm";
    private static final Set<String> DERIVED = Set.of("d_in", "d_sae", "dtype", "architecture", "apply_b_dec_to_input",
            "normalize_activations", "k", ORIGINAL_ARCHITECTURE, ORIGINAL_K, RESCALE_BY_DECODER_NORM, "device", "reshape_activations");

    private SaeLensFormat() {}

    /** The architecture and k a cfg.json describes. */
    private record Kind(Architecture architecture, int k) {}

    public static Sae read(Path dir) {
        CfgJson cfg = CfgJson.read(dir.resolve(CfgJson.FILE_NAME));
        Kind kind = kind(cfg);
        checkNormalisation(cfg);
        Boolean applyBDec = cfg.bool("apply_b_dec_to_input");
        boolean centre = applyBDec == null || applyBDec; // SAELens's default
        Integer cfgDIn = cfg.integer("d_in"), cfgDSae = cfg.integer("d_sae");

        try (Arena arena = Arena.ofConfined()) {
            WeightFile w = new WeightFile(dir.resolve(WEIGHTS_FILE), arena);
            MappedTensor wDec = w.require("W_dec");
            if (wDec.rank() != 2) throw new SaeFileException(w.path(), wDec.describe() + " is not 2-D [d_sae, d_in]");
            long f = wDec.dim(0), d = wDec.dim(1);
            if (cfgDIn != null && cfgDIn != d)
                throw new SaeFileException(w.path(), "W_dec has d_in=" + d + " but " + cfg.file() + " says d_in=" + cfgDIn);
            if (cfgDSae != null && cfgDSae != f)
                throw new SaeFileException(w.path(), "W_dec has d_sae=" + f + " but " + cfg.file() + " says d_sae=" + cfgDSae);
            String why = "d_sae=" + f + ", d_in=" + d + " from W_dec";
            MappedTensor wEnc = w.require("W_enc", why, d, f);
            MappedTensor bEnc = w.require("b_enc", why, f);
            MappedTensor bDec = w.require("b_dec", why, d);
            MappedTensor threshold = kind.architecture().usesThreshold() ? thresholdTensor(w, kind.architecture(), why, f) : null;
            requireUnitScalingFactor(w, why, f, arena);
            w.rejectUnclaimed("SAELens " + kind.architecture().cliName());

            Sae sae = newSae(cfg, kind, (int) d, (int) f, centre);
            try {
                wEnc.readTransposedInto(sae.wEnc());
                bEnc.readInto(sae.bEnc());
                wDec.readInto(sae.wDec());
                bDec.readInto(sae.bDec());
                if (threshold != null) {
                    if (threshold.elementCount() == 1) sae.threshold().fill(threshold.readFloat32(arena).get(0, 0));
                    else threshold.readInto(sae.threshold());
                }
                w.requireFinite("W_enc", sae.wEnc());
                w.requireFinite("b_enc", sae.bEnc());
                w.requireFinite("W_dec", sae.wDec());
                w.requireFinite("b_dec", sae.bDec());
                if (threshold != null) w.requireFinite(threshold.name(), sae.threshold());
                if (Boolean.TRUE.equals(cfg.bool(RESCALE_BY_DECODER_NORM))) foldDecoderNorms(sae, w.path());
                cfg.values().forEach((key, value) -> {
                    if (!DERIVED.contains(key)) sae.metadata().put(key, value);
                });
                liftMetadataBlock(sae.metadata());
                return sae;
            } catch (RuntimeException e) {
                sae.close();
                throw e;
            }
        }
    }

    /**
     * SAELens's {@code rescale_acts_by_decoder_norm}: the pre-activations are multiplied by each
     * latent's decoder row norm n_i before the activation and the codes divided by it before
     * decoding. So the same function is W_enc's row and b_enc times n_i (the rescaled pre-activation
     * itself, compared with the same threshold if any) and W_dec's row divided by n_i, with unit
     * rows as SAELens's {@code fold_W_dec_norm} leaves them. A file saved
     * by {@code save_inference_model} already has n_i = 1, and folding leaves it (to rounding) as it is.
     */
    private static void foldDecoderNorms(Sae sae, Path weights) {
        for (int i = 0; i < sae.width(); i++) {
            double sq = 0;
            for (int j = 0; j < sae.dIn(); j++) sq += (double) sae.wDec().get(i, j) * sae.wDec().get(i, j);
            float n = (float) Math.sqrt(sq);
            if (!(n > 0 && Float.isFinite(n)))
                throw new SaeFileException(weights, "W_dec row " + i + " has norm " + n + "; " + RESCALE_BY_DECODER_NORM + " needs positive norms");
            if (n == 1f) continue;
            for (int j = 0; j < sae.dIn(); j++) {
                sae.wEnc().set(i, j, sae.wEnc().get(i, j) * n);
                sae.wDec().set(i, j, sae.wDec().get(i, j) / n);
            }
            sae.bEnc().setFlat(i, sae.bEnc().getFlat(i) * n);
        }
    }

    private static Kind kind(CfgJson cfg) {
        String architecture = cfg.string("architecture");
        if (architecture == null) architecture = "standard"; // SAELens's default before the key existed
        String activation = cfg.string("activation_fn_str") != null ? cfg.string("activation_fn_str") : cfg.string("activation_fn");
        return switch (architecture) {
            case "standard", "relu" -> {
                if (activation == null || activation.equals("relu")) yield new Kind(Architecture.RELU, 0);
                // SAELens before 6.0 wrote TopK SAEs as "standard" with activation_fn "topk"
                if (activation.equals("topk")) yield new Kind(Architecture.TOPK, k(cfg, "activation_fn_kwargs.k", kwargsK(cfg)));
                throw cfg.problem("activation function '" + activation + "' is not supported (relu or topk)");
            }
            case "topk" -> {
                Integer k = cfg.integer("k");
                yield new Kind(Architecture.TOPK, k(cfg, "k", k != null ? k : kwargsK(cfg)));
            }
            case "batchtopk" -> new Kind(Architecture.BATCHTOPK, k(cfg, "k", cfg.integer("k")));
            case "jumprelu" -> {
                String original = cfg.string(ORIGINAL_ARCHITECTURE);
                if (original == null) yield new Kind(Architecture.JUMPRELU, 0);
                if (original.equals(Architecture.BATCHTOPK.cliName()))
                    yield new Kind(Architecture.BATCHTOPK, k(cfg, ORIGINAL_K, cfg.integer(ORIGINAL_K)));
                throw cfg.problem("'" + ORIGINAL_ARCHITECTURE + "' is '" + original + "'; only batchtopk is saved as jumprelu");
            }
            default -> throw cfg.problem("architecture '" + architecture + "' is not supported (standard, topk, batchtopk or jumprelu)");
        };
    }

    private static Integer kwargsK(CfgJson cfg) {
        Map<String, Object> kwargs = cfg.object("activation_fn_kwargs");
        return kwargs == null ? null : cfg.integer("activation_fn_kwargs.k", kwargs.get("k"));
    }

    private static int k(CfgJson cfg, String key, Integer k) {
        if (k == null) throw cfg.problem("has no '" + key + "' for a TopK-style SAE");
        if (k <= 0) throw cfg.problem("'" + key + "' is " + k + ", expected a positive integer");
        return k;
    }

    /**
     * Only "none" describes weights that apply to raw inputs. SAELens files do not store the
     * expected-average factor (SAELens takes it from its registry of pretrained SAEs), and the
     * per-sample normalisations cannot be expressed as one scale.
     */
    private static void checkNormalisation(CfgJson cfg) {
        Object n = cfg.get("normalize_activations");
        if (n == null || Boolean.FALSE.equals(n) || "none".equals(n)) return;
        if (Boolean.TRUE.equals(n) || "expected_average_only_in".equals(n))
            throw cfg.problem("normalize_activations is 'expected_average_only_in' but the scaling factor is not stored in SAELens files;"
                    + " fold it into the weights first (SAELens: sae.fold_activation_norm_scaling_factor)");
        throw cfg.problem("normalize_activations '" + n + "' (a per-sample normalisation) is not supported");
    }

    /** JumpReLU's per-latent θ, or for a BatchTopK training checkpoint its one global θ. */
    private static MappedTensor thresholdTensor(WeightFile w, Architecture a, String why, long f) {
        if (a == Architecture.BATCHTOPK && !w.has("threshold") && w.has("topk_threshold"))
            return w.require("topk_threshold", "a scalar", new long[0]);
        return w.require("threshold", why, f);
    }

    /** SAELens 3.x wrote a `scaling_factor` of ones even when unused; anything else is finetuning we do not model. */
    private static void requireUnitScalingFactor(WeightFile w, String why, long f, Arena arena) {
        if (!w.has("scaling_factor")) return;
        Matrix s = w.require("scaling_factor", why, f).readFloat32(arena);
        for (long i = 0; i < s.size(); i++)
            if (s.getFlat(i) != 1f)
                throw new SaeFileException(w.path(), "tensor 'scaling_factor' is not all ones (finetuning scaling is not supported)");
    }

    private static Sae newSae(CfgJson cfg, Kind kind, int d, int f, boolean centre) {
        try {
            return new Sae(kind.architecture(), d, f, kind.k(), centre);
        } catch (IllegalArgumentException e) {
            throw cfg.problem(e.getMessage());
        }
    }

    /** Writes {@code sae} into directory {@code dir} atomically, replacing an SAE directory already there. */
    public static void write(Sae sae, Path dir) {
        write(sae, dir, null);
    }

    /**
     * As {@link #write(Sae, Path)}, adding {@code sparsity.safetensors} as SAELens writes it when
     * {@code log10Frequency} is given: tensor {@code sparsity} [d_sae], log10 of each latent's
     * firing frequency (see {@link SaeFiles#log10FiringFrequency}).
     */
    public static void write(Sae sae, Path dir, Matrix log10Frequency) {
        if (log10Frequency != null && log10Frequency.size() != sae.width())
            throw new IllegalArgumentException(log10Frequency.shape() + " firing frequencies for " + sae.width() + " latents");
        int d = sae.dIn(), f = sae.width();
        float s = sae.inputScale();
        try (Arena arena = Arena.ofConfined()) {
            Matrix wEnc = Matrix.allocate(arena, d, f);   // (D, F) = (s·W_enc)ᵀ, SAELens's orientation
            for (int i = 0; i < f; i++)
                for (int j = 0; j < d; j++) wEnc.set(j, i, sae.wEnc().get(i, j) * s);
            Matrix wDec = scaled(arena, sae.wDec(), s);   // (F, D)
            Matrix bDec = scaled(arena, sae.bDec(), s);   // (1, D)
            List<FloatTensor> tensors = new ArrayList<>(List.of(
                    FloatTensor.matrix("W_dec", wDec),
                    FloatTensor.matrix("W_enc", wEnc),
                    FloatTensor.vector("b_dec", bDec),
                    FloatTensor.vector("b_enc", sae.bEnc())));
            if (sae.threshold() != null) tensors.add(FloatTensor.vector("threshold", sae.threshold()));
            byte[] cfg = CfgJson.toBytes(config(sae));
            AtomicFiles.replaceDirectory(dir, Set.of(CfgJson.FILE_NAME, WEIGHTS_FILE, SPARSITY_FILE), tmp -> {
                Safetensors.write(tmp.resolve(WEIGHTS_FILE), tensors, Map.of());
                if (log10Frequency != null)
                    Safetensors.write(tmp.resolve(SPARSITY_FILE), List.of(FloatTensor.vector(SPARSITY_TENSOR, log10Frequency)), Map.of());
                AtomicFiles.writeDurably(tmp.resolve(CfgJson.FILE_NAME), ch -> TensorBytes.write(ch, cfg));
            });
        }
    }

    /** 1/s applied the way SAELens applies it (division, not multiplication by a rounded reciprocal). */
    static Matrix scaled(Arena arena, Matrix m, float s) {
        Matrix out = Matrix.allocate(arena, m.rows(), m.cols());
        for (long i = 0; i < m.size(); i++) out.setFlat(i, m.getFlat(i) / s);
        return out;
    }

    private static Map<String, Object> config(Sae sae) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("d_in", sae.dIn());
        cfg.put("d_sae", sae.width());
        cfg.put("dtype", "float32");
        // A switch expression, so that a new architecture does not compile until it has a SAELens name.
        cfg.put("architecture", switch (sae.architecture()) {
            case RELU -> "standard";
            case TOPK -> "topk";
            case JUMPRELU, BATCHTOPK -> "jumprelu";   // BatchTopK is saved with its global threshold
        });
        if (sae.architecture() == Architecture.TOPK) cfg.put("k", sae.k());
        if (sae.architecture() == Architecture.BATCHTOPK) {
            cfg.put(ORIGINAL_ARCHITECTURE, Architecture.BATCHTOPK.cliName());
            cfg.put(ORIGINAL_K, sae.k());
        }
        cfg.put("apply_b_dec_to_input", sae.centreInput());
        cfg.put("normalize_activations", "none"); // the input scale is folded into the weights
        cfg.put("device", "cpu");
        cfg.put("reshape_activations", "none");
        Map<String, Object> metadata = metadataBlock(sae.metadata());
        sae.metadata().forEach((key, value) -> {
            if (!DERIVED.contains(key) && !key.equals(METADATA) && !metadata.containsKey(key)) cfg.put(key, value);
        });
        cfg.put(METADATA, metadata);
        return cfg;
    }

    /**
     * The usage keys of a 6.x {@code metadata} block become flat keys, as pre-6.0 files and other
     * layouts carry them, so that every SAE names its hook and model the same way; the rest of the
     * block stays nested. {@link #metadataBlock} puts them back.
     */
    private static void liftMetadataBlock(Map<String, Object> flat) {
        if (!(flat.get(METADATA) instanceof Map<?, ?> nested)) return;
        Map<String, Object> rest = new LinkedHashMap<>();
        nested.forEach((key, value) -> {
            if (METADATA_KEYS.contains(String.valueOf(key))) flat.put(String.valueOf(key), value);
            else rest.put(String.valueOf(key), value);
        });
        if (rest.isEmpty()) flat.remove(METADATA);
        else flat.put(METADATA, rest);
    }

    /**
     * SAELens 6.x's {@code metadata} object: how the SAE is used (model, hook, context, dataset).
     * Without it SAELens reads the file as a pre-6.0 config and its tools find no hook_name or
     * model_name. Starts from a 6.x file's own block and takes the pre-6.0 flat keys (as older
     * SAELens files, sparsify run roots and activation sidecars supply them) into it.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadataBlock(Map<String, Object> flat) {
        Map<String, Object> nested = flat.get(METADATA) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> block = new LinkedHashMap<>(); // in a fixed order, so that a file read and written again is the same
        block.put("sae_lens_version", SAELENS_LAYOUT_VERSION);
        block.put("sae_lens_training_version", null);
        for (String key : METADATA_KEYS) {
            if (flat.containsKey(key)) block.put(key, flat.get(key));
            else if (nested.containsKey(key)) block.put(key, nested.get(key));
        }
        nested.forEach(block::putIfAbsent);
        return block;
    }
}
