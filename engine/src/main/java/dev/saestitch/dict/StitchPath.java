package dev.saestitch.dict;

import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSae.BiasRule;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Evaluates the stitching path (SPEC §2) incrementally on N rows held in memory, in float64.
 * The state is, per row b, e_b = x_b − Σ_{active i} f_bi W_i (the residual without the decoder
 * bias), the bias b in use, Σ_b e_b, the total sse = Σ_b ‖e_b − b‖² and the number of active
 * codes. Each source computes its codes alone, so a hybrid's codes are a subset of S's and L's
 * codes, given here by latent ({@link LatentCodes}).
 *
 * <p>Adding (s = +1) or removing (s = −1) latent i touches only the rows where it fires: with
 * r_b = e_b − b, r_b' = r_b − s·f_bi·W_i, so
 * <pre>  Δsse = Σ_b −2 s f_bi ⟨r_b, W_i⟩ + f_bi² ‖W_i‖²</pre>
 * Changing the bias from b to b' = b + Δb (eq. 5 moves it whenever the counts of latents from S
 * and L change) shifts every row's residual by −Δb, r_b' = r_b − Δb, so
 * <pre>  Σ_b ‖r_b − Δb‖² = sse − 2⟨Σ_b r_b, Δb⟩ + N‖Δb‖²,   Σ_b r_b = Σ_b e_b − N·b</pre>
 * which needs only the running Σ_b e_b. The bias at each step is {@link CompositeSae#decoderBias}
 * of the counts, and the decoder rows are {@link CompositeSae#decoderInDataUnits}, so the path
 * evaluates exactly the composites {@link #hybrid} builds.
 */
public final class StitchPath {

    /** One point of the path: mse over the N rows (mean over rows and dimensions) and l0 (mean active codes per row). */
    public record Step(int step, String kind, int width, double mse, double l0) {}

    private final Sae small, large;
    private final LatentCodes smallCodes, largeCodes;
    private final BiasRule rule;
    private final int n, d;
    private final float[][] wSmall, wLarge;   // (F_S, D), (F_L, D) decoder rows in the data's units
    private final double[] normSqSmall, normSqLarge;
    private final double[][] e;               // (N, D) x − Σ active f·W
    private final double[] columnSum;         // (D) Σ_b e_b
    private double[] bias;                    // (D) the bias in use
    private double sse;
    private long activeCodes;
    private int fromSmall, fromLarge, step;

    /**
     * The path's start: S alone with its bias.
     * @param x          (N, D) host rows the codes were computed on
     * @param smallCodes S's codes of x by latent
     * @param largeCodes L's codes of x by latent
     */
    public StitchPath(Matrix x, Sae small, LatentCodes smallCodes, Sae large, LatentCodes largeCodes, BiasRule rule) {
        if (small.dIn() != large.dIn() || x.cols() != small.dIn())
            throw new IllegalArgumentException("rows of dimension " + x.cols() + " for " + small + " and " + large);
        if (smallCodes.rows() != x.rows() || largeCodes.rows() != x.rows() || smallCodes.latents() != small.width() || largeCodes.latents() != large.width())
            throw new IllegalArgumentException("codes do not match " + x.rows() + " rows of " + small + " and " + large);
        this.small = small;
        this.large = large;
        this.smallCodes = smallCodes;
        this.largeCodes = largeCodes;
        this.rule = rule;
        this.n = x.rows();
        this.d = x.cols();
        this.wSmall = dataUnitRows(small);
        this.wLarge = dataUnitRows(large);
        this.normSqSmall = normsSquared(wSmall);
        this.normSqLarge = normsSquared(wLarge);
        this.e = new double[n][d];
        for (int b = 0; b < n; b++) for (int c = 0; c < d; c++) e[b][c] = x.get(b, c);
        this.columnSum = new double[d];
        this.bias = new double[d];
        for (int i = 0; i < small.width(); i++) shift(smallCodes, i, wSmall[i], +1);
        fromSmall = small.width();
        bias = currentBias();
        // The start's sse and Σ e summed directly.
        Arrays.fill(columnSum, 0);
        for (double[] row : e)
            for (int c = 0; c < d; c++) {
                double r = row[c] - bias[c];
                sse += r * r;
                columnSum[c] += row[c];
            }
    }

    /** The whole path from a fresh start: step 0 (S) and one step per move of {@code plan}; {@code afterStep} hears each step's number. */
    public static List<Step> walk(StitchPath path, StitchPlan plan, IntConsumer afterStep) {
        if (path.step != 0) throw new IllegalStateException("the path has already taken " + path.step + " steps");
        List<Step> steps = new ArrayList<>(plan.size() + 1);
        steps.add(path.current("start"));
        for (StitchPlan.Move m : plan.moves()) {
            steps.add(path.apply(m));
            afterStep.accept(path.step);
        }
        return steps;
    }

    /** Applies the next move of the plan this path walks (each latent enters or leaves once) and returns the new step. */
    public Step apply(StitchPlan.Move move) {
        for (int i : move.removeSmall()) update(smallCodes, i, wSmall[i], normSqSmall[i], -1);
        for (int j : move.addLarge()) update(largeCodes, j, wLarge[j], normSqLarge[j], +1);
        fromSmall -= move.removeSmall().length;
        fromLarge += move.addLarge().length;
        shiftBias(currentBias());
        step++;
        return current(move.kind().cliName());
    }

    /**
     * For every L-latent j, the change of mse (over the N rows) from adding j alone to the
     * current hybrid, bias unchanged: at step 0 the Figure 1 / Table 2 quantity of {@link DeltaMse}.
     */
    public double[] largeAdditionDeltaMse() {
        double[] out = new double[large.width()];
        for (int j = 0; j < out.length; j++) out[j] = deltaSse(largeCodes, j, wLarge[j], normSqLarge[j], +1) / ((double) n * d);
        return out;
    }

    /** The current point of the path. */
    public Step current(String kind) {
        return new Step(step, kind, fromSmall + fromLarge, sse / ((double) n * d), (double) activeCodes / n);
    }

    /** The composite SAE of the hybrid with latents {@code hybrid} (e.g. {@link StitchPlan#hybridAt}); the caller closes it. */
    public static CompositeSae hybrid(Sae small, Sae large, StitchPlan.Hybrid hybrid, BiasRule rule) {
        return CompositeSae.of(List.of(new CompositeSae.Source(small, hybrid.small()), new CompositeSae.Source(large, hybrid.large())), rule);
    }

    /** Adds (+1) or removes (−1) latent i, keeping the sse. */
    private void update(LatentCodes codes, int i, float[] w, double normSq, int sign) {
        sse += deltaSse(codes, i, w, normSq, sign);
        shift(codes, i, w, sign);
    }

    /** Adds (+1) or removes (−1) latent i's contributions f·W_i to the rows where it fires, Σ e and the code count. */
    private void shift(LatentCodes codes, int i, float[] w, int sign) {
        double codeSum = 0;
        for (int p = codes.start(i), end = p + codes.count(i); p < end; p++) {
            double[] row = e[codes.row(p)];
            double f = sign * (double) codes.value(p);
            for (int c = 0; c < d; c++) row[c] -= f * w[c];
            codeSum += f;
        }
        for (int c = 0; c < d; c++) columnSum[c] -= codeSum * w[c];
        activeCodes += (long) sign * codes.count(i);
    }

    /** Σ over the rows where latent i fires of −2 s f ⟨e_b − b, W_i⟩ + f² ‖W_i‖². */
    private double deltaSse(LatentCodes codes, int i, float[] w, double normSq, int sign) {
        double delta = 0;
        for (int p = codes.start(i), end = p + codes.count(i); p < end; p++) {
            double[] row = e[codes.row(p)];
            double f = codes.value(p), dot = 0;
            for (int c = 0; c < d; c++) dot += (row[c] - bias[c]) * w[c];
            delta += -2 * sign * f * dot + f * f * normSq;
        }
        return delta;
    }

    /** Moves the bias to {@code next}: sse += −2⟨Σ_b r_b, Δb⟩ + N‖Δb‖² with Σ_b r_b = Σ_b e_b − N·b. */
    private void shiftBias(double[] next) {
        double cross = 0, shiftSq = 0;
        for (int c = 0; c < d; c++) {
            double delta = next[c] - bias[c];
            cross += (columnSum[c] - n * bias[c]) * delta;
            shiftSq += delta * delta;
        }
        sse += -2 * cross + n * shiftSq;
        bias = next;
    }

    private double[] currentBias() {
        float[] b = CompositeSae.decoderBias(List.of(small, large), new int[] {fromSmall, fromLarge}, rule);
        double[] out = new double[d];
        for (int c = 0; c < d; c++) out[c] = b[c];
        return out;
    }

    private static float[][] dataUnitRows(Sae sae) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix w = CompositeSae.decoderInDataUnits(sae, arena);
            float[][] rows = new float[w.rows()][];
            for (int i = 0; i < rows.length; i++) rows[i] = w.row(i);
            return rows;
        }
    }

    private static double[] normsSquared(float[][] rows) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) for (float v : rows[i]) out[i] += (double) v * v;
        return out;
    }
}
