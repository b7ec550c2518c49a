package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.sae.Sae;
import dev.saestitch.sae.SaeRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.train.BatchFeed;

import java.lang.foreign.Arena;

/**
 * The best single scale on an SAE's codes (issue 12's shrinkage): the c that minimises
 * Σ‖x − (c·f·W_dec + b_dec)‖² over the rows, c = Σ⟨x − b, f·W⟩ / Σ‖f·W‖², in float64 and in the
 * data's units. An L1 penalty shrinks ReLU codes, so c comes out above 1 (about 1.2–1.3 on MiniLM
 * activations); TopK's codes are not penalised and give about 1. Scaling the decoder rows by c is
 * the same as scaling the codes ({@link #scaled}).
 */
public final class CodeScale {

    private CodeScale() {}

    /** c over {@code batches} batches of {@code batchSize} rows of {@code feed}; 1 when the SAE never fires. */
    public static double of(Backend backend, Sae sae, BatchFeed feed, int batches, int batchSize) {
        int d = sae.dIn();
        double[] bias = new double[d];
        for (int j = 0; j < d; j++) bias[j] = sae.bDec().get(0, j) / sae.inputScale();   // b_dec in the data's units, as SaeRunner decodes
        double along = 0, norm = 0;
        try (Arena arena = Arena.ofConfined(); SaeRunner run = new SaeRunner(backend, sae, batchSize)) {
            Matrix x = Matrix.allocate(arena, batchSize, d), xHat = Matrix.allocate(arena, batchSize, d);
            for (int b = 0; b < batches; b++) {
                feed.next(x);
                run.reconstruct(x, xHat);
                float[] xs = x.toArray(), hs = xHat.toArray();
                for (int i = 0; i < xs.length; i++) {
                    double fw = hs[i] - bias[i % d];
                    along += (xs[i] - bias[i % d]) * fw;
                    norm += fw * fw;
                }
            }
        }
        return norm == 0 ? 1 : along / norm;
    }

    /** A copy of {@code sae} whose decoder rows are multiplied by {@code c}: it decodes c·f·W_dec + b_dec. The caller closes it. */
    public static Sae scaled(Sae sae, double c) {
        Sae copy = sae.copy();
        Matrix w = copy.wDec();
        for (long i = 0; i < w.size(); i++) w.setFlat(i, (float) (w.getFlat(i) * c));
        return copy;
    }
}
