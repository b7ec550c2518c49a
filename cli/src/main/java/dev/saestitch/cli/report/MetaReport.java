package dev.saestitch.cli.report;

import dev.saestitch.meta.MetaComparison;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * meta's report folder: {@code summary.json} (what {@code --json} prints) and, when the meta-SAE
 * was compared with a plain SAE, {@code meta_max_cos_hist.png}: each meta-latent's max cosine with
 * the plain SAE's decoder rows, and each plain latent's with the meta-SAE (the paper's Fig. 22).
 */
public final class MetaReport {

    private MetaReport() {}

    public static void write(Path folder, JsonReport summary, MetaComparison comparison) {
        ReportDir dir = new ReportDir(folder);
        dir.json("summary.json", summary);
        if (comparison != null) {
            Map<String, double[]> series = new LinkedHashMap<>();
            series.put("meta-latents vs plain SAE (" + comparison.maxCosine().length + ")", toDouble(comparison.maxCosine()));
            series.put("plain latents vs meta-SAE (" + comparison.plainMaxCosine().length + ")", toDouble(comparison.plainMaxCosine()));
            String title = String.format("Max decoder cosine, meta-SAE vs plain SAE: mean %.3f", comparison.meanMaxCosine());
            dir.png("meta_max_cos_hist.png", MatchHistogram.chart(title, "max cosine", series, Double.NaN));
        }
        dir.commit();
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
