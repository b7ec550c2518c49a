package dev.saestitch.io;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.saestitch.io.RawFiles.shape;
import static org.junit.jupiter.api.Assertions.*;

/** Every way an SAE directory can be wrong ends in one SaeFileException naming the file at fault. */
class SaeFileValidationTest {

    @TempDir Path tmp;

    private static final int D = 5, F = 8;
    private static final String CFG = "{\"d_in\": 5, \"d_sae\": 8, \"architecture\": \"standard\", \"apply_b_dec_to_input\": true}";

    private record T(String name, String dtype, long[] shape, byte[] bytes) {
        static T f32(String name, long[] shape, float[] v) { return new T(name, "F32", shape, RawFiles.f32le(v)); }
    }

    private static List<T> saeLensTensors() {
        SplittableRandom rnd = new SplittableRandom(31);
        return List.of(
                T.f32("W_enc", shape(D, F), RawFiles.gaussians(rnd, D * F)),
                T.f32("b_enc", shape(F), RawFiles.gaussians(rnd, F)),
                T.f32("W_dec", shape(F, D), RawFiles.gaussians(rnd, F * D)),
                T.f32("b_dec", shape(D), RawFiles.gaussians(rnd, D)));
    }

    private static List<T> without(List<T> ts, String name) {
        return ts.stream().filter(t -> !t.name().equals(name)).toList();
    }

    /** Replaces the tensor of the same name, or appends. */
    private static List<T> with(List<T> ts, T replacement) {
        List<T> out = new ArrayList<>(without(ts, replacement.name()));
        out.add(replacement);
        return out;
    }

    private static T withValue(List<T> ts, String name, int index, float value) {
        T t = ts.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        byte[] b = t.bytes().clone();
        byte[] v = RawFiles.f32le(new float[] {value});
        System.arraycopy(v, 0, b, 4 * index, 4);
        return new T(name, t.dtype(), t.shape(), b);
    }

