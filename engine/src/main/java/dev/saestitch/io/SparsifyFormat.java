package dev.saestitch.io;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The EleutherAI sparsify layout: a directory with {@code cfg.json} and {@code sae.safetensors}
 * holding {@code encoder.weight [F, D]}, {@code encoder.bias [F]}, {@code W_dec [F, D]} and
 * {@code b_dec [D]}. A sparsify SAE is TopK (of ReLU(z)) and subtracts b_dec from its input
 * before encoding; F is {@code num_latents}, or {@code d_in × expansion_factor} when that is 0.
 * Transcoders, skip connections and the groupmax activation are not SAEs this engine can apply,
 * and are refused.
 */
public final class SparsifyFormat {

    public static final String WEIGHTS_FILE = "sae.safetensors";
    /** The run's settings at the root of a sparsify run, beside the per-hookpoint folders. */
    static final String RUN_CONFIG = "config.json";
    /** SAELens's names for the hookpoint and the model. */
    static final String HOOK_NAME = "hook_name", MODEL_NAME = "model_name";
    /** Keys that describe what the SAE itself records (shape, k, activation); the rest is kept as metadata. */
    private static final Set<String> DERIVED = Set.of("d_in", "k", "activation", "num_latents", "expansion_factor");

    private SparsifyFormat() {}

    public static Sae read(Path dir) {
        CfgJson cfg = CfgJson.read(dir.resolve(CfgJson.FILE_NAME));
        String activation = cfg.string("activation");
        if (activation != null && !activation.equals("topk"))
            throw cfg.problem("activation '" + activation + "' is not supported (topk)");
        if (Boolean.TRUE.equals(cfg.bool("transcode"))) throw cfg.problem("is a transcoder (transcode=true), not an autoencoder");
        if (Boolean.TRUE.equals(cfg.bool("skip_connection"))) throw cfg.problem("skip_connection=true is not supported");
        Integer k = cfg.integer("k");
        if (k == null) throw cfg.problem("has no 'k'");
        Integer cfgDIn = cfg.integer("d_in"), numLatents = cfg.integer("num_latents"), expansion = cfg.integer("expansion_factor");

        try (Arena arena = Arena.ofConfined()) {
            WeightFile w = new WeightFile(dir.resolve(WEIGHTS_FILE), arena);
            MappedTensor wEnc = w.require("encoder.weight");
            if (wEnc.rank() != 2) throw new SaeFileException(w.path(), wEnc.describe() + " is not 2-D [num_latents, d_in]");
            long f = wEnc.dim(0), d = wEnc.dim(1);
            if (cfgDIn != null && cfgDIn != d)
                throw new SaeFileException(w.path(), "encoder.weight has d_in=" + d + " but " + cfg.file() + " says d_in=" + cfgDIn);
            long cfgF = numLatents != null && numLatents > 0 ? numLatents : expansion != null ? (long) expansion * d : f;
            if (cfgF != f)
                throw new SaeFileException(w.path(), "encoder.weight has " + f + " latents but " + cfg.file() + " implies " + cfgF
                        + " (num_latents=" + numLatents + ", expansion_factor=" + expansion + ")");
            String why = "num_latents=" + f + ", d_in=" + d + " from encoder.weight";
            MappedTensor bEnc = w.require("encoder.bias", why, f);
            MappedTensor wDec = w.require("W_dec", why, f, d);
            MappedTensor bDec = w.require("b_dec", why, d);
            w.rejectUnclaimed("sparsify");

            Sae sae;
            try {
                sae = new Sae(Architecture.TOPK, (int) d, (int) f, k, true);
            } catch (IllegalArgumentException e) {
                throw cfg.problem(e.getMessage());
            }
            try {
                wEnc.readInto(sae.wEnc());
                bEnc.readInto(sae.bEnc());
                wDec.readInto(sae.wDec());
                bDec.readInto(sae.bDec());
                w.requireFinite("encoder.weight", sae.wEnc());
                w.requireFinite("encoder.bias", sae.bEnc());
                w.requireFinite("W_dec", sae.wDec());
                w.requireFinite("b_dec", sae.bDec());
                cfg.values().forEach((key, value) -> {
                    if (!DERIVED.contains(key)) sae.metadata().put(key, value);
                });
                describeFromRunRoot(dir, sae.metadata());
                return sae;
            } catch (RuntimeException e) {
                sae.close();
                throw e;
            }
        }
    }

