package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.CompositeSaeRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.train.BatchFeed;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * The last step of Algorithm 1 (SPEC §3): retrain the decoder (W_dec and b_dec) of a merged SAE
 * with every encoder frozen. The codes are then fixed, so this is the linear least-squares
 * problem min ‖X − F·W − 1bᵀ‖² over the streamed rows, solved either as the papers did, by Adam
 * ({@link AdamDecoderFit}), or exactly from the float64 normal equations ({@link SparseGram},
 * {@link NormalEquations}).
 *
 * <p>Every stage of a merge is retrained from one stream: the rows are encoded once by the last
 * stage's merged SAE, and each stage uses the prefix of the codes that is its own.
 */
public final class DecoderRetraining {

    /** How the decoder is refitted. */
    public enum Method {
        /** Adam on W and b over the streamed rows, from the merged decoder. */
        ADAM,
        /** The least-squares solution of the normal equations accumulated over the streamed rows. */
        EXACT,
        /** No retraining: the merged decoder as it is. */
        NONE;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        public static Method parse(String s) {
            for (Method m : values()) if (m.cliName().equals(s.toLowerCase(Locale.ROOT))) return m;
            throw new InputException("unknown retraining method '" + s + "' (expected adam, exact or none)");
        }
    }

    /**
     * @param method    how to refit
     * @param tokens    rows streamed (the papers used 100M; the exact fit's sums run over the same rows)
     * @param batchSize rows per batch
     * @param lr        Adam's peak rate for inputs normalised to E‖x‖² = D (as training normalises
     *                  them); applied to the data's units as lr·sqrt(E‖x‖²/D), measured on the first batch
     * @param ridge     the exact fit's ridge, relative (see {@link NormalEquations})
     */
    public record Options(Method method, long tokens, int batchSize, double lr, double ridge) {
        /**
         * Adam's default rate. The merged decoder starts far from the optimum (latents from
         * several SAEs fire on the same inputs and their rows add up: held-out mse 0.38 where the
         * optimum is 0.050 in the FrankensteinAcceptanceTest setting). There, 488 steps end 0.5%
         * above the exact fit's mse at 3e-3, 0.8% at 1e-2, 4% at 1e-3 and 61% at 3e-4.
         */
        public static final double DEFAULT_LR = 3e-3;

        public Options {
            if (method == null) throw new IllegalArgumentException("retraining method is required");
            if (batchSize < 1) throw new InputException("retraining batch size must be at least 1, got " + batchSize);
            if (method != Method.NONE && tokens < batchSize)
                throw new InputException("retraining on " + tokens + " tokens is less than one batch of " + batchSize);
            if (!(lr > 0 && Double.isFinite(lr))) throw new InputException("retraining learning rate must be positive, got " + lr);
            if (!(ridge >= 0 && Double.isFinite(ridge))) throw new InputException("ridge must be finite and non-negative, got " + ridge);
        }

        public long steps() { return tokens / batchSize; }
    }

    private DecoderRetraining() {}

    /**
     * Retrains the decoder of every stage.
     * @param last     the merged SAE of the last stage; every stage's latents are a prefix of its latents
     * @param starts   per stage, the decoder it starts from, of non-decreasing widths, the last of {@code last}'s width
     * @param feed     the rows to fit on
     * @param progress told the rows streamed so far after each batch (may be null)
     * @param owner    owns the returned decoders
     * @return per stage the retrained decoder; {@link Method#NONE} returns copies of {@code starts}
     */
    public static List<Decoder> run(Backend backend, CompositeSae last, List<Decoder> starts, BatchFeed feed, Options options,
                                    LongConsumer progress, Arena owner) {
        int previous = 0;
        for (Decoder s : starts) {
            if (s.width() < previous || s.width() > last.width() || s.dIn() != last.dIn())
                throw new IllegalArgumentException("stage decoders must be prefixes of non-decreasing width of the last stage's " + last.width() + " latents");
            previous = s.width();
        }
        if (previous != last.width()) throw new IllegalArgumentException("the last stage decoder has " + previous + " latents, the merged SAE " + last.width());
        if (feed.dim() != last.dIn()) throw new IllegalArgumentException("rows of dimension " + feed.dim() + " for a merged SAE on " + last.dIn());
        return switch (options.method()) {
            case NONE -> starts.stream().map(s -> copy(s, owner)).toList();
            case EXACT -> exact(backend, last, starts, feed, options, progress, owner);
            case ADAM -> adam(backend, last, starts, feed, options, progress, owner);
        };
    }

