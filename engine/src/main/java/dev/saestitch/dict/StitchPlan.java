package dev.saestitch.dict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The moves of the stitching path from a small SAE S towards a large SAE L (SPEC §2): first add
 * L's latents that have no edge in the family graph one at a time (the novel latents, plus any
 * whose max cosine is exactly θ: they have no family to be swapped with either), in a given order;
 * then swap the families one at a time (remove the family's S-latents, add its L-latents), in
 * order of their mean edge cosine, highest first (ties by family index).
 *
 * <p>Step 0 is S itself; step n is the hybrid after the first n moves. S-latents with no edge
 * (orphans) are never swapped out, so the last swap ends at L only when every S-latent has a
 * family; {@link #withOrphansDropped} appends one step that removes them and ends at L.
 */
public final class StitchPlan {

    /** What a move does. */
    public enum Kind {
        /** One L-latent added. */
        ADD,
        /** A family swapped: its S-latents removed, its L-latents added. */
        SWAP,
        /** The last step on request: S's orphans (S-latents in no family, which no swap removes) removed. */
        DROP;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * One step of the path.
     * @param removeSmall S-latents removed (empty for ADD)
     * @param addLarge    L-latents added
     * @param family      index in {@link Families#families()} for SWAP, -1 for ADD and DROP
     */
    public record Move(Kind kind, int[] removeSmall, int[] addLarge, int family) {}

    /** The latents of the hybrid after some step: S's remaining ones ascending, L's in the order added. */
    public record Hybrid(int[] small, int[] large) {
        public int width() { return small.length + large.length; }
    }

    private final int smallLatents;
    private final List<Move> moves;

    private StitchPlan(int smallLatents, List<Move> moves) {
        this.smallLatents = smallLatents;
        this.moves = List.copyOf(moves);
    }

    /**
     * @param families the family graph of L against S
     * @param addOrder the L-latents to add one by one, in order: a permutation of
     *                 {@link Families#isolatedLarge()} (see {@link #randomOrder}, {@link #byDeltaMse})
     * @param smallLatents F_S, the width of S
     */
    public static StitchPlan of(Families families, int[] addOrder, int smallLatents) {
        int[] sorted = addOrder.clone();
        Arrays.sort(sorted);
        if (!Arrays.equals(sorted, families.isolatedLarge()))
            throw new IllegalArgumentException("the order of additions must be a permutation of the " + families.isolatedLarge().length + " L-latents without a family");
        List<Move> moves = new ArrayList<>();
        for (int j : addOrder) moves.add(new Move(Kind.ADD, new int[0], new int[] {j}, -1));
        List<Families.Family> fams = families.families();
        Integer[] order = IntStream.range(0, fams.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer f) -> -fams.get(f).meanCosine()).thenComparingInt(f -> f));
        for (int f : order) moves.add(new Move(Kind.SWAP, fams.get(f).small(), fams.get(f).large(), f));
        return new StitchPlan(smallLatents, moves);
    }

    /** This plan with a last move that removes S's orphans ({@link Families#isolatedSmall()}); this plan itself when there are none. */
    public StitchPlan withOrphansDropped(Families families) {
        int[] orphans = families.isolatedSmall();
        if (orphans.length == 0) return this;
        List<Move> all = new ArrayList<>(moves);
        all.add(new Move(Kind.DROP, orphans.clone(), new int[0], -1));
        return new StitchPlan(smallLatents, all);
    }

    /** {@code latents} shuffled with a seeded Fisher–Yates (java.util.Random). */
    public static int[] randomOrder(int[] latents, long seed) {
        int[] out = latents.clone();
        Random rnd = new Random(seed);
        for (int i = out.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }

    /** {@code latents} by ascending Δmse (most helpful first), ties by index. */
    public static int[] byDeltaMse(int[] latents, double[] deltaMse) {
        return Arrays.stream(latents).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> deltaMse[j]).thenComparingInt(j -> j))
                .mapToInt(Integer::intValue).toArray();
    }

    public List<Move> moves() { return moves; }

    /** Number of steps after the start: the path has steps 0..size(). */
    public int size() { return moves.size(); }

    public int smallLatents() { return smallLatents; }

    /** The hybrid's latents after {@code step} moves (0 = S). */
    public Hybrid hybridAt(int step) {
        if (step < 0 || step > moves.size()) throw new IllegalArgumentException("step " + step + " is outside the path's steps 0.." + moves.size());
        boolean[] removed = new boolean[smallLatents];
        List<Integer> large = new ArrayList<>();
        for (Move m : moves.subList(0, step)) {
            for (int i : m.removeSmall()) removed[i] = true;
            for (int j : m.addLarge()) large.add(j);
        }
        int[] small = IntStream.range(0, smallLatents).filter(i -> !removed[i]).toArray();
        return new Hybrid(small, large.stream().mapToInt(Integer::intValue).toArray());
    }
}