    /**
     * sparsify saves a run as one folder per hookpoint under a root holding the run's
     * {@code config.json} (as its {@code load_many} reads them): the folder name is the hookpoint and
     * the root's {@code model} the model, recorded as SAELens's {@code hook_name} and {@code model_name}.
     */
    private static void describeFromRunRoot(Path dir, java.util.Map<String, Object> metadata) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        Path root = dir.toAbsolutePath().normalize().getParent();
        if (name == null || root == null || !java.nio.file.Files.isRegularFile(root.resolve(RUN_CONFIG))) return;
        metadata.putIfAbsent(HOOK_NAME, name.toString());
        Object model = CfgJson.read(root.resolve(RUN_CONFIG)).get("model");
        if (model instanceof String m) metadata.putIfAbsent(MODEL_NAME, m);
    }

    /**
     * Writes a TopK {@code sae} into directory {@code dir} atomically as sparsify saves one
     * ({@code save_to_disk}: cfg.json with d_in, sae.safetensors), computing the same function:
     * sparsify's x̂ = TopK(ReLU((x − b)·Eᵀ + e))·W + b. The input scale s folds in as for SAELens
     * (E = s·W_enc, W = W_dec/s, b = b_dec/s); an SAE that does not centre its input gets
     * e = b_enc + b_dec·W_encᵀ, which cancels sparsify's subtraction of b. The decoder rows are
     * written as they are: rescaling them would change which latents TopK keeps.
     *
     * @throws SaeFileException for another architecture (sparsify SAEs are TopK)
     */
    public static void write(Sae sae, Path dir) {
        if (sae.architecture() != Architecture.TOPK)
            throw new SaeFileException(dir, "sparsify holds TopK SAEs; this one is " + sae.architecture().cliName());
        int d = sae.dIn(), f = sae.width();
        float s = sae.inputScale();
        try (Arena arena = Arena.ofConfined()) {
            Matrix enc = Matrix.allocate(arena, f, d);
            Matrix bias = Matrix.allocate(arena, 1, f);
            for (int i = 0; i < f; i++) {
                double shift = 0;
                for (int j = 0; j < d; j++) {
                    enc.set(i, j, sae.wEnc().get(i, j) * s);
                    shift += (double) sae.bDec().getFlat(j) * sae.wEnc().get(i, j);
                }
                bias.setFlat(i, sae.centreInput() ? sae.bEnc().getFlat(i) : (float) (sae.bEnc().getFlat(i) + shift));
            }
            List<FloatTensor> tensors = List.of(
                    FloatTensor.matrix("encoder.weight", enc),
                    FloatTensor.vector("encoder.bias", bias),
                    FloatTensor.matrix("W_dec", SaeLensFormat.scaled(arena, sae.wDec(), s)),
                    FloatTensor.vector("b_dec", SaeLensFormat.scaled(arena, sae.bDec(), s)));
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("activation", "topk");
            cfg.put("expansion_factor", f % d == 0 ? f / d : 0);
            cfg.put("normalize_decoder", unitRows(sae.wDec(), s));
            cfg.put("num_latents", f);
            cfg.put("k", sae.k());
            cfg.put("multi_topk", false);
            cfg.put("skip_connection", false);
            cfg.put("transcode", false);
            cfg.put("d_in", d);
            byte[] json = CfgJson.toBytes(cfg);
            AtomicFiles.replaceDirectory(dir, Set.of(CfgJson.FILE_NAME, WEIGHTS_FILE), tmp -> {
                Safetensors.write(tmp.resolve(WEIGHTS_FILE), tensors, Map.of());
                AtomicFiles.writeDurably(tmp.resolve(CfgJson.FILE_NAME), ch -> TensorBytes.write(ch, json));
            });
        }
    }

    /** Whether every row of W_dec/s has unit norm (to 1e-4), as sparsify's normalize_decoder keeps them. */
    private static boolean unitRows(Matrix wDec, float s) {
        for (int i = 0; i < wDec.rows(); i++) {
            double sq = 0;
            for (int j = 0; j < wDec.cols(); j++) sq += (double) wDec.get(i, j) * wDec.get(i, j);
            if (Math.abs(Math.sqrt(sq) / s - 1) > 1e-4) return false;
        }
        return true;
    }
}
