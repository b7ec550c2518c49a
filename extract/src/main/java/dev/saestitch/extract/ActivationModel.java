package dev.saestitch.extract;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A transformer in ONNX form, cut at one layer and run by ONNX Runtime on the CPU: windows of
 * token ids in, that layer's (batch, tokens, D) activations out. The graph is rewritten so that
 * the layer is its only output (see {@link OnnxGraph#withOutputs}).
 */
public final class ActivationModel implements AutoCloseable {

    /** Inputs we know how to fill: token ids, the padding mask, BERT's segment ids (all zero) and positions (0, 1, … per window). */
    private static final String IDS = "input_ids", MASK = "attention_mask", SEGMENTS = "token_type_ids", POSITIONS = "position_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(IDS, MASK, SEGMENTS, POSITIONS);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String tensor;

    /**
     * @param model     the serialized ONNX model
     * @param source    names the model in messages
     * @param layer     a {@code --layer} name (see {@link LayerNames}); null for the graph's first output
     * @throws IllegalArgumentException when the bytes are no ONNX model, the layer is unknown, or the
     *                                  model needs inputs other than ids, mask and segments
     */
    public ActivationModel(byte[] model, String source, String layer) {
        OnnxGraph graph;
        try {
            graph = OnnxGraph.parse(model);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        try {
            this.tensor = LayerNames.resolve(graph, layer);
        } catch (LayerNames.UnknownLayerException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            this.session = env.createSession(graph.withOutputs(List.of(tensor)), options);
        } catch (OrtException e) {
            throw new IllegalArgumentException(source + ": ONNX Runtime cannot load the model cut at '" + tensor + "' (" + e.getMessage() + ")", e);
        }
        if (!session.getInputNames().contains(IDS)) {
            close();
            throw new IllegalArgumentException(source + ": the model has no '" + IDS + "' input (inputs: " + session.getInputNames() + ")");
        }
        for (String input : session.getInputNames()) {
            if (!KNOWN_INPUTS.contains(input)) {
                close();
                throw new IllegalArgumentException(source + ": the model needs an input '" + input + "' that saestitch cannot fill (it fills " + KNOWN_INPUTS + ")");
            }
        }
    }

    /** The tensor the activations are read from. */
    public String tensor() { return tensor; }

    /** D when the graph declares it, else −1 (then known after the first {@link #run}). */
    public int declaredDim() {
        try {
            NodeInfo info = session.getOutputInfo().get(tensor);
            long[] shape = ((TensorInfo) info.getInfo()).getShape();
            return shape.length == 3 && shape[2] > 0 ? Math.toIntExact(shape[2]) : -1;
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Activations of a batch: {@code values} is (windows, tokens, dim), row-major; padded positions hold junk. */
    public record Activations(float[] values, int windows, int tokens, int dim) {}

    /** Runs {@code windows} (token ids, special tokens included) padded on the right to the longest. */
    public Activations run(List<int[]> windows) {
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
                OnnxTensor out = (OnnxTensor) result.get(0);
                long[] outShape = out.getInfo().getShape();
                if (outShape.length != 3 || outShape[0] != b || outShape[1] != t) {
                    throw new IllegalStateException("'" + tensor + "' has shape " + java.util.Arrays.toString(outShape) + " for " + b + " windows of "
                            + t + " tokens; activations need (batch, tokens, D)");
                }
                FloatBuffer values = out.getFloatBuffer();
                float[] copy = new float[values.remaining()];
                values.get(copy);
                return new Activations(copy, b, t, Math.toIntExact(outShape[2]));
            }
        } catch (OrtException e) {
            // Usually the input, not us: e.g. windows longer than the model's position table.
            throw new IllegalArgumentException("ONNX Runtime cannot compute '" + tensor + "' for " + b + " windows of " + t + " tokens (is --context above the model's"
                    + " maximum length?): " + e.getMessage().lines().findFirst().orElse(""), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
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
