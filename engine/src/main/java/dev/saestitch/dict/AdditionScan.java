package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.InferenceRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.train.BatchFeed;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * One pass over data that measures what the large SAE L would add to the small SAE S: the exact
 * Δmse of adding each L-latent alone to S ({@link DeltaMse}), the mse of S where novel latents
 * fire and where they do not ({@link ErrorWhereNovelFires}), and both SAEs' own mse and l0.
 * Per batch: x is uploaded once; S encodes and decodes it (x̂_S in the data's units), r = x − x̂_S,
 * L encodes with its own inference rule and decodes; L's decoder rows go to DeltaMse in the
 * data's units, so that f·W is in the data's units like r. Either SAE may be plain or composite
 * (each has decoder rows and a rule). x̂, r and every sum stay on the backend (sums in
 * {@link BackendTotal}s) and come to the host once, at the end; the host keeps only the inputs'
 * own statistics (their mean and spread, for the fvu), from the batch it read.
 */
public final class AdditionScan {

    /**
     * @param samples     rows seen
     * @param deltaMse    (F_L) change of S's mse from adding each L-latent alone
     * @param largeFired  (F_L) rows where each L-latent fired
     * @param small       S's reconstruction metrics on the rows
     * @param large       L's reconstruction metrics on the rows
     */
    public record Result(long samples, double[] deltaMse, long[] largeFired, ReconstructionMetrics.Summary small,
                         ReconstructionMetrics.Summary large, double mseWhereNovelFires, double mseWhereNoNovelFires,
                         long samplesWithNovel, ErrorWhereNovelFires.PerLatent perLatent) {}

    private AdditionScan() {}

    /**
     * @param novel    (F_L) per L-latent, whether it is novel ({@link LatentClasses#novelMask()})
     * @param progress told the number of rows after each batch
     */
    public static Result run(Backend backend, Autoencoder small, Autoencoder large, boolean[] novel, BatchFeed feed, int batches, int batchSize, LongConsumer progress) {
        if (small.dIn() != large.dIn()) throw new IllegalArgumentException(small + " and " + large + " have different input dimensions");
        if (batches < 1 || batchSize < 1) throw new IllegalArgumentException("scan at least one batch of one row, got " + batches + " of " + batchSize);
        int d = small.dIn();
        ReconstructionMetrics inputs = new ReconstructionMetrics(d);
        try (Arena arena = Arena.ofShared();
             InferenceRunner runS = small.runner(backend, batchSize);
             InferenceRunner runL = large.runner(backend, batchSize);
             PerLatentSums sumsS = new PerLatentSums(backend, small.width(), batchSize)) {
            Matrix wL = backend.allocate(arena, large.width(), d);   // (F_L, D) in the data's units
            backend.upload(large.decoderInDataUnits(arena), wL);
            Matrix x = Matrix.allocate(arena, batchSize, d);
            Matrix xDev = backend.allocate(arena, batchSize, d), xHat = backend.allocate(arena, batchSize, d);
            Matrix residual = backend.allocate(arena, batchSize, d), sampleSse = backend.allocate(arena, batchSize, 1);
            BackendTotal sseS = sumsS.total(1), sseL = sumsS.total(1), firedS = sumsS.perLatent();
            try (DeltaMse delta = new DeltaMse(backend, wL, batchSize);
                 ErrorWhereNovelFires error = new ErrorWhereNovelFires(backend, novel, d, batchSize)) {
                for (int b = 0; b < batches; b++) {
                    feed.next(x);
                    inputs.addInputs(x);
                    backend.upload(x, xDev);
                    SparseCodes codesS = runS.encodeOnBackend(xDev);
                    runS.decodeOnBackend(codesS, xHat);
                    backend.subtract(xDev, xHat, residual);
                    sumSse(backend, xDev, xHat, sampleSse, sseS);
                    sumsS.addCounts(codesS, firedS);
                    SparseCodes codesL = runL.encodeOnBackend(xDev);
                    delta.accept(residual, codesL);
                    error.accept(sampleSse, codesL);
                    runL.decodeOnBackend(codesL, xHat);
                    sumSse(backend, xDev, xHat, sampleSse, sseL);
                    progress.accept((long) (b + 1) * batchSize);
                }
                long[] firedL = delta.firingCounts();
                ReconstructionMetrics.Summary smallSummary = inputs.summary(sseS.total(), Math.round(firedS.total()));
                ReconstructionMetrics.Summary largeSummary = inputs.summary(sseL.total(), Arrays.stream(firedL).sum());
                return new Result(delta.samples(), delta.deltaMse(), firedL, smallSummary, largeSummary,
                        error.mseWhereNovelFires(), error.mseWhereNoNovelFires(), error.samplesWithNovel(), error.perLatent(firedL));
            }
        }
    }

    /** sampleSse (B, 1) = ‖x − x̂‖² per row, and their sum into {@code total}. */
    private static void sumSse(Backend backend, Matrix x, Matrix xHat, Matrix sampleSse, BackendTotal total) {
        backend.rowSquaredDistances(x, xHat, sampleSse.packed(1, x.rows()));
        total.add(t -> backend.columnSums(sampleSse, 1f, 0f, t));
    }
}
