package dev.saestitch.extract;

import dev.saestitch.input.InputException;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A transformer in ONNX form, cut at the layers asked for and run by ONNX Runtime on the CPU:
 * windows of token ids in, each layer's (batch, tokens, D) activations out, from one run. The
 * graph is rewritten so that those layers are its only outputs (see {@link OnnxGraph#withOutputs}).
 */
public final class ActivationModel implements AutoCloseable {

    /** Inputs we know how to fill: token ids, the padding mask, BERT's segment ids (all zero) and positions (0, 1, … per window). */
    private static final String IDS = "input_ids", MASK = "attention_mask", SEGMENTS = "token_type_ids", POSITIONS = "position_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(IDS, MASK, SEGMENTS, POSITIONS);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final List<String> tensors;

    /** The graph of {@code model}, read from {@code source}; refused in one line naming it when it is not an ONNX model. */
    public static OnnxGraph graph(byte[] model, String source) {
        try {
            return OnnxGraph.parse(model);
        } catch (IllegalArgumentException e) {
            throw new InputException(source + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
    }

    /**
     * @param model   the serialized ONNX model
     * @param source  names the model in messages
     * @param layers  {@code --layer} names (see {@link LayerNames}); empty for the graph's first output
     * @throws IllegalArgumentException when the bytes are no ONNX model, a layer is unknown, or the
     *                                  model needs inputs other than ids, mask, segments and positions
     */
    public ActivationModel(byte[] model, String source, List<String> layers) {
        OnnxGraph graph = graph(model, source);
        try {
            this.tensors = layers.isEmpty() ? List.of(LayerNames.resolve(graph, null)) : layers.stream().map(l -> LayerNames.resolve(graph, l)).toList();
        } catch (LayerNames.UnknownLayerException e) {
            throw new InputException(source + ": " + e.getMessage(), e);
        }
        if (Set.copyOf(tensors).size() != tensors.size()) throw new InputException(source + ": two --layer names mean the same tensor: " + tensors);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            this.session = env.createSession(graph.withOutputs(tensors), options);
        } catch (OrtException e) {
            throw new InputException(source + ": ONNX Runtime cannot load the model cut at " + tensors + " (" + e.getMessage() + ")", e);
        }
        if (!session.getInputNames().contains(IDS)) {
            close();
            throw new InputException(source + ": the model has no '" + IDS + "' input (inputs: " + session.getInputNames() + ")");
        }
        for (String input : session.getInputNames()) {
            if (!KNOWN_INPUTS.contains(input)) {
                close();
                throw new InputException(source + ": the model needs an input '" + input + "' that saestitch cannot fill (it fills " + KNOWN_INPUTS + ")");
            }
        }
    }

    /** The tensors the activations are read from, one per layer asked for, in that order. */
    public List<String> tensors() { return tensors; }

    /** D of each tensor where the graph declares it, else −1 (then known after the first {@link #run}). */
    public int[] declaredDims() {
        try {
            Map<String, NodeInfo> info = session.getOutputInfo();
            return tensors.stream().mapToInt(t -> {
                long[] shape = ((TensorInfo) info.get(t).getInfo()).getShape();
                return shape.length == 3 && shape[2] > 0 ? Math.toIntExact(shape[2]) : -1;
            }).toArray();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Activations of a batch: {@code values} is (windows, tokens, dim), row-major; padded positions hold junk. */
    public record Activations(float[] values, int windows, int tokens, int dim) {}

    /** Runs {@code windows} (token ids, special tokens included) padded on the right to the longest; one result per tensor. */
    public List<Activations> run(List<int[]> windows) {
        int b = windows.size(), t = windows.stream().mapToInt(w -> w.length).max().orElse(0);
        long[] ids = new long[b * t], mask = new long[b * t], positions = new long[b * t];
        for (int w = 0; w < b; w++) {
            int[] window = windows.get(w);
            for (int i = 0; i < t; i++) positions[w * t + i] = i;
            for (int i = 0; i < window.length; i++) {
                ids[w * t + i] = window[i];
                mask[w * t + i] = 1;
            }
        }
        long[] shape = {b, t};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            if (session.getInputNames().contains(MASK)) inputs.put(MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (session.getInputNames().contains(SEGMENTS)) inputs.put(SEGMENTS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * t]), shape));
            if (session.getInputNames().contains(POSITIONS)) inputs.put(POSITIONS, OnnxTensor.createTensor(env, LongBuffer.wrap(positions), shape));
            try (OrtSession.Result result = session.run(inputs)) {
                List<Activations> out = new ArrayList<>(tensors.size());
                for (String tensor : tensors) out.add(activations((OnnxTensor) result.get(tensor).orElseThrow(), tensor, b, t));
                return out;
            }
        } catch (OrtException e) {
            // Usually the input, not us: e.g. windows longer than the model's position table.
            throw new InputException("ONNX Runtime cannot compute " + tensors + " for " + b + " windows of " + t + " tokens (is --context above the model's"
                    + " maximum length?): " + e.getMessage().lines().findFirst().orElse(""), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static Activations activations(OnnxTensor out, String tensor, int b, int t) {
        long[] outShape = out.getInfo().getShape();
        if (outShape.length != 3 || outShape[0] != b || outShape[1] != t) {
            throw new IllegalStateException("'" + tensor + "' has shape " + Arrays.toString(outShape) + " for " + b + " windows of "
                    + t + " tokens; activations need (batch, tokens, D)");
        }
        FloatBuffer values = out.getFloatBuffer();
        float[] copy = new float[values.remaining()];
        values.get(copy);
        return new Activations(copy, b, t, Math.toIntExact(outShape[2]));
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
