package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.dict.TileShape;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The merge of the workshop paper's Algorithm 1 (SPEC §3), without the decoder retraining:
 *
 * <pre>
 *   M ← M_0
 *   for each larger SAE M_i, by increasing size:
 *       novel ← { f ∈ M_i : max_{g ∈ M} cos(f, g) &lt; θ }      against the current M, earlier additions included
 *       M ← M ∪ novel
 * </pre>
 *
 * As in the paper's pseudocode, every latent of M_i is compared with M as it stood before M_i
 * (latents of M_i are not compared with each other). Cosines are between decoder rows; each
 * comparison is one blockwise pass of {@link DictionaryComparison}, whose float64 refinement makes
 * every "below θ" decision that of an exact float64 computation. A latent at exactly θ is not
 * novel ({@link LatentClasses}).
 *
 * <p>Each latent keeps its source: the merged SAE after stage s is the {@link CompositeSae} of
 * {@link #sources(int)}, the base's latents first, then each stage's additions in ascending index
 * order. So the merged SAE of an earlier stage is a prefix of a later one, and since every source
 * computes its own codes, its codes are the first {@link #width(int)} codes of the later one.
 * The merge holds the SAEs it was given but does not own them.
 */
public final class FrankensteinMerge {

    /**
     * One stage of the merge.
     * @param index     0 for the base, then 1, 2, ... for the larger SAEs by increasing width
     * @param sae       the SAE whose latents were considered
     * @param added     the indices of its latents taken into the merged SAE, ascending (all of them for the base)
     * @param maxCosine per latent of {@code sae}, its max decoder cosine over the merged SAE before this
     *                  stage (float32, from the backend's GEMM); empty for the base
     * @param width     F of the merged SAE after this stage
     */
    public record Stage(int index, Sae sae, int[] added, float[] maxCosine, int width) {
        @Override public int[] added() { return added.clone(); }
        @Override public float[] maxCosine() { return maxCosine.clone(); }
        public int addedCount() { return added.length; }
    }

    private final double threshold;
    private final List<Stage> stages;

    private FrankensteinMerge(double threshold, List<Stage> stages) {
        this.threshold = threshold;
        this.stages = List.copyOf(stages);
    }

    /**
     * Runs the merge.
     * @param base      M_0, all of whose latents are kept
     * @param larger    the SAEs to take novel latents from, in any order: they are visited by
     *                  increasing width (SAEs of equal width in the order given)
     * @param threshold θ in (0, 1], the papers' 0.7
     */
    public static FrankensteinMerge build(Backend backend, Sae base, List<Sae> larger, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) throw new InputException("cosine threshold must be in (0, 1], got " + threshold);
        for (Sae s : larger)
            if (s.dIn() != base.dIn()) throw new IllegalArgumentException(s + " has d_in " + s.dIn() + " but the base " + base + " has " + base.dIn());
        List<Sae> byWidth = new ArrayList<>(larger);
        byWidth.sort(Comparator.comparingInt(Sae::width));   // stable: equal widths keep their order
        List<Stage> stages = new ArrayList<>();
        stages.add(new Stage(0, base, IntStream.range(0, base.width()).toArray(), new float[0], base.width()));
        Arena arena = Arena.ofShared();   // the scan reads the merged rows from several threads
        try {
            Matrix merged = Matrix.allocate(arena, base.width(), base.dIn());   // (F, D) decoder rows of M, any norm
            merged.copyFrom(base.wDec());
            for (Sae sae : byWidth) {
                DictionaryComparison cmp = DictionaryComparison.compare(backend, sae.wDec(), merged, threshold,
                        TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, sae.width(), merged.rows()));
                int[] novel = LatentClasses.of(cmp).novel();
                Arena next = Arena.ofShared();
                try {
                    merged = appendRows(next, merged, sae.wDec(), novel);
                } catch (RuntimeException e) {
                    next.close();
                    throw e;
                }
                arena.close();
                arena = next;
                stages.add(new Stage(stages.size(), sae, novel, cmp.maxCosine().maxOverB(), merged.rows()));
            }
        } finally {
            arena.close();
        }
        return new FrankensteinMerge(threshold, stages);
    }

    /** (F + n, D): the rows of {@code merged} followed by rows {@code picks} of {@code from}, owned by {@code arena}. */
    private static Matrix appendRows(Arena arena, Matrix merged, Matrix from, int[] picks) {
        int d = merged.cols();
        long rowBytes = (long) d * Float.BYTES;
        Matrix grown = Matrix.allocate(arena, merged.rows() + picks.length, d);
        MemorySegment.copy(merged.data(), 0, grown.data(), 0, merged.byteSize());
        for (int i = 0; i < picks.length; i++)
            MemorySegment.copy(from.data(), picks[i] * rowBytes, grown.data(), (merged.rows() + i) * rowBytes, rowBytes);
        return grown;
    }

    public double threshold() { return threshold; }

    /** The base first, then one stage per larger SAE. */
    public List<Stage> stages() { return stages; }

    /** F of the merged SAE after stage {@code stage}. */
    public int width(int stage) { return stages.get(stage).width(); }

    /** The sources of the merged SAE after stage {@code stage}; stages that added nothing are left out. */
    public List<CompositeSae.Source> sources(int stage) {
        List<CompositeSae.Source> out = new ArrayList<>();
        for (Stage s : stages.subList(0, stage + 1))
            if (s.addedCount() > 0) out.add(new CompositeSae.Source(s.sae(), s.added));
        return out;
    }

    /** The index of the last stage. */
    public int lastStage() { return stages.size() - 1; }
}