    private Path dir(String name, String weightsFile, String cfg, List<T> tensors) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        if (cfg != null) Files.writeString(dir.resolve("cfg.json"), cfg);
        RawFiles.SafetensorsBuilder b = new RawFiles.SafetensorsBuilder();
        for (T t : tensors) b.add(t.name(), t.dtype(), t.shape(), t.bytes());
        b.write(dir.resolve(weightsFile));
        return dir;
    }

    private Path saeLens(String name, String cfg, List<T> tensors) throws IOException {
        return dir(name, "sae_weights.safetensors", cfg, tensors);
    }

    private static void fails(Path load, Path blamed, String problem) {
        SaeFileException e = assertThrows(SaeFileException.class, () -> SaeFiles.load(load).close(), problem);
        assertTrue(e.getMessage().startsWith(blamed + ": "), "blames " + blamed + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "says '" + problem + "': " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test void theValidBaselineLoads() throws IOException {
        try (Sae sae = SaeFiles.load(saeLens("ok", CFG, saeLensTensors()))) {
            assertEquals(Architecture.RELU, sae.architecture());
            assertEquals(D, sae.dIn());
        }
    }

    @Test void missingThings() throws IOException {
        Path nowhere = tmp.resolve("nowhere");
        fails(nowhere, nowhere, "no such file or directory");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        fails(empty, empty, "holds neither sae_weights.safetensors (SAELens) nor sae.safetensors (sparsify)");
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        Path a = saeLens("parent/layer.1", CFG, saeLensTensors());
        Path b = saeLens("parent/layer.0", CFG, saeLensTensors());
        fails(parent, parent, "it has SAE subdirectories [layer.0, layer.1], pick one");
        assertTrue(Files.isDirectory(a) && Files.isDirectory(b));
        Path noCfg = saeLens("no-cfg", null, saeLensTensors());
        fails(noCfg, noCfg.resolve("cfg.json"), "missing");
        Path noBDec = saeLens("no-b_dec", CFG, without(saeLensTensors(), "b_dec"));
        fails(noBDec, noBDec.resolve("sae_weights.safetensors"), "missing tensor 'b_dec' (the file holds [W_enc, b_enc, W_dec])");
        Path noThreshold = saeLens("no-threshold", CFG.replace("standard", "jumprelu"), saeLensTensors());
        fails(noThreshold, noThreshold.resolve("sae_weights.safetensors"), "missing tensor 'threshold'");
    }

    @Test void wrongDtypesAndShapes() throws IOException {
        List<T> base = saeLensTensors();
        Path intEnc = saeLens("int", CFG, with(base, new T("W_enc", "I32", shape(D, F), RawFiles.i32le(new int[D * F]))));
        fails(intEnc, intEnc.resolve("sae_weights.safetensors"), "tensor 'W_enc' has dtype I32; expected a floating-point type");
        Path wideEnc = saeLens("wide", CFG, with(base, T.f32("W_enc", shape(D, F + 1), new float[D * (F + 1)])));
        fails(wideEnc, wideEnc.resolve("sae_weights.safetensors"), "tensor 'W_enc' has shape [5, 9], expected [5, 8] (d_sae=8, d_in=5 from W_dec)");
        Path shortBias = saeLens("short-bias", CFG, with(base, T.f32("b_enc", shape(F - 1), new float[F - 1])));
        fails(shortBias, shortBias.resolve("sae_weights.safetensors"), "tensor 'b_enc' has shape [7], expected [8]");
        Path rowBias = saeLens("row-bias", CFG, with(base, T.f32("b_dec", shape(1, D), new float[D])));
        fails(rowBias, rowBias.resolve("sae_weights.safetensors"), "tensor 'b_dec' has shape [1, 5], expected [5]");
        Path dIn = saeLens("d_in", CFG.replace("\"d_in\": 5", "\"d_in\": 6"), base);
        fails(dIn, dIn.resolve("sae_weights.safetensors"), "W_dec has d_in=5 but " + dIn.resolve("cfg.json") + " says d_in=6");
        Path dSae = saeLens("d_sae", CFG.replace("\"d_sae\": 8", "\"d_sae\": 9"), base);
        fails(dSae, dSae.resolve("sae_weights.safetensors"), "W_dec has d_sae=8 but");
        Path extra = saeLens("gated-weights", CFG, with(base, T.f32("b_gate", shape(F), new float[F])));
        fails(extra, extra.resolve("sae_weights.safetensors"), "unexpected tensors [b_gate] for a SAELens relu SAE");
        Path scaling = saeLens("scaling", CFG, with(base, T.f32("scaling_factor", shape(F), new float[] {1, 1, 1, 2, 1, 1, 1, 1})));
        fails(scaling, scaling.resolve("sae_weights.safetensors"), "'scaling_factor' is not all ones");
    }

    @Test void truncatedAndNonFiniteWeights() throws IOException {
        List<T> base = saeLensTensors();
        Path truncated = saeLens("truncated", CFG, base);
        Path weights = truncated.resolve("sae_weights.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 4));
        fails(truncated, weights, "truncated");
        Path nan = saeLens("nan", CFG, with(base, withValue(base, "W_dec", 2 * D + 3, Float.NaN)));
        fails(nan, nan.resolve("sae_weights.safetensors"), "tensor 'W_dec' holds NaN at latent 2, dimension 3");
        Path inf = saeLens("inf", CFG, with(base, withValue(base, "b_enc", 6, Float.NEGATIVE_INFINITY)));
        fails(inf, inf.resolve("sae_weights.safetensors"), "tensor 'b_enc' holds -Infinity at index 6");
        // W_enc is stored [D, F]: file element (1, 4) is latent 4, dimension 1
        Path encInf = saeLens("enc-inf", CFG, with(base, withValue(base, "W_enc", F + 4, Float.POSITIVE_INFINITY)));
        fails(encInf, encInf.resolve("sae_weights.safetensors"), "tensor 'W_enc' holds Infinity at latent 4, dimension 1");
    }

    @Test void unsupportedConfigs() throws IOException {
        List<T> base = saeLensTensors();
        Object[][] cases = {
                {"not-json", "{\"d_in\": 5,", "is not a JSON object"},
                {"array", "[1, 2]", "is not a JSON object"},
                {"gated", CFG.replace("standard", "gated"), "architecture 'gated' is not supported"},
                {"transcoder", CFG.replace("standard", "transcoder"), "architecture 'transcoder' is not supported"},
                {"skip-transcoder", CFG.replace("standard", "skip_transcoder"), "architecture 'skip_transcoder' is not supported"},
                {"topk-no-k", CFG.replace("standard", "topk"), "has no 'k' for a TopK-style SAE"},
                {"topk-big-k", CFG.replace("\"standard\"", "\"topk\", \"k\": 20"), "k must be in [1, width=8] for topk, got 20"},
                {"topk-zero-k", CFG.replace("\"standard\"", "\"topk\", \"k\": 0"), "'k' is 0, expected a positive integer"},
                {"fn-gelu", CFG.replace("}", ", \"activation_fn_str\": \"gelu\"}"), "activation function 'gelu' is not supported"},
                {"expected-average", CFG.replace("}", ", \"normalize_activations\": \"expected_average_only_in\"}"), "scaling factor is not stored"},
                {"layer-norm", CFG.replace("}", ", \"normalize_activations\": \"layer_norm\"}"), "normalize_activations 'layer_norm' (a per-sample normalisation)"},
                {"d_in-text", CFG.replace("\"d_in\": 5", "\"d_in\": \"five\""), "'d_in' is \"five\", expected an integer"},
                {"centre-text", CFG.replace("true", "\"yes\""), "'apply_b_dec_to_input' is \"yes\", expected true or false"},
                {"marked-other", CFG.replace("\"standard\"", "\"jumprelu\", \"saestitch_architecture\": \"relu\""), "only batchtopk is saved as jumprelu"},
        };
        for (Object[] c : cases) {
            Path dir = saeLens((String) c[0], (String) c[1], base);
            fails(dir, dir.resolve("cfg.json"), (String) c[2]);
        }
    }

    @Test void sparsifyConfigsThatAreNotPlainTopKSaes() throws IOException {
        SplittableRandom rnd = new SplittableRandom(32);
        List<T> base = List.of(
                T.f32("encoder.weight", shape(F, D), RawFiles.gaussians(rnd, F * D)),
                T.f32("encoder.bias", shape(F), RawFiles.gaussians(rnd, F)),
                T.f32("W_dec", shape(F, D), RawFiles.gaussians(rnd, F * D)),
                T.f32("b_dec", shape(D), RawFiles.gaussians(rnd, D)));
        String cfg = "{\"activation\": \"topk\", \"num_latents\": 8, \"k\": 3, \"d_in\": 5, \"transcode\": false}";
        try (Sae ok = SaeFiles.load(dir("sparsify-ok", "sae.safetensors", cfg, base))) {
            assertEquals(Architecture.TOPK, ok.architecture());
        }
        Object[][] cfgCases = {
                {"transcoder", cfg.replace("\"transcode\": false", "\"transcode\": true"), "is a transcoder"},
                {"no-k", cfg.replace("\"k\": 3, ", ""), "has no 'k'"},
                {"groupmax", cfg.replace("\"topk\"", "\"groupmax\""), "activation 'groupmax' is not supported"},
                {"skip", cfg.replace("}", ", \"skip_connection\": true}"), "skip_connection=true is not supported"},
        };
        for (Object[] c : cfgCases) {
            Path dir = dir((String) c[0], "sae.safetensors", (String) c[1], base);
            fails(dir, dir.resolve("cfg.json"), (String) c[2]);
        }
        Path wSkip = dir("w-skip", "sae.safetensors", cfg, with(base, T.f32("W_skip", shape(D, D), new float[D * D])));
        fails(wSkip, wSkip.resolve("sae.safetensors"), "unexpected tensors [W_skip] for a sparsify SAE");
        Path latents = dir("latents", "sae.safetensors", cfg.replace("\"num_latents\": 8", "\"num_latents\": 16"), base);
        fails(latents, latents.resolve("sae.safetensors"), "encoder.weight has 8 latents but " + latents.resolve("cfg.json") + " implies 16");
        Path expansion = dir("expansion", "sae.safetensors", cfg.replace("\"num_latents\": 8", "\"num_latents\": 0, \"expansion_factor\": 2"), base);
        fails(expansion, expansion.resolve("sae.safetensors"), "implies 10 (num_latents=0, expansion_factor=2)");
        Path dIn = dir("sparsify-d_in", "sae.safetensors", cfg.replace("\"d_in\": 5", "\"d_in\": 4"), base);
        fails(dIn, dIn.resolve("sae.safetensors"), "encoder.weight has d_in=5 but");
        Path decShape = dir("dec-shape", "sae.safetensors", cfg, with(base, T.f32("W_dec", shape(D, F), new float[D * F])));
        fails(decShape, decShape.resolve("sae.safetensors"), "tensor 'W_dec' has shape [5, 8], expected [8, 5]");
    }

    @Test void dimensionCheckNamesBothFiles() throws IOException {
        Path saeDir = saeLens("dim", CFG, saeLensTensors());
        Path data = tmp.resolve("acts.npy");
        try (Sae sae = SaeFiles.load(saeDir)) {
            SaeFiles.checkInputDim(sae.dIn(), saeDir, D, data);
            SaeFileException e = assertThrows(SaeFileException.class, () -> SaeFiles.checkInputDim(sae.dIn(), saeDir, 64, data));
            assertEquals(data + ": activations have dimension 64 but the SAE at " + saeDir + " has d_in=5", e.getMessage());
        }
    }

    /** Issue 14: messages that misled, by quoting too much, decoding garbage, or hiding the real cause. */
    @Test void misleadingMessagesAreShortAndPrecise() throws IOException {
        // the header is UTF-8: bytes that are not are refused as such, and UTF-16 JSON (which a
        // guessing decoder would parse) is not JSON
        Path latin = saeLens("latin1", CFG, saeLensTensors());
        byte[] garbage = {'{', '"', (byte) 0xE9, (byte) 0xFF, '"', ':', '1', '}'};
        Files.write(latin.resolve("sae_weights.safetensors"), java.nio.ByteBuffer.allocate(8 + garbage.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(garbage.length).put(garbage).array());
        fails(latin, latin.resolve("sae_weights.safetensors"), "header is not UTF-8 text");
        Path utf16 = saeLens("utf16", CFG, saeLensTensors());
        byte[] json = "{\"W_enc\": {}}".getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
        Files.write(utf16.resolve("sae_weights.safetensors"), RawFiles.safetensors(json.length, new String(json, java.nio.charset.StandardCharsets.ISO_8859_1), new byte[0]));
        fails(utf16, utf16.resolve("sae_weights.safetensors"), "header is not valid JSON");

        // a header of 5000 tensors without the needed one: the message lists a few names, not all
        List<T> many = new ArrayList<>(without(saeLensTensors(), "W_dec"));
        for (int i = 0; i < 5000; i++) many.add(T.f32("extra_tensor_" + i, shape(1), new float[] {1}));
        Path crowded = saeLens("crowded", CFG, many);
        SaeFileException e = assertThrows(SaeFileException.class, () -> SaeFiles.load(crowded).close());
        assertTrue(e.getMessage().contains("W_dec") && e.getMessage().contains("and 4993 more"), e.getMessage());
        assertTrue(e.getMessage().length() < 600, e.getMessage().length() + " characters");

        // a plain file given as the SAE, in a folder of many SAEs: no listing of its siblings
        for (int i = 0; i < 30; i++) saeLens("sibling" + i, CFG, saeLensTensors());
        Path plain = Files.writeString(tmp.resolve("acts.npy"), "not an sae");
        fails(plain, plain, "is a file, not an SAE directory");
        assertFalse(assertThrows(SaeFileException.class, () -> SaeFiles.load(plain)).getMessage().contains("sibling"));

        // a folder of 30 SAEs named instead of one of them: a short list
        SaeFileException parent = assertThrows(SaeFileException.class, () -> SaeFiles.load(tmp).close());
        assertTrue(parent.getMessage().contains("… and 23 more], pick one"), parent.getMessage()); // 33 SAE folders: 30 siblings + 3 above

        // symbolic link loops and dangling links say so
        Path a = tmp.resolve("loop-a"), b = tmp.resolve("loop-b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        fails(a, a, "is a symbolic link loop");
        Path dangling = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("gone"));
        fails(dangling, dangling, "is a symbolic link to the missing " + tmp.resolve("gone"));
        fails(tmp.resolve("absent"), tmp.resolve("absent"), "no such file or directory");
    }

    @Test void longProblemsAreCut() {
        String huge = "x".repeat(2_000_000);
        SaeFileException e = new SaeFileException(tmp, "bad: " + huge);
        assertTrue(e.getMessage().length() < 500 && e.getMessage().endsWith("more characters)"), e.getMessage().length() + "");
    }
}
