package dev.saestitch.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.extract.ActivationSidecar;
import dev.saestitch.extract.TextCorpus;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code demo --real}: activations of the bundled all-MiniLM-L6-v2 over the bundled text (--corpus)
 * (a training file, then held-out tokens that follow it in the corpus), the ladder trained on the
 * first and measured on the second, every neighbouring pair compared and stitched, a Frankenstein
 * SAE and two seeds matched. Extracted files are reused while their sidecar still matches.
 */
final class RealDataDemo {

    private final DemoCommand demo;
    private final PrintWriter err;
    private final Path dataDir;

    RealDataDemo(DemoCommand demo) {
        this.demo = demo;
        this.err = demo.spec.commandLine().getErr();
        this.dataDir = demo.out.resolve("data");
    }

    JsonReport run() throws IOException {
        TextCorpus.Bundled.parse(demo.corpus); // a misspelt --corpus is refused before anything runs
        if (demo.realTokens < 1) throw new UserInputException("--real-tokens must be at least 1, got " + demo.realTokens);
        Path train = extract("train.npy", 0, demo.realTokens);
        Path heldOut = extract("heldout.npy", demo.realTokens, demo.evalRows);
        List<Map<String, Object>> ladder = new ArrayList<>();
        try (Backend backend = demo.backendOption.open();
             ActivationSource trainRows = ActivationFiles.open(train, null);
             ActivationSource heldOutRows = ActivationFiles.open(heldOut, null)) {
            err.println("demo: training on " + trainRows.describe() + "; metrics on " + heldOutRows.describe());
            err.println("demo: " + backend.describe());
            DemoLadder saes = demo.ladder(backend, null);
            for (int width : demo.widths) ladder.add(saes.train(demo.ladderName(width), width, demo.seed, trainRows, heldOutRows));
            saes.train(demo.secondSeedName(), demo.widths[0], demo.seed + 1, trainRows, heldOutRows);
        }
        Map<String, Object> trainSidecar = sidecar(train), about = new LinkedHashMap<>();
        about.put("activations", trainSidecar);
        about.put("held_out", sidecar(heldOut));
        DemoReport.write(demo.out.resolve("report"), "SAE ladder on all-MiniLM-L6-v2 activations (" + demo.corpus + ")", about, ladder);
        JsonReport report = new JsonReport()
                .put("data", train.toString())
                .put("held_out", heldOut.toString())
                .put("layer", trainSidecar.get("tensor"))
                .put("ladder", ladder);
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < demo.widths.length; i++) pairs.add(demo.comparePair(demo.ladderName(demo.widths[i]), demo.ladderName(demo.widths[i + 1]), heldOut));
        if (!pairs.isEmpty()) {
            report.put("pairs", pairs);
            report.put("frankenstein", demo.frankenstein("--data", train.toString(), "--tokens", Long.toString(Math.min(demo.realTokens, 1_000_000))));
        }
        report.put("seeds", demo.matchSeeds());
        return report;
    }

    /** dataDir/NAME: rows [skip, skip + count) of the corpus's tokens at the demo's layer, extracted unless a matching file is there. */
    private Path extract(String name, long skip, long count) {
        Path file = dataDir.resolve(name);
        if (matches(file, skip, count)) {
            err.println("demo: reusing " + file + " (its sidecar matches)");
            return file;
        }
        Subcommand.json(demo.spec, "activations", "--out", file.toString(), "--layer", demo.layer, "--corpus", demo.corpus,
                "--skip-tokens", Long.toString(skip), "--max-tokens", Long.toString(count), "--json");
        return file;
    }

    /** True when FILE and its sidecar exist and describe these rows of this layer. */
    private boolean matches(Path file, long skip, long count) {
        Path sidecar = ActivationSidecar.pathFor(file);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(sidecar)) return false;
        try {
            JsonNode s = JsonReport.mapper().readTree(sidecar.toFile());
            return s.path("layer").asText("").equals(demo.layer) && s.path("skipped_tokens").asLong(-1) == skip
                    && s.path("tokens").asLong(-1) == count && s.path("sources").toString().contains(demo.corpus);
        } catch (IOException e) {
            return false;
        }
    }

    private static Map<String, Object> sidecar(Path file) throws IOException {
        return JsonReport.mapper().readValue(ActivationSidecar.pathFor(file).toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
    }
}
