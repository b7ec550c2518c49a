package dev.saestitch.extract;

import dev.saestitch.io.DType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Text to activation files, each with its sidecar: the one call that {@code activations} and
 * {@code demo --real} make (plain function over {@link ActivationExtractor}, no command line).
 */
public final class Extraction {

    /** Tokens per window, special tokens included, unless asked otherwise. */
    public static final int DEFAULT_CONTEXT = 128;
    /** Windows per model run, unless asked otherwise. */
    public static final int DEFAULT_BATCH = 32;

    private Extraction() {}

    /**
     * A transformer and its tokenizer, as bytes (ONNX Runtime takes the model's bytes), with the
     * names the sidecar records for them.
     */
    public record Transformer(byte[] onnx, String name, byte[] tokenizerJson, String tokenizerName) {
        /** The bundled all-MiniLM-L6-v2 and its tokenizer.json. */
        public static Transformer bundled() {
            return new Transformer(BundledAssets.MODEL.readAll(), BundledAssets.MODEL_NAME + " " + BundledAssets.MODEL.describe(),
                    BundledAssets.TOKENIZER.readAll(), BundledAssets.TOKENIZER.describe());
        }
    }

    /**
     * What to extract.
     *
     * @param layers  module or tensor names, one output file each (empty: the graph's first output)
     * @param outs    the .npy files, one per layer (one when {@code layers} is empty), each with its sidecar beside it
     */
    public record Request(Transformer transformer, List<String> layers, TextCorpus corpus, int context, long skipTokens, long maxTokens,
                          int windowsPerBatch, DType dtype, List<Path> outs) {}

    /** One written file and what its sidecar says. */
    public record Written(Path out, ActivationSidecar sidecar) {}

    public record Result(List<Written> files, double seconds, double tokensPerSecond) {}

    /** Progress of a run: the tensors once the model is open, then the extractor's counts. */
    public interface Listener extends ActivationExtractor.Listener {
        default void opened(List<String> tensors) {}
    }

    /** Runs the model over the corpus, writes every .npy and then its sidecar beside it. */
    public static Result run(Request r, Listener listener) throws IOException {
        try (TextTokenizer tok = TextTokenizer.read(new ByteArrayInputStream(r.transformer().tokenizerJson()), r.transformer().tokenizerName());
             ActivationModel onnx = new ActivationModel(r.transformer().onnx(), r.transformer().name(), r.layers())) {
            listener.opened(onnx.tensors());
            ActivationExtractor.Result result = ActivationExtractor.extract(
                    new ActivationExtractor.Request(r.corpus(), r.context(), r.skipTokens(), r.maxTokens(), r.windowsPerBatch(), r.dtype(), r.outs()),
                    tok, onnx, listener);
            String sha256 = sha256(r.transformer().onnx());
            List<Written> written = new ArrayList<>();
            for (int t = 0; t < r.outs().size(); t++) {
                ActivationSidecar sidecar = new ActivationSidecar(r.transformer().name(), sha256, r.transformer().tokenizerName(),
                        r.layers().isEmpty() ? null : r.layers().get(t), onnx.tensors().get(t), result.tokens(), result.dims()[t],
                        r.dtype() == DType.F32 ? "float32" : "float16", r.context(), r.skipTokens(), tok.prefix(), tok.suffix(),
                        result.documents(), result.windows(), r.corpus().sourceNames());
                sidecar.writeBeside(r.outs().get(t));
                written.add(new Written(r.outs().get(t), sidecar));
            }
            return new Result(written, result.seconds(), result.tokensPerSecond());
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);   // every JDK has SHA-256
        }
    }
}
