package dev.saestitch.extract;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The names an ONNX model's graph holds (its outputs and every node's outputs, in execution
 * order), read from the model's bytes, and a copy of the model whose graph outputs are other
 * tensors: ONNX Runtime can only return graph outputs, so reading an intermediate layer means
 * promoting its tensor to an output. Field numbers are those of onnx.proto (ModelProto.graph = 7,
 * GraphProto.node = 1, .output = 12; NodeProto.output = 2; ValueInfoProto.name = 1).
 */
public final class OnnxGraph {

    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1, GRAPH_INITIALIZER = 5, GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3;
    private static final int TENSOR_NAME = 8;
    private static final int VALUE_INFO_NAME = 1;

    /** A node's name (which carries the exporter's module scope, e.g. "/encoder/layer.3/output/Add"), inputs and outputs. */
    public record Node(String name, List<String> inputs, List<String> outputs) {}

    private final byte[] model;
    private final List<String> outputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    private OnnxGraph(byte[] model) {
        this.model = model;
        ProtoWire.forEachField(graphBytes(model), field -> {
            if (field.number() == GRAPH_OUTPUT && field.isMessage()) outputs.add(valueInfoName(field.bytes()));
            if (field.number() == GRAPH_NODE && field.isMessage()) nodes.add(node(field.bytes()));
        });
    }

    /** Reads the graph of a serialized ModelProto; IllegalArgumentException if the bytes are not one. */
    public static OnnxGraph parse(byte[] model) { return new OnnxGraph(model); }

    /** The model's graph outputs, in order. */
    public List<String> outputs() { return List.copyOf(outputs); }

    /** The nodes in the graph's order (a topological order in valid models). */
    public List<Node> nodes() { return List.copyOf(nodes); }

    /** Every tensor a node computes, in node order. */
    public List<String> nodeOutputs() { return nodes.stream().flatMap(n -> n.outputs().stream()).toList(); }

    /**
     * The model's bytes with {@code names} as its only graph outputs. Outputs the model already
     * declares keep their type information; new ones carry only a name, and ONNX Runtime infers
     * their type. Nodes that none of them needs are dropped, so a shallow layer costs only the
     * layers below it (ONNX Runtime would otherwise run the whole graph).
     */
    public byte[] withOutputs(List<String> names) {
        Set<String> wanted = Set.copyOf(names);
        Set<String> neededTensors = new HashSet<>(wanted);
        Set<Integer> neededNodes = nodesNeededFor(neededTensors);
        List<byte[]> kept = new ArrayList<>();
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        int[] node = {0};
        ProtoWire.forEachField(graphBytes(model), field -> {
            switch (field.number()) {
                case GRAPH_OUTPUT -> { if (wanted.contains(valueInfoName(field.bytes()))) kept.add(field.bytes()); }
                case GRAPH_NODE -> { if (neededNodes.contains(node[0]++)) field.copyTo(graph); }
                case GRAPH_INITIALIZER -> { if (neededTensors.contains(stringField(field.bytes(), TENSOR_NAME))) field.copyTo(graph); }
                default -> field.copyTo(graph);
            }
        });
        for (String name : names) {
            byte[] declared = kept.stream().filter(b -> valueInfoName(b).equals(name)).findFirst().orElseGet(() -> nameOnly(name));
            ProtoWire.writeBytes(graph, GRAPH_OUTPUT, declared);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + 1024);
        ProtoWire.forEachField(model, field -> { if (field.number() != MODEL_GRAPH) field.copyTo(out); });
        ProtoWire.writeBytes(out, MODEL_GRAPH, graph.toByteArray());
        return out.toByteArray();
    }

    /**
     * Indices of the nodes that the tensors in {@code needed} depend on, walking the nodes
     * backwards; {@code needed} grows to every tensor they read.
     */
    private Set<Integer> nodesNeededFor(Set<String> needed) {
        Set<Integer> kept = new HashSet<>();
        for (int n = nodes.size() - 1; n >= 0; n--) {
            if (nodes.get(n).outputs().stream().noneMatch(needed::contains)) continue;
            kept.add(n);
            needed.addAll(nodes.get(n).inputs());
        }
        return kept;
    }

    private static Node node(byte[] bytes) {
        List<String> in = new ArrayList<>(), out = new ArrayList<>();
        String[] name = {""};
        ProtoWire.forEachField(bytes, f -> {
            if (!f.isMessage()) return;
            // An empty name stands for an omitted optional input or output.
            if (f.number() == NODE_INPUT && f.end() > f.valueStart()) in.add(f.string());
            if (f.number() == NODE_OUTPUT && f.end() > f.valueStart()) out.add(f.string());
            if (f.number() == NODE_NAME) name[0] = f.string();
        });
        return new Node(name[0], List.copyOf(in), List.copyOf(out));
    }

    private static byte[] graphBytes(byte[] model) {
        byte[][] graph = {null};
        ProtoWire.forEachField(model, field -> { if (field.number() == MODEL_GRAPH && field.isMessage()) graph[0] = field.bytes(); });
        if (graph[0] == null) throw new IllegalArgumentException("no graph (ModelProto field 7) in the model");
        return graph[0];
    }

    private static String valueInfoName(byte[] valueInfo) { return stringField(valueInfo, VALUE_INFO_NAME); }

    private static String stringField(byte[] message, int number) {
        String[] value = {""};
        ProtoWire.forEachField(message, field -> { if (field.number() == number && field.isMessage()) value[0] = field.string(); });
        return value[0];
    }

    private static byte[] nameOnly(String name) {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        ProtoWire.writeBytes(info, VALUE_INFO_NAME, name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return info.toByteArray();
    }
}
