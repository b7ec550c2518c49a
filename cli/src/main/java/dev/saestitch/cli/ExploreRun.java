package dev.saestitch.cli;

import dev.saestitch.api.Batches;
import dev.saestitch.api.Comparison;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.data.TokenProvenance;
import dev.saestitch.explore.ExplorePass;
import dev.saestitch.explore.LatentProfiles;
import dev.saestitch.sae.Sae;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Profile an SAE (and the other SAE of a pair) on activations and write the explorer site: the
 * part that {@code explore} and {@code demo} share, so both write the same site for the same inputs.
 */
record ExploreRun(int top, int quantiles, int context, int batch, double threshold) {

    /** What was written: rows scanned, whether contexts were shown, novel latents (-1 without a pair). */
    record Written(Path index, long rows, boolean contexts, int novel) {}

    /** Writes the site for {@code sae} (and {@code other}, may be null) on the first {@code n} rows of {@code source} (the file {@code data}). */
    Written write(Backend backend, Sae sae, Path saeDir, Sae other, Path otherDir, ActivationSource source, Path data, long n, Path out,
                  PrintWriter err) {
        LatentProfiles profiles = profile(backend, sae, source, n, "explore", err);
        ExploreSite.Comparison comparison = other == null ? null : compare(backend, sae, other, otherDir, source, n, err);
        try (TokenProvenance provenance = TokenProvenance.openBeside(data, source.rows()).orElse(null)) {
            new ExploreSite(out, quantiles, context, provenance).write(saeDir, profiles, comparison);
            if (provenance == null) err.println("explore: no token provenance beside " + data + ": contexts are unavailable");
            return new Written(out.resolve("index.html"), n, provenance != null, comparison == null ? -1 : comparison.classes().novelCount());
        }
    }

    private LatentProfiles profile(Backend backend, Sae sae, ActivationSource source, long n, String what, PrintWriter err) {
        Progress progress = new Progress(err, what, n, "rows");
        LatentProfiles p = ExplorePass.run(backend, sae, source, n, batch, top, 0, r -> progress.status(r, ""));
        progress.done();
        return p;
    }

    /** The comparison of the pair, whichever is larger, with the larger one's Δmse over the same rows. */
    private ExploreSite.Comparison compare(Backend backend, Sae sae, Sae other, Path otherDir, ActivationSource source, long n, PrintWriter err) {
        boolean saeIsLarge = sae.width() >= other.width();
        Sae small = saeIsLarge ? other : sae, large = saeIsLarge ? sae : other;
        Batches batches = Batches.of(n, batch, source.rows());
        Progress progress = new Progress(err, "Δmse", batches.rows(), "rows");
        Comparison cmp = Comparison.of(backend, small, large, threshold)
                .onData(backend, small, large, source, 0, n, batch, r -> progress.status(r, ""));
        progress.done();
        LatentProfiles otherProfiles = profile(backend, other, source, n, "explore other", err);
        return new ExploreSite.Comparison(otherDir, otherProfiles, saeIsLarge, cmp.classes(), cmp.families(), cmp.largeMaxCos(),
                cmp.dictionary().maxCosine().maxOverA(), cmp.dictionary().maxCosine().argmaxInA(), cmp.data().scan().deltaMse());
    }
}
