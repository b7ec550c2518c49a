package dev.saestitch.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.DemoReport;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.io.DType;
import dev.saestitch.extract.ActivationSidecar;
import dev.saestitch.extract.Extraction;
import dev.saestitch.extract.TextCorpus;
import dev.saestitch.franken.Frankenstein;
import dev.saestitch.sae.Architecture;

import java.io.IOException;
import java.io.PrintWriter;
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

    /** The extracted training and held-out files. */
    record Files(Path train, Path heldOut) {}

    /**
     * Rows the Frankenstein SAE's exact decoder refit reads: a quarter million rows determine the
     * refit of a few thousand latents well, and the whole training file would take a third of the
     * demo's ~10 minutes on 2 cores.
     */
    private static final long FRANKENSTEIN_TOKENS = 262_144;
    /** The TopK pair's learning rate: the synthetic demo's, which trains TopK well in one short pass. */
    private static final double TOPK_PAIR_LR = 5e-3;

    private RealDataDemo() {}

    /** Rows [0, tokens) and [tokens, tokens + evalRows) of {@code corpus} at {@code layer}, under {@code dir}. */
    static Files extract(PrintWriter err, Path dir, String corpus, String layer, long tokens, int evalRows) throws IOException {
        TextCorpus.Bundled bundled = TextCorpus.Bundled.parse(corpus); // a misspelt --corpus is refused before anything runs
        return new Files(extractRows(err, dir.resolve("train.npy"), bundled, layer, 0, tokens),
                extractRows(err, dir.resolve("heldout.npy"), bundled, layer, tokens, evalRows));
    }

    /**
     * @param topkPair with a ReLU ladder, also train and match two TopK seeds of the smallest width
     *                 at k = that ReLU SAE's held-out l0 (the scorecard's "ReLU shares more than TopK")
     */
    static DemoCommand.Run run(DemoPipeline pipeline, Files files, String corpus, long realTokens, boolean topkPair, Backend backend, PrintWriter err)
            throws IOException {
        List<DemoReport.Rung> ladder;
        Integer pairK = null;
        try (ActivationSource trainRows = ActivationFiles.open(files.train(), null);
             ActivationSource heldOutRows = ActivationFiles.open(files.heldOut(), null)) {
            err.println("demo: training on " + trainRows.describe() + "; metrics on " + heldOutRows.describe());
            err.println("demo: " + backend.summary());
            ladder = pipeline.trainLadder(trainRows, heldOutRows, null);
            if (topkPair && pipeline.architecture() == Architecture.RELU) {
                pairK = Math.max(1, (int) Math.round(ladder.getFirst().evaluation().l0()));
                pipeline.trainTopKPair(pairK, TOPK_PAIR_LR, trainRows, heldOutRows);
            }
        }
        Map<String, Object> trainSidecar = sidecar(files.train()), about = new LinkedHashMap<>();
        about.put("activations", trainSidecar);
        about.put("held_out", sidecar(files.heldOut()));
        DemoReport.write(pipeline.reports(), "SAE ladder on all-MiniLM-L6-v2 activations (" + corpus + ")", about, ladder);
        JsonReport report = new JsonReport()
                .put("data", files.train().toString())
                .put("held_out", files.heldOut().toString())
                .put("layer", trainSidecar.get("tensor"))
                .put("ladder", ladder.stream().map(DemoReport.Rung::json).toList());
        int[] widths = pipeline.widths();
        List<Map<String, Object>> pairs = new ArrayList<>();
        List<DemoReport.Pair> typedPairs = new ArrayList<>();
        Path explorer = null;
        for (int i = 0; i + 1 < widths.length; i++) {
            DemoPipeline.Pair pair = pipeline.comparePair(pipeline.ladderName(widths[i]), pipeline.ladderName(widths[i + 1]), files.heldOut());
            pairs.add(pair.fields());
            typedPairs.add(pair.typed(null));
            if (i == 0) explorer = pipeline.explore(pair, files.heldOut());
        }
        Frankenstein.StageResult franken = null;
        if (!pairs.isEmpty()) {
            report.put("pairs", pairs);
            report.put("explorer", explorer.toString());
            try (ActivationSource trainRows = ActivationFiles.open(files.train(), null)) {
                DemoPipeline.Reported<Frankenstein.StageResult> f = pipeline.frankenstein(new DataOption.Dataset(trainRows, null, trainRows.describe()),
                        Math.min(realTokens, FRANKENSTEIN_TOKENS));
                report.put("frankenstein", f.json());
                franken = f.result();
            }
        }
        DemoPipeline.Reported<DemoReport.Seeds> seeds = pipeline.matchSeeds(files.heldOut());
        report.put("seeds", seeds.json());
        DemoPipeline.Reported<DemoReport.Seeds> topkSeeds = null;
        if (pairK != null) {
            topkSeeds = pipeline.matchTopKPair(pairK, files.heldOut());
            Map<String, Object> topk = new LinkedHashMap<>(topkSeeds.json());
            topk.put("k", pairK);
            report.put("seeds_topk", topk);
        }
        return new DemoCommand.Run(new DemoReport.Demo(ladder, typedPairs, franken, seeds.result(), topkSeeds == null ? null : topkSeeds.result(),
                pairK == null ? 0 : pairK), report);
    }

    /** FILE: rows [skip, skip + count) of the corpus's tokens at {@code layer}, extracted unless a matching file is there. */
    private static Path extractRows(PrintWriter err, Path file, TextCorpus.Bundled corpus, String layer, long skip, long count) throws IOException {
        if (matches(file, corpus.cliName(), layer, skip, count)) {
            err.println("demo: reusing " + file + " (its sidecar matches)");
            return file;
        }
        Extraction.Transformer transformer = Extraction.Transformer.bundled();
        TextCorpus text = corpus.open();
        ExtractionProgress progress = new ExtractionProgress(err, "demo", transformer.name(), text.sourceNames());
        Extraction.run(new Extraction.Request(transformer, List.of(layer), text, Extraction.DEFAULT_CONTEXT, skip, count,
                Extraction.DEFAULT_BATCH, DType.F32, List.of(file)), progress);
        progress.done();
        return file;
    }

    /** True when FILE and its sidecar exist, were written together, and describe these rows of this layer. */
    private static boolean matches(Path file, String corpus, String layer, long skip, long count) {
        if (!java.nio.file.Files.isRegularFile(file)) return false;
        try {
            JsonNode s = ActivationSidecar.readBeside(file).orElse(null);
            return s != null && s.path("layer").asText("").equals(layer) && s.path("skipped_tokens").asLong(-1) == skip
                    && s.path("tokens").asLong(-1) == count && s.path("sources").toString().contains(corpus);
        } catch (dev.saestitch.io.SaeFileException e) {
            return false;   // a sidecar of other files, or none readable: extract again
        }
    }

    /** The sidecar's description of the rows, for the report (its list of file fingerprints left out). */
    private static Map<String, Object> sidecar(Path file) throws IOException {
        Map<String, Object> m = JsonReport.mapper().readValue(ActivationSidecar.pathFor(file).toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        m.remove(dev.saestitch.data.ActivationFileSet.FILES);
        return m;
    }
}
