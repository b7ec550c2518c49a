package dev.saestitch.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.extract.ActivationExtractor;
import dev.saestitch.extract.ActivationModel;
import dev.saestitch.extract.Extraction;
import dev.saestitch.extract.LayerNames;
import dev.saestitch.extract.OnnxGraph;
import dev.saestitch.extract.TextCorpus;
import dev.saestitch.io.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** Text to per-token activations of an ONNX transformer, as a memory-mappable .npy with a sidecar JSON. */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = {"Tokenise text, run an ONNX transformer with ONNX Runtime and write one row of activations per token",
                "(padding skipped) to an (N, D) .npy, with NAME.json beside it saying model, layer, tokens and sources.",
                "With no --model: the bundled all-MiniLM-L6-v2 (6-layer BERT, d = 384); with no --text: the Brown corpus (or --corpus europarl)."})
final class ActivationsCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL.onnx", description = "ONNX model taking input_ids (and any of attention_mask, token_type_ids, position_ids). Default: bundled all-MiniLM-L6-v2.")
    Path model;
    @Option(names = "--tokenizer", paramLabel = "tokenizer.json", description = "Hugging Face tokenizer.json of the model (required with --model).")
    Path tokenizer;
    @Option(names = "--text", arity = "1..*", paramLabel = "FILE", description = "Text files, one document per non-blank line (.gz read as gzip). Default: the --corpus.")
    List<Path> text;
    @Option(names = "--corpus", paramLabel = "brown|europarl", description = "Text that comes with the build, when there is no --text: the Brown corpus (English, fetched by the build with npm) or Europarl (mostly not English). Default: brown.")
    String corpusName;
    @Option(names = "--out", paramLabel = "ACTS.npy", description = "Output .npy; ACTS.json is written beside it.")
    Path out;
    @Option(names = "--layer", arity = "1..*", paramLabel = "NAME", description = {"A graph output, any tensor of the graph, or a module such as encoder.layer.3 (its output).",
            "Several names: one pass of the model, one file per layer, ACTS.<layer>.npy. Default: the first graph output."})
    List<String> layers = List.of();
    @Option(names = "--max-tokens", paramLabel = "N", description = "Rows to write (default: every token of the text).")
    Long maxTokens;
    @Option(names = "--skip-tokens", defaultValue = "0", paramLabel = "N", description = "Corpus tokens to pass over first, e.g. to write a held-out file after a training file (default: ${DEFAULT-VALUE}).")
    long skipTokens;
    @Option(names = "--context", defaultValue = "" + Extraction.DEFAULT_CONTEXT, paramLabel = "T", description = "Tokens per window, special tokens included (default: ${DEFAULT-VALUE}).")
    int context;
    @Option(names = "--batch", defaultValue = "" + Extraction.DEFAULT_BATCH, paramLabel = "W", description = "Windows per model run (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|f16", description = "Element type of the .npy (default: ${DEFAULT-VALUE}).")
    String dtype;
    @Option(names = "--list-layers", description = "Print the graph's outputs and modules, and exit.")
    boolean listLayers;
    @Mixin JsonOption json;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (model != null && tokenizer == null) throw new UserInputException("--model needs --tokenizer (the model's tokenizer.json)");
        if (model == null && tokenizer != null) throw new UserInputException("--tokenizer is for a --model of your own; the bundled model has its own");
        Extraction.Transformer transformer = model != null
                ? new Extraction.Transformer(readFile(model, "model"), model.toString(), readFile(tokenizer, "tokenizer"), tokenizer.toString())
                : Extraction.Transformer.bundled();
        if (listLayers) {
            printLayers(ActivationModel.graph(transformer.onnx(), transformer.name()), spec.commandLine().getOut());
            return 0;
        }
        if (out == null) throw new UserInputException("--out ACTS.npy is required");
        if (maxTokens != null) FlagChecks.atLeast("--max-tokens", maxTokens, 1);
        DType type = switch (dtype) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            default -> throw new UserInputException("--dtype must be f32 or f16, not '" + dtype + "'");
        };
        if (text != null && corpusName != null) throw new UserInputException("--text and --corpus both name the text; give one");
        TextCorpus corpus = text != null ? TextCorpus.ofFiles(text) : TextCorpus.Bundled.parse(corpusName != null ? corpusName : "brown").open();
        List<Path> outs = outputFiles(Math.max(1, layers.size()));
        DistinctPaths paths = new DistinctPaths().input("--model", model).input("--tokenizer", tokenizer);
        if (text != null) text.forEach(t -> paths.input("--text", t));
        outs.forEach(o -> paths.output("--out", o));
        paths.check();
        ExtractionProgress progress = new ExtractionProgress(err, "activations", transformer.name(), corpus.sourceNames());
        Extraction.Result result = Extraction.run(new Extraction.Request(transformer, layers, corpus, context, skipTokens,
                maxTokens != null ? maxTokens : ActivationExtractor.EVERY_TOKEN, batch, type, outs), progress);
        progress.done();
        List<Map<String, Object>> written = new ArrayList<>();
        for (Extraction.Written w : result.files()) {
            Map<String, Object> fields = JsonReport.mapper().convertValue(w.sidecar(), new TypeReference<LinkedHashMap<String, Object>>() {});
            fields.put("out", w.out().toString());
            written.add(fields);
            err.printf("activations: %d tokens × %d → %s%n", w.sidecar().tokens(), w.sidecar().dim(), w.out());
        }
        err.printf("activations: %.1f s (%.0f tok/s)%n", result.seconds(), result.tokensPerSecond());
        if (json.enabled) {
            JsonReport report = new JsonReport();
            // One layer: the sidecar's keys at the top level; several: a list of them.
            if (written.size() == 1) written.getFirst().forEach(report::put);
            else report.put("layers", written);
            report.put("seconds", result.seconds()).put("tokens_per_s", result.tokensPerSecond()).print(spec.commandLine().getOut());
        }
        return 0;
    }

    /** --out itself for one layer; for several, ACTS.<layer>.npy beside it, the layer name in its dotted form, made safe for a file name. */
    private List<Path> outputFiles(int count) {
        if (count == 1) return List.of(out);
        String name = out.getFileName().toString();
        String base = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        List<Path> files = layers.stream().map(l -> out.resolveSibling(base + "." + l.replaceAll("^/+", "").replace('/', '.').replaceAll("[^A-Za-z0-9._-]", "_") + ".npy")).toList();
        if (Set.copyOf(files).size() != files.size()) throw new UserInputException("--layer names " + layers + " would share a file name; name them apart");
        return files;
    }

    private static byte[] readFile(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such " + what + " file");
        if (Files.size(file) >= Integer.MAX_VALUE) throw new UserInputException(file + ": " + what + "s of 2 GiB or more (external data) are not supported");
        return Files.readAllBytes(file);
    }

    private static void printLayers(OnnxGraph graph, PrintWriter out) {
        out.println("outputs: " + String.join(", ", graph.outputs()));
        out.println("modules (--layer NAME reads the module's output):");
        for (String module : LayerNames.modules(graph)) out.println("  " + module + "  -> " + LayerNames.resolve(graph, module));
        out.flush();
    }
}
