package dev.saestitch.extract;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxGraphTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void readsOutputsNodesAndScopesOfAHandWrittenModel() {
        OnnxGraph graph = OnnxGraph.parse(TinyOnnx.model(new float[TinyOnnx.IN * TinyOnnx.OUT]));
        assertEquals(List.of("Y"), graph.outputs());
        assertEquals(List.of("H", "Y"), graph.nodeOutputs());
        assertEquals(List.of("block", "act"), LayerNames.modules(graph));
        assertEquals("H", LayerNames.resolve(graph, "block"));
        assertEquals("H", LayerNames.resolve(graph, "/block"));
        assertEquals("Y", LayerNames.resolve(graph, null));
        LayerNames.UnknownLayerException e = assertThrows(LayerNames.UnknownLayerException.class, () -> LayerNames.resolve(graph, "blocks"));
        assertTrue(e.getMessage().contains("outputs: Y; modules: block, act"), e.getMessage());
    }

    /** Cutting at H must give X·W, checked in float64; cutting at Y must give relu(X·W). Bound: 1e-6 relative. */
    @Test
    void aCutModelReturnsTheIntermediateTensor() throws OrtException {
        Random random = new Random(11);
        float[] w = new float[TinyOnnx.IN * TinyOnnx.OUT], x = new float[TinyOnnx.ROWS * TinyOnnx.IN];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        OnnxGraph graph = OnnxGraph.parse(TinyOnnx.model(w));
        float[] h = run(graph.withOutputs(List.of("H")), "H", x);
        float[] y = run(graph.withOutputs(List.of("Y")), "Y", x);
        for (int r = 0; r < TinyOnnx.ROWS; r++) {
            for (int c = 0; c < TinyOnnx.OUT; c++) {
                double ref = 0;
                for (int k = 0; k < TinyOnnx.IN; k++) ref += (double) x[r * TinyOnnx.IN + k] * w[k * TinyOnnx.OUT + c];
                assertEquals(ref, h[r * TinyOnnx.OUT + c], 1e-6 * Math.max(1, Math.abs(ref)));
                assertEquals(Math.max(0, ref), y[r * TinyOnnx.OUT + c], 1e-6 * Math.max(1, Math.abs(ref)));
            }
        }
    }

    @Test
    void cuttingDropsTheNodesAndInitializersNoOutputNeeds() {
        OnnxGraph cut = OnnxGraph.parse(OnnxGraph.parse(TinyOnnx.model(new float[TinyOnnx.IN * TinyOnnx.OUT])).withOutputs(List.of("H")));
        assertEquals(List.of("H"), cut.outputs());
        assertEquals(List.of("H"), cut.nodeOutputs());
    }

    @Test
    void bertBlocksResolveToTheirOutputsEvenWhenTheExporterRenamedThem() {
        OnnxGraph minilm = OnnxGraph.parse(BundledAssets.MODEL.readAll());
        assertEquals(List.of("last_hidden_state"), minilm.outputs());
        assertEquals("/encoder/layer.3/output/LayerNorm/Add_1_output_0", LayerNames.resolve(minilm, "encoder.layer.3"));
        assertEquals("last_hidden_state", LayerNames.resolve(minilm, "encoder.layer.5"));
        assertEquals("/embeddings/LayerNorm/Add_1_output_0", LayerNames.resolve(minilm, "embeddings"));
        assertTrue(LayerNames.modules(minilm).containsAll(List.of("embeddings", "encoder.layer.0", "encoder.layer.5")));
    }

    /** Ids and positions are fed as a transformer export expects: positions count from 0 in every window; padding is not read back here. */
    @Test
    void theModelIsFedIdsAndPositionsPerWindow() {
        try (ActivationModel model = new ActivationModel(TinyOnnx.idsPlusPositions(), "tiny", List.of())) {
            ActivationModel.Activations acts = model.run(List.of(new int[] {5, 6, 7}, new int[] {9})).getFirst();
            assertEquals(2, acts.windows());
            assertEquals(3, acts.tokens());
            assertEquals(1, acts.dim());
            float[] v = acts.values();
            assertEquals(List.of(5f, 7f, 9f, 9f), List.of(v[0], v[1], v[2], v[3]));
        }
    }

    private static float[] run(byte[] model, String output, float[] x) throws OrtException {
        try (OrtSession session = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {TinyOnnx.ROWS, TinyOnnx.IN});
             OrtSession.Result result = session.run(Map.of("X", in))) {
            assertEquals(List.of(output), List.copyOf(session.getOutputNames()));
            FloatBuffer values = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] out = new float[values.remaining()];
            values.get(out);
            return out;
        }
    }
}
