package dev.saestitch.extract;

import dev.saestitch.input.InputException;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a {@code --layer} name means in an ONNX graph: a graph output, any node's output tensor,
 * or a module scope of a PyTorch export ("encoder.layer.3" or "/encoder/layer.3"), meaning the
 * first output of the last node inside that scope: the module's output, as a forward hook would
 * see it (true of modules that end in one operation, as transformer blocks do).
 */
public final class LayerNames {

    /** Thrown when a name matches nothing; the message lists what the graph has. */
    public static final class UnknownLayerException extends InputException {
        UnknownLayerException(String message) { super(message); }
    }

    private LayerNames() {}

    /** The tensor that {@code requested} names; {@code null} means the graph's first output. */
    public static String resolve(OnnxGraph graph, String requested) {
        if (requested == null || requested.isBlank()) return graph.outputs().getFirst();
        if (graph.outputs().contains(requested) || graph.nodeOutputs().contains(requested)) return requested;
        String scope = dotted(requested);
        String last = null;
        // Scopes are read from node names: an exporter may rename a module's last output (BERT's to last_hidden_state).
        for (OnnxGraph.Node node : graph.nodes()) {
            if (dotted(node.name()).startsWith(scope + ".") && !node.outputs().isEmpty()) last = node.outputs().getFirst();
        }
        if (last != null) return last;
        throw new UnknownLayerException("the graph has no tensor or module named '" + requested + "'; outputs: "
                + String.join(", ", graph.outputs()) + "; modules: " + String.join(", ", modules(graph)));
    }

    /** Module scopes up to two levels deep (e.g. "embeddings", "encoder.layer.0"), in graph order. */
    public static List<String> modules(OnnxGraph graph) {
        Set<String> scopes = new LinkedHashSet<>();
        for (OnnxGraph.Node node : graph.nodes()) {
            if (!node.name().startsWith("/")) continue;
            String[] parts = node.name().substring(1).split("/");
            // The last part names the operation, not a module.
            if (parts.length >= 2) scopes.add(parts[0]);
            if (parts.length >= 3) scopes.add(parts[0] + "." + parts[1]);
        }
        return List.copyOf(scopes);
    }

    /** "/encoder/layer.3/output" and "encoder.layer.3.output" both become "encoder.layer.3.output". */
    private static String dotted(String name) {
        String d = name.replace('/', '.');
        while (d.startsWith(".")) d = d.substring(1);
        while (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        return d;
    }
}
