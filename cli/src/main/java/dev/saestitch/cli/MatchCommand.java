package dev.saestitch.cli;

import dev.saestitch.backend.Backend;
import dev.saestitch.cli.report.JsonReport;
import dev.saestitch.cli.report.MatchReport;
import dev.saestitch.cli.report.MatchSummary;
import dev.saestitch.io.CompositeSaeFiles;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.api.EncoderMetric;
import dev.saestitch.data.ActivationFiles;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** SAEs trained on the same data from different seeds: which latents they share (SPEC §4). */
@Command(name = "match", mixinStandardHelpOptions = true,
        description = {"Match the latents of SAEs trained on the same activations (\"SAEs trained on the same data learn different",
                "features\", SPEC §4): decoder and encoder rows are scaled to unit norm and two exact linear assignments pair",
                "the latents of each pair of SAEs. A latent of the first SAE is shared when both assignments give it the same",
                "partner and both matched cosines are ≥ the threshold.",
                "Two SAEs: shared_fraction (over the first SAE's latents), mean_matched_cos (decoder), mean_matched_cos_enc",
                "(encoder), mean_max_cos (each latent's best decoder cosine with the other SAE, averaged).",
                "Three or more: every pair (in argument order, the earlier SAE first), the same numbers averaged over the",
                "pairs, and only_in_base: the fraction of an SAE's latents that no other SAE shares, averaged over the SAEs.",
                "--encoder-metric covariance --data ACTS compares encoders by the correlation of the two latents' pre-activations",
                "over the activations instead of by weight cosine (the paper's rule, the default); decoders are always compared by weight cosine.",
                "--report DIR writes summary.json, the matches as CSV, and plots of the matched cosines (the paper's Fig. 1)."})
final class MatchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;
    @Mixin BackendOption backendOption;

    @Parameters(arity = "2..*", paramLabel = "SAE", description = "Two or more SAE directories (SAELens or sparsify layout) on the same activations.")
    List<Path> saePaths;
    @Option(names = "--threshold", defaultValue = "0.7", description = "Cosine both matchings must reach for a latent to be shared (default: ${DEFAULT-VALUE}, the paper's).")
    double threshold;
    @Option(names = "--encoder-metric", defaultValue = "weights", paramLabel = "weights|covariance",
            description = "How encoders are compared: weight cosine (the paper's rule) or the correlation of pre-activations over --data (default: ${DEFAULT-VALUE}).")
    String encoderMetric;
    @Option(names = "--data", paramLabel = "ACTS", description = "Activations (.npy or .safetensors) for --encoder-metric covariance.")
    Path data;
    @Option(names = "--tensor", paramLabel = "NAME", description = "Tensor to read from a .safetensors --data (default: its only tensor of 2 or more dimensions).")
    String tensor;
    @Option(names = "--rows", defaultValue = "65536", description = "Rows of --data for the covariance (default: ${DEFAULT-VALUE}, at most the data's).")
    int rows;
    @Option(names = "--batch", defaultValue = "4096", description = "Rows per batch when reading --data (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--report", paramLabel = "DIR", description = "Write summary.json, matches CSV and matched-cosine plots into DIR.")
    Path report;
    @Mixin JsonOption json;

    @Override
    public Integer call() {
        if (!(threshold > 0 && threshold <= 1)) throw new UserInputException("--threshold must be in (0, 1], got " + threshold);
        EncoderMetric.Kind kind;
        try {
            kind = EncoderMetric.Kind.parse(encoderMetric);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--encoder-metric: " + e.getMessage());
        }
        if (kind == EncoderMetric.Kind.COVARIANCE && data == null) throw new UserInputException("--encoder-metric covariance needs --data ACTS");
        if (kind == EncoderMetric.Kind.WEIGHTS && data != null) throw new UserInputException("--data is read only with --encoder-metric covariance");
        if (rows < 2 || batch < 2) throw new UserInputException("--rows and --batch must be at least 2, got " + rows + " and " + batch);
        DistinctPaths paths = new DistinctPaths();
        saePaths.forEach(p -> paths.input("SAE", p));
        if (data != null) paths.input("--data", data);
        paths.output("--report", report).check();
        PrintWriter err = spec.commandLine().getErr();
        List<Sae> saes = new ArrayList<>();
        try (Backend backend = backendOption.open()) {
            for (Path p : saePaths) {
                // The encoder matching reads one W_enc per SAE; a composite keeps its encoder rows in its source SAEs.
                if (CompositeSaeFiles.isComposite(p))
                    throw new UserInputException(p + ": is a composite SAE; match needs one encoder matrix per SAE, and a composite's encoder rows are spread over its source SAEs");
                saes.add(SaeFiles.load(p));
            }
            for (int i = 1; i < saes.size(); i++)
                DataOption.checkSameInput(saePaths.getFirst(), saes.getFirst().dIn(), saePaths.get(i), saes.get(i).dIn(), "matching needs");
            err.println("match: " + saes.size() + " SAEs (" + saes.stream().map(Sae::toString).distinct().reduce((a, b) -> a + ", " + b).orElseThrow()
                    + "), " + saes.size() * (saes.size() - 1) / 2 + " pair(s); " + backend.summary());
            long started = System.nanoTime();
            EncoderMetric metric = EncoderMetric.WEIGHTS;
            if (kind == EncoderMetric.Kind.COVARIANCE)
                try (ActivationSource acts = ActivationFiles.open(data, tensor)) {
                    SaeFiles.checkInputDim(saes.getFirst().dIn(), saePaths.getFirst(), acts.dim(), data);
                    metric = EncoderMetric.covariance(backend, acts, 0, rows, batch);
                }
            MatchSummary summary = saes.size() == 2
                    ? MatchSummary.ofPair(metric.match(backend, saes.get(0), saes.get(1), threshold))
                    : MatchSummary.ofComparison(metric.compare(backend, saes, threshold));
            double seconds = (System.nanoTime() - started) / 1e9;
            JsonReport result = summary.report(saePaths, saes, threshold, seconds).put("encoder_metric", kind.cliName());
            if (data != null) result.put("data", data.toString());
            if (report != null) {
                MatchReport.write(report, result, summary);
                result.put("report", report.toString());
            }
            if (json.enabled) result.print(spec.commandLine().getOut());
            else summary.printText(spec.commandLine().getOut(), saePaths, result);
        } finally {
            for (Sae s : saes) s.close();
        }
        return 0;
    }
}