    private static List<Decoder> exact(Backend backend, CompositeSae last, List<Decoder> starts, BatchFeed feed, Options o,
                                       LongConsumer progress, Arena owner) {
        SparseGram gram = new SparseGram(last.width(), last.dIn());
        stream(backend, last, feed, o, progress, (codes, x, step) -> gram.add(codes, x));
        List<Decoder> out = new ArrayList<>();
        for (Decoder s : starts) out.add(gram.system(s.width()).solve(s, o.ridge(), owner));
        return out;
    }

    private static List<Decoder> adam(Backend backend, CompositeSae last, List<Decoder> starts, BatchFeed feed, Options o,
                                      LongConsumer progress, Arena owner) {
        List<AdamDecoderFit> fits = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            for (Decoder s : starts) fits.add(new AdamDecoderFit(backend, s, o.batchSize()));
            Matrix x = backend.allocate(arena, o.batchSize(), last.dIn());
            double[] rate = {Double.NaN};   // lr in the data's units, from the first batch
            stream(backend, last, feed, o, progress, (codes, hostX, step) -> {
                if (step == 0) rate[0] = o.lr() * Math.sqrt(meanSquaredNorm(hostX) / hostX.cols());
                backend.upload(hostX, x);
                float lr = (float) (rate[0] * schedule(step, o.steps()));
                for (AdamDecoderFit fit : fits) fit.step(codes, x, lr);
            });
            List<Decoder> out = new ArrayList<>();
            for (AdamDecoderFit fit : fits) out.add(fit.result(owner));
            return out;
        } finally {
            for (AdamDecoderFit fit : fits) fit.close();
        }
    }

    /**
     * The rate's factor at {@code step} of {@code steps}: a linear warm-up over the first 5% (the
     * decoder starts good; Adam's first steps are full-size whatever the gradient), constant,
     * then a linear decay to 0 over the last 20% (as training, SPEC §1 recipe), which lets the
     * stochastic fit settle near the least-squares solution.
     */
    static double schedule(long step, long steps) {
        long warmup = Math.max(1, steps / 20), decayStart = steps - steps / 5;
        double factor = Math.min(1, (step + 1.0) / warmup);
        if (step >= decayStart && steps > decayStart) factor = Math.min(factor, (double) (steps - step) / (steps - decayStart));
        return factor;
    }

    /** One batch of the stream: its codes (over the last stage's latents), the host rows, the 0-based step. */
    @FunctionalInterface
    private interface BatchBody { void accept(SparseCodes codes, Matrix hostX, long step); }

    /** Streams {@code o.steps()} batches of {@code feed}, each encoded once by {@code last}. */
    private static void stream(Backend backend, CompositeSae last, BatchFeed feed, Options o, LongConsumer progress, BatchBody body) {
        try (Arena arena = Arena.ofShared(); CompositeSaeRunner runner = new CompositeSaeRunner(backend, last, o.batchSize())) {
            Matrix hostX = Matrix.allocate(arena, o.batchSize(), last.dIn());
            for (long step = 0, steps = o.steps(); step < steps; step++) {
                feed.next(hostX);
                body.accept(runner.encode(hostX), hostX, step);
                if (progress != null) progress.accept((step + 1) * o.batchSize());
            }
        }
    }

    private static double meanSquaredNorm(Matrix x) {
        double sum = 0;
        for (long i = 0, n = x.size(); i < n; i++) {
            double v = x.getFlat(i);
            sum += v * v;
        }
        return sum / x.rows();
    }

    private static Decoder copy(Decoder d, Arena owner) {
        Matrix w = Matrix.allocate(owner, d.width(), d.dIn()), b = Matrix.allocate(owner, 1, d.dIn());
        w.copyFrom(d.wDec());
        b.copyFrom(d.bDec());
        return new Decoder(w, b);
    }
}
