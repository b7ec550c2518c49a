package dev.saestitch.api;

import dev.saestitch.backend.Backend;
import dev.saestitch.data.ActivationSource;
import dev.saestitch.dict.DictionaryComparison;
import dev.saestitch.dict.Families;
import dev.saestitch.dict.LatentClasses;
import dev.saestitch.dict.LatentCodes;
import dev.saestitch.dict.StitchPath;
import dev.saestitch.dict.StitchPlan;
import dev.saestitch.dict.TileShape;
import dev.saestitch.input.InputException;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import dev.saestitch.sae.SaeRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.ShuffledFeed;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * The stitching path from a small SAE S towards a large one L (SPEC §2) on rows held in memory:
 * {@link #plan} encodes the rows with both SAEs once (L's reconstruction metrics come from the same
 * pass) and orders the moves; {@link Plan#walk} evaluates every step.
 */
public final class Stitching {

    /** The order of the additions: seeded random, or by the Δmse of adding each alone to S, most helpful first. */
    public enum Order {
        RANDOM, DELTA;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        public static Order parse(String s) {
            for (Order o : values()) if (o.cliName().equals(s.toLowerCase(Locale.ROOT))) return o;
            throw new InputException("unknown --order '" + s + "' (expected random or delta)");
        }
    }

    /**
     * @param rows  rows held in memory (at most the source's)
     * @param batch rows per batch when encoding
     * @param seed  of the row order and of the random order
     * @param dropOrphans end with one more step that removes S's orphans ({@link StitchPlan#withOrphansDropped})
     */
    public record Options(Order order, BiasRule bias, double threshold, long seed, long rows, int batch, boolean dropOrphans) {

        /** The paper's path: no last step dropping S's orphans. */
        public Options(Order order, BiasRule bias, double threshold, long seed, long rows, int batch) {
            this(order, bias, threshold, seed, rows, batch, false);
        }
    }

    /** The path's setting before its walk: the rows' codes, L's metrics on them, the comparison and the moves. */
    public static final class Plan {
        private final Sae small, large;
        private final Options options;
        private final StitchPath path;
        private final StitchPlan moves;
        private final ReconstructionMetrics.Summary largeAlone;
        private final int rows, novel, added, families;

        private Plan(Sae small, Sae large, Options options, StitchPath path, StitchPlan moves, ReconstructionMetrics.Summary largeAlone,
                     int rows, int novel, int added, int families) {
            this.small = small;
            this.large = large;
            this.options = options;
            this.path = path;
            this.moves = moves;
            this.largeAlone = largeAlone;
            this.rows = rows;
            this.novel = novel;
            this.added = added;
            this.families = families;
        }

        /** The number of moves; the path runs over steps 0..size(). */
        public int size() { return moves.size(); }

        /** Every step of the path; {@code afterStep} hears each step's number. */
        public StitchResult walk(IntConsumer afterStep) {
            List<StitchPath.Step> steps = StitchPath.walk(path, moves, afterStep);
            return new StitchResult(small, large, options, moves, steps, largeAlone, rows, novel, added, families);
        }
    }

    private Stitching() {}

    /** Reads the rows, encodes them with S and L and plans the moves. */
    public static Plan plan(Backend backend, Sae small, Sae large, ActivationSource source, Options options) {
        int n = (int) Math.min(options.rows(), source.rows()), b = Math.min(options.batch(), n);
        ReconstructionMetrics largeAlone = new ReconstructionMetrics(small.dIn());
        StitchPath path;
        try (Arena arena = Arena.ofShared();
             SaeRunner runS = new SaeRunner(backend, small, b); SaeRunner runL = new SaeRunner(backend, large, b)) {
            Matrix x = Matrix.allocate(arena, n, small.dIn());   // (N, D) the rows; the path keeps its own float64 copy
            new ShuffledFeed(source, options.seed()).next(x);
            Matrix xHat = Matrix.allocate(arena, b, small.dIn());
            LatentCodes smallCodes = LatentCodes.encode(runS, x, b);
            LatentCodes largeCodes = LatentCodes.encode(runL, x, b, (rows, codes) -> {
                Matrix out = xHat.rows(0, rows.rows());
                runL.decode(codes, out);
                largeAlone.add(rows, out, codes.nnz());
            });
            path = new StitchPath(x, small, smallCodes, large, largeCodes, options.bias());
        }
        DictionaryComparison cmp = DictionaryComparison.compare(backend, large.wDec(), small.wDec(), options.threshold(),
                TileShape.forBudget(TileShape.DEFAULT_BUDGET_BYTES, large.width(), small.width()));
        Families families = Families.of(cmp);
        int[] additions = switch (options.order()) {
            case DELTA -> StitchPlan.byDeltaMse(families.isolatedLarge(), path.largeAdditionDeltaMse());
            case RANDOM -> StitchPlan.randomOrder(families.isolatedLarge(), options.seed());
        };
        StitchPlan paper = StitchPlan.of(families, additions, small.width());
        StitchPlan moves = options.dropOrphans() ? paper.withOrphansDropped(families) : paper;
        return new Plan(small, large, options, path, moves, largeAlone.summary(), n, LatentClasses.of(cmp).novelCount(),
                families.isolatedLarge().length, families.families().size());
    }

    /**
     * The walked path.
     * @param large   L's own metrics on the same rows
     * @param novel   L-latents below θ
     * @param added   L-latents in no family (the additions)
     */
    public record StitchResult(Sae small, Sae large, Options options, StitchPlan plan, List<StitchPath.Step> steps,
                               ReconstructionMetrics.Summary largeAlone, int rows, int novel, int added, int families) {

        public StitchPath.Step start() { return steps.getFirst(); }

        public StitchPath.Step end() { return steps.getLast(); }

        /** The earliest step whose number of latents is closest to {@code width}. */
        public int closestStep(int width) {
            int best = 0;
            for (StitchPath.Step s : steps) if (Math.abs(s.width() - width) < Math.abs(steps.get(best).width() - width)) best = s.step();
            return best;
        }

        /** The hybrid after {@code step} moves; the caller closes it. */
        public CompositeSae hybrid(int step) {
            if (step < 0 || step > plan.size()) throw new InputException("step " + step + " is outside the path's 0.." + plan.size());
            return StitchPath.hybrid(small, large, plan.hybridAt(step), options.bias());
        }
    }
}
