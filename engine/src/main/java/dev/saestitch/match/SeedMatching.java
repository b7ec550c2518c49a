package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.Sae;
import dev.saestitch.tensor.Matrix;


/**
 * Matches the latents of two SAEs trained on the same activations (SPEC §4, after "Sparse
 * autoencoders trained on the same data learn different features"): decoder rows and encoder rows
 * are scaled to unit norm, and two linear assignments maximise the total decoder cosine
 * tr(Pᵀ D₁D₂ᵀ) and the total encoder cosine tr(Pᵀ E₁E₂ᵀ), exactly ({@link LinearAssignment}).
 *
 * <p>The cosines are float32 from the backend's GEMM, scanned block by block for each row's best
 * candidates ({@link CosineScan}: the (F_A, F_B) matrix is never kept); the assignments are optimal for
 * the float64 cosines ({@link ExactEntries}: near-ties that float32 cannot order, such as
 * near-duplicate latents, are decided in float64), and the matched cosines are float64, so that
 * the threshold decisions are exact.
 *
 * <p>SAEs of different widths: the narrower SAE's latents are all matched, each to a distinct
 * latent of the wider (a rectangular assignment); the wider SAE's surplus latents stay unmatched.
 */
public final class SeedMatching {

    /**
     * Cosines kept per row as candidate edges. Fewer leave rows whose kept cosines cannot prove the
     * duals feasible, each recomputed by the pricing pass: on MatchBench's seed-like pair at
     * n = 4096, 32 left 823 and 480 rows (decoder, encoder), 64 left 3 and 3.
     */
    static final int KEPT_COSINES = 64;

    /** The paper's threshold on both matched cosines. */
    public static final double DEFAULT_THRESHOLD = 0.7;

    private SeedMatching() {}

    /**
     * @param threshold cosine both matchings must reach for a latent to be shared, in (0, 1]
     * @throws InputException when the SAEs read activations of different dimensions, or
     *                                  their weights hold non-finite values
     */
    public static PairMatch match(Backend backend, Sae a, Sae b, double threshold) {
        return match(backend, a, b, a.wEnc(), b.wEnc(), threshold);
    }

    /**
     * {@link #match(Backend, Sae, Sae, double)} with the encoder side matched on the rows {@code encA}
     * (F_A, D) and {@code encB} (F_B, D) in place of the encoders' own rows: the encoder rows mapped
     * into another metric (e.g. {@link PreActivationCorrelation}), whose cosines are then matched as the paper's are.
     */
    public static PairMatch match(Backend backend, Sae a, Sae b, Matrix encA, Matrix encB, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) throw new InputException("cosine threshold must be in (0, 1], got " + threshold);
        if (a.dIn() != b.dIn())
            throw new InputException("cannot match SAEs on different activations: d_in " + a.dIn() + " (" + a + ") vs " + b.dIn() + " (" + b + ")");
        if (encA.rows() != a.width() || encB.rows() != b.width() || encA.cols() != encB.cols())
            throw new IllegalArgumentException("encoder rows of shape " + encA.shape() + " and " + encB.shape() + " for SAEs of " + a.width() + " and " + b.width() + " latents");
        Side decoder = Side.solve(backend, a.wDec(), b.wDec(), "decoder", true);
        Side encoder = Side.solve(backend, encA, encB, "encoder", false);   // PairMatch's max cosines are the decoder's
        return new PairMatch(decoder.partner, decoder.cosine, encoder.partner, encoder.cosine,
                decoder.maxA, decoder.maxB, threshold);
    }

    /** {@link #match(Backend, Sae, Sae, double)} with the paper's threshold 0.7. */
    public static PairMatch match(Backend backend, Sae a, Sae b) {
        return match(backend, a, b, DEFAULT_THRESHOLD);
    }

    /**
     * One assignment: for each row of A its partner in B (−1 when A is wider and the row is left
     * over) and their float64 cosine, and the float32 max cosines of both sides (null when not asked for).
     */
    private record Side(int[] partner, double[] cosine, float[] maxA, float[] maxB) {

        /** @param a (F_A, D) rows; b (F_B, D); withMaxima: also the max cosines */
        static Side solve(Backend backend, Matrix a, Matrix b, String what, boolean withMaxima) {
            boolean aIsRows = a.rows() <= b.rows();   // the assignment's rows are the narrower side
            UnitRows first = new UnitRows(a, what + " rows of the first SAE"), second = new UnitRows(b, what + " rows of the second SAE");
            UnitRows rows = aIsRows ? first : second, cols = aIsRows ? second : first;
            ExactEntries exact = new ExactEntries((i, j) -> rows.cosine(i, cols, j), CosineScan.errorBound(backend, a.cols()));
            int[] partner = new int[a.rows()];
            float[][] maxima = {null, null};
            try (CosineScan scan = new CosineScan(backend, rows, cols, KEPT_COSINES)) {
                Assignment assignment = LinearAssignment.maximiseCosines(scan, exact);
                if (withMaxima) maxima = scan.maxima();
                if (aIsRows) System.arraycopy(assignment.colOfRow(), 0, partner, 0, partner.length);
                else System.arraycopy(assignment.rowOfCol(), 0, partner, 0, partner.length);
            }
            double[] cosine = new double[a.rows()];
            for (int i = 0; i < cosine.length; i++)
                cosine[i] = partner[i] < 0 ? Double.NaN : aIsRows ? exact.entry().at(i, partner[i]) : exact.entry().at(partner[i], i);
            return aIsRows ? new Side(partner, cosine, maxima[0], maxima[1]) : new Side(partner, cosine, maxima[1], maxima[0]);
        }
    }
}
