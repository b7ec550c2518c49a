package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.dict.AdditionScan;
import dev.saestitch.dict.AdditionTable;
import dev.saestitch.dict.CodeScale;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LargeMaxCosines;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.dict.TileShape;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.Sae;
import dev.saestitch.train.ShuffledFeed;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * A small SAE S against a large one L (SPEC §2): the weight-space comparison (classes, families,
 * max cosines both ways) and, when measured on activations, the one-pass addition scan and the
 * paper's Table 2. S and L may be plain or composite SAEs: the comparison reads decoder rows and
 * applies each one's inference rule.
 *
 * @param threshold              θ: an L-latent is novel when its max cosine over S is below it
 * @param meanMaxCosSmallOverLarge mean over S-latents of their max cosine over L
 * @param smallWithCounterpart   S-latents whose max cosine over L is at least θ
 * @param familySizes            how many families have each (S, L) size, ascending by S then L
 * @param data                   the measurement on activations, or null without data
 */
public record Comparison(double threshold, DictionaryComparison dictionary, LatentClasses classes, Families families,
                         LargeMaxCosines largeMaxCos, double meanMaxCosSmallOverLarge, long smallWithCounterpart,
                         List<FamilySize> familySizes, OnData data) {

    /** {@code count} families hold {@code small} S-latents and {@code large} L-latents. */
    public record FamilySize(int small, int large, int count) {}

    /** The addition scan over {@code batches} and its Table 2. */
    public record OnData(AdditionScan.Result scan, AdditionTable table2, Batches batches) {}

    /** The weight-space comparison of S and L at θ (no data). */
    public static Comparison of(Backend backend, Autoencoder small, Autoencoder large, double threshold) {
        DictionaryComparison cmp = DictionaryComparison.compare(backend, large.wDec(), small.wDec(), threshold,
                TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, large.width(), small.width()));
        float[] back = cmp.maxCosine().maxOverA();   // per S-latent, its max cosine over L
        long covered = 0;
        double meanBack = 0;
        for (float c : back) {
            meanBack += c / back.length;
            if (c >= threshold) covered++;
        }
        Families families = Families.of(cmp);
        return new Comparison(threshold, cmp, LatentClasses.of(cmp), families, LargeMaxCosines.of(cmp, large.wDec(), small.wDec()),
                meanBack, covered, familySizes(families), null);
    }

    /**
     * This comparison measured on up to {@code rows} rows of {@code source} (read in {@code seed}'s
     * order, {@link Batches#of}); {@code progress} hears the rows done after each batch.
     */
    public Comparison onData(Backend backend, Autoencoder small, Autoencoder large, ActivationSource source, long seed, long rows, int batch,
                             LongConsumer progress) {
        Batches batches = Batches.of(rows, batch, source.rows());
        AdditionScan.Result scan = AdditionScan.run(backend, small, large, classes.novelMask(), new ShuffledFeed(source, seed),
                batches.count(), batches.size(), progress);
        return new Comparison(threshold, dictionary, classes, families, largeMaxCos, meanMaxCosSmallOverLarge, smallWithCounterpart,
                familySizes, new OnData(scan, AdditionTable.of(scan.deltaMse(), classes), batches));
    }

    /**
     * Table 2 with each SAE's codes rescaled by its best single scale ({@link CodeScale}): L1
     * shrinks ReLU codes, so S's residual still holds part of what its latents explain, and a
     * reconstruction latent added alone can lower S's mse by undoing that shrinkage; with the
     * codes rescaled, Table 2 measures what the latents add. Same rows and order as {@link #onData}.
     *
     * @param smallScale S's best single scale on its codes (1 = no shrinkage)
     * @param largeScale L's
     */
    public record Rescaled(double smallScale, double largeScale, OnData data) {}

    /** {@link Rescaled} on up to {@code rows} rows of {@code source} in {@code seed}'s order. */
    public Rescaled rescaled(Backend backend, Sae small, Sae large, ActivationSource source, long seed, long rows, int batch) {
        Batches batches = Batches.of(rows, batch, source.rows());
        double cS = CodeScale.of(backend, small, new ShuffledFeed(source, seed), batches.count(), batches.size());
        double cL = CodeScale.of(backend, large, new ShuffledFeed(source, seed), batches.count(), batches.size());
        try (Sae s = CodeScale.scaled(small, cS); Sae l = CodeScale.scaled(large, cL)) {
            AdditionScan.Result scan = AdditionScan.run(backend, s, l, classes.novelMask(), new ShuffledFeed(source, seed),
                    batches.count(), batches.size(), n -> {});
            return new Rescaled(cS, cL, new OnData(scan, AdditionTable.of(scan.deltaMse(), classes), batches));
        }
    }

    /** Per L-latent, the index of its family, or −1 for a latent in none. */
    public int[] familyOfLarge() {
        int[] familyOf = new int[classes.latents()];
        java.util.Arrays.fill(familyOf, -1);
        for (int f = 0; f < families.families().size(); f++) for (int j : families.families().get(f).large()) familyOf[j] = f;
        return familyOf;
    }

    private static List<FamilySize> familySizes(Families families) {
        record Size(int small, int large) {}
        Map<Size, Integer> sizes = new TreeMap<>(Comparator.comparingInt(Size::small).thenComparingInt(Size::large));
        for (Families.Family f : families.families()) sizes.merge(new Size(f.small().length, f.large().length), 1, Integer::sum);
        List<FamilySize> out = new ArrayList<>();
        sizes.forEach((size, n) -> out.add(new FamilySize(size.small(), size.large(), n)));
        return List.copyOf(out);
    }
}
