package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.metrics.ReconstructionMetrics;
import dev.saestitch.sae.Autoencoder;
import dev.saestitch.sae.InferenceRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.train.BatchFeed;

import java.lang.foreign.Arena;
import java.util.function.LongConsumer;

/**
 * One pass over data that measures what the large SAE L would add to the small SAE S: the exact
 * Δmse of adding each L-latent alone to S ({@link DeltaMse}), the mse of S where novel latents
 * fire and where they do not ({@link ErrorWhereNovelFires}), and both SAEs' own mse and l0.
 * Per batch: S encodes and decodes (x̂_S in the data's units), r = x − x̂_S, L encodes with its
 * own inference rule; L's decoder rows go to DeltaMse in the data's units, so that f·W is in the
 * data's units like r. Either SAE may be plain or composite (each has decoder rows and a rule).
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
        ReconstructionMetrics smallMetrics = new ReconstructionMetrics(d), largeMetrics = new ReconstructionMetrics(d);
        try (Arena arena = Arena.ofShared();
             InferenceRunner runS = small.runner(backend, batchSize);
             InferenceRunner runL = large.runner(backend, batchSize)) {
            Matrix wL = backend.allocate(arena, large.width(), d);   // (F_L, D) in the data's units
            backend.upload(large.decoderInDataUnits(arena), wL);
            Matrix x = Matrix.allocate(arena, batchSize, d), xHatS = Matrix.allocate(arena, batchSize, d), xHatL = Matrix.allocate(arena, batchSize, d);
            Matrix xDev = backend.allocate(arena, batchSize, d), residual = backend.allocate(arena, batchSize, d);
            try (DeltaMse delta = new DeltaMse(backend, wL, batchSize);
                 ErrorWhereNovelFires error = new ErrorWhereNovelFires(backend, novel, d, batchSize)) {
                for (int b = 0; b < batches; b++) {
                    feed.next(x);
                    SparseCodes codesS = runS.encode(x);
                    runS.decode(codesS, xHatS);
                    smallMetrics.add(x, xHatS, codesS.nnz());
                    backend.upload(x, xDev);
                    backend.upload(xHatS, residual);
                    backend.subtract(xDev, residual, residual);
                    SparseCodes codesL = runL.encode(x);
                    delta.accept(residual, codesL);
                    error.accept(residual, codesL);
                    runL.decode(codesL, xHatL);
                    largeMetrics.add(x, xHatL, codesL.nnz());
                    progress.accept((long) (b + 1) * batchSize);
                }
                return new Result(delta.samples(), delta.deltaMse(), delta.firingCounts(), smallMetrics.summary(), largeMetrics.summary(),
                        error.mseWhereNovelFires(), error.mseWhereNoNovelFires(), error.samplesWithNovel(), error.perLatent());
            }
        }
    }
}
