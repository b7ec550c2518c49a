package dev.saestitch.train;

import dev.saestitch.sae.PreActivations;
import dev.saestitch.sae.ParameterSet;
import dev.saestitch.backend.Backend;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;

/**
 * One architecture's loss and its analytic gradient on one batch, computed on the backend from
 * the sparse codes only (no autograd, no dense (B, F) gradient). The trainer calls
 * {@link #forward}, updates the dead-latent counters from {@link #codes()}, then {@link #backward}.
 *
 * <pre>
 *   x  = input·s (scaled before)  z = (x − b_dec) W_encᵀ + b_enc       f = σ(z)     x̂ = f W_dec + b_dec
 *   L  = (1/B) Σ_b ‖x̂_b − x_b‖²  + penalty + α·L_aux
 *   E  = x̂ − x                    ∂L/∂x̂ = (2/B) E
 *   ∂L/∂b_dec = (2/B) Σ_b E_b  − (Σ_b ∂L/∂z_b) W_enc          (second term: the centring, when on)
 *   ∂L/∂W_dec,i = (2/B) Σ_b f_bi E_b        ∂L/∂z_bi = (2/B) ⟨E_b, W_dec,i⟩ at the active entries
 *   ∂L/∂W_enc,i = Σ_b ∂L/∂z_bi (x_b − b_dec)   ∂L/∂b_enc,i = Σ_b ∂L/∂z_bi
 * </pre>
 *
 * Penalties: ReLU adds (λ/B) Σ f_bi ‖W_dec,i‖, so ∂/∂z_bi gains (λ/B)‖W_dec,i‖ and W_dec,i gains
 * (λ/B)(Σ_b f_bi) W_dec,i/‖W_dec,i‖. JumpReLU trains θ by the SPEC's straight-through estimators
 * with a rectangle kernel of width ε: ∂f_bi/∂θ_i ≈ −(θ_i/ε)·1{|z_bi − θ_i| < ε/2} and
 * ∂H(z_bi − θ_i)/∂θ_i ≈ −(1/ε)·1{|z_bi − θ_i| < ε/2}; the L0 term passes no gradient to z.
 * Aux-k (TopK, BatchTopK) follows dictionary_learning and OpenAI: the residual e = x − x̂ is
 * detached, ê = TopK_{k_aux}(ReLU(z) over dead latents) W_dec without bias, and
 * L_aux = Σ_b ‖e_b − ê_b‖² / Σ_b ‖e_b − ē‖² (divided by the residual's variance about its batch mean).
 */
final class Objective implements AutoCloseable {

    private final Backend backend;
    private final TrainConfig cfg;
    private final Arena arena = Arena.ofShared();
    private final int batch;
    private final Matrix x;          // (B, D) scaled input, not owned: the members of a group share it
    private final Matrix centred;    // (B, D) x − b_dec, or null without centring
    private final Matrix z;          // (B, F) pre-activations
    private final Matrix xHat;       // (B, D) reconstruction
    private final Matrix err;        // (B, D) E = x̂ − x
    private final Matrix auxResidual; // (B, D) ê − e for aux-k
    private final Matrix errMean;    // (1, D) batch mean of E
    private final Matrix perLatent;  // (1, F) scratch: column sums of codes
    private final Matrix decNorms;   // (1, F) ‖W_dec,i‖ (ReLU)
    private final Matrix scalar;     // (1, 1) a reduction on the backend
    private final Matrix hostScalar; // (1, 1) its host copy
    private final SparseCodes codes, dz, auxCodes, auxDz, band, bandDots;
    private Matrix encoderInput;
    private float smallestKept = Float.NaN;

    /** @param input (B, D) the scaled batch each {@link #forward} reads (not written here) */
    Objective(Backend backend, TrainConfig cfg, int dIn, Matrix input) {
        this.backend = backend;
        this.cfg = cfg;
        this.batch = cfg.batchSize();
        int f = cfg.width();
        x = input;
        centred = cfg.centreInput() ? backend.allocate(arena, batch, dIn) : null;
        z = backend.allocate(arena, batch, f);
        xHat = backend.allocate(arena, batch, dIn);
        err = backend.allocate(arena, batch, dIn);
        auxResidual = cfg.usesAuxK() ? backend.allocate(arena, batch, dIn) : null;
        errMean = backend.allocate(arena, 1, dIn);
        perLatent = backend.allocate(arena, 1, f);
        decNorms = backend.allocate(arena, 1, f);
        scalar = backend.allocate(arena, 1, 1);
        hostScalar = Matrix.allocate(arena, 1, 1);
        long expected = (long) batch * Math.min(f, cfg.usesAuxK() ? cfg.k() : Math.max(1, f / 8));
        codes = backend.newCodes(batch, f, expected);
        dz = backend.newCodes(batch, f, expected);
        long auxExpected = cfg.usesAuxK() ? (long) batch * Math.min(f, cfg.kAux()) : 1;
        auxCodes = backend.newCodes(batch, f, auxExpected);
        auxDz = backend.newCodes(batch, f, auxExpected);
        band = backend.newCodes(batch, f, batch);
        bandDots = backend.newCodes(batch, f, batch);
    }

    /** The active codes of the last forward pass. */
    SparseCodes codes() { return codes; }

    /** BatchTopK: the smallest activation kept by the last forward pass (NaN when none or another architecture). */
    float smallestKept() { return smallestKept; }

    /** Encodes the scaled input with the training rule of the architecture, decodes, E = x̂ − x. */
    void forward(ParameterSet w) {
        encoderInput = PreActivations.compute(backend, w, x, centred, z);
        smallestKept = switch (cfg.architecture()) {
            case RELU -> selected(() -> backend.selectAbove(z, null, codes));
            case JUMPRELU -> selected(() -> backend.selectAbove(z, w.theta(), codes));
            case TOPK -> selected(() -> backend.selectTopK(z, cfg.k(), null, codes));
            case BATCHTOPK -> backend.selectBatchTopK(z, cfg.k(), codes);
        };
        backend.sparseDecode(codes, w.wDec(), w.bDec(), xHat);
        backend.subtract(xHat, x, err);
    }

    /** Runs a selection that has no smallest kept value to report (every rule but BatchTopK's). */
    private static float selected(Runnable selection) {
        selection.run();
        return Float.NaN;
    }

    /**
     * Writes ∂L/∂(each parameter) into {@code g}.
     *
     * @param sparsityScale the warm-up factor in [0, 1] applied to λ (ReLU, JumpReLU)
     * @param deadMask      (1, F) 1 for dead latents (aux-k); null skips aux-k
     * @param measure       whether to read the loss terms back (a synchronisation)
     */
    StepStats backward(ParameterSet w, ParameterSet g, double sparsityScale, Matrix deadMask, boolean measure) {
        float a = 2f / batch; // ∂L/∂x̂ = a·E
        for (ParameterSet.Named p : g.named()) backend.fill(p.matrix(), 0f);
        backend.columnSums(err, a, 0f, g.bDec());
        backend.sparseTransposeProduct(codes, a, err, g.wDec());
        backend.sampledDot(codes, err, w.wDec(), dz); // ⟨E_b, W_dec,i⟩; ∂L/∂z = a·dz after the penalty terms below
        double sparsityLoss = switch (cfg.architecture()) {
            case RELU -> l1Penalty(w, g, cfg.l1Coefficient() * sparsityScale, measure);
            case JUMPRELU -> thresholdGradient(w, g, cfg.l0Coefficient() * sparsityScale);
            case TOPK, BATCHTOPK -> 0;   // sparse by selection, no penalty
        };
        backend.sparseTransposeProduct(dz, a, encoderInput, g.wEnc());
        backend.sparseColumnSums(dz, a, g.bEnc());
        double auxLoss = deadMask == null ? 0 : auxK(w, g, deadMask, measure);
        // Centring: z depends on b_dec through −b_dec W_encᵀ, so ∂L/∂b_dec −= (Σ_b ∂L/∂z_b) W_enc = g.bEnc·W_enc.
        if (centred != null) backend.gemm(false, false, -1f, g.bEnc(), w.wEnc(), 1f, g.bDec());
        double recon = measure ? backend.sumSquares(err) / batch : Double.NaN;
        return new StepStats(codes.nnz(), recon, measure ? sparsityLoss : Double.NaN, measure ? auxLoss : Double.NaN);
    }

    /** ReLU's (λ/B) Σ f_bi ‖W_dec,i‖: adds its gradients and returns its value when measured. */
    private double l1Penalty(ParameterSet w, ParameterSet g, double lambda, boolean measure) {
        backend.rowNorms(w.wDec(), decNorms);
        // a·(dz + (λ/2)‖W_i‖) = a·dz + (λ/B)‖W_i‖ at every active entry (f > 0 there, so ∂f/∂z = 1).
        backend.sparseAddByLatent(dz, (float) (lambda / 2), decNorms);
        backend.fill(perLatent, 0f);
        backend.sparseColumnSums(codes, 1f, perLatent); // s_i = Σ_b f_bi
        double value = Double.NaN;
        if (measure) {
            backend.gemm(false, true, 1f, perLatent, decNorms, 0f, scalar);
            backend.download(scalar, hostScalar);
            value = lambda / batch * hostScalar.get(0, 0);
        }
        backend.divide(perLatent, decNorms, perLatent);
        backend.addScaledRows(w.wDec(), perLatent, (float) (lambda / batch), g.wDec()); // (λ/B) s_i W_i / ‖W_i‖
        return value;
    }

    /** JumpReLU: the STE gradient of θ from the reconstruction and from the L0 penalty; returns the penalty. */
    private double thresholdGradient(ParameterSet w, ParameterSet g, double lambda) {
        double eps = cfg.jumpReluBandwidth();
        backend.selectBand(z, w.theta(), (float) (eps / 2), band);
        // Reconstruction: Σ_b (2/B)⟨E_b, W_dec,i⟩ · (−θ_i/ε) over the band.
        backend.sampledDot(band, err, w.wDec(), bandDots);
        backend.fill(perLatent, 0f);
        backend.sparseColumnSums(bandDots, 1f, perLatent);
        backend.multiply(perLatent, w.theta(), g.theta());
        backend.scale(g.theta(), (float) (-2.0 / (batch * eps)));
        // L0 penalty P(l0), l0 = (1/B) Σ H(z − θ): ∂P/∂θ_i = P'(l0) · (−1/(Bε)) · #band entries of latent i.
        double l0 = (double) codes.nnz() / batch;
        double target = cfg.targetL0();
        double penalty = target > 0 ? lambda * square(l0 / target - 1) : lambda * l0;
        double slope = target > 0 ? 2 * lambda * (l0 / target - 1) / target : lambda;
        backend.sparseColumnCounts(band, (float) (-slope / (batch * eps)), g.theta());
        return penalty;
    }

    /** Aux-k over dead latents; adds α·∂L_aux to the gradients and returns L_aux (0 when nothing was selected). */
    private double auxK(ParameterSet w, ParameterSet g, Matrix deadMask, boolean measure) {
        backend.selectTopK(z, cfg.kAux(), deadMask, auxCodes);
        if (auxCodes.nnz() == 0) return 0;
        // Denominator: Σ_b ‖e_b − ē‖² with e = −E (the sign does not change it).
        backend.columnSums(err, 1f / batch, 0f, errMean);
        backend.copy(err, auxResidual);
        backend.addRowVector(auxResidual, errMean, -1f);
        double denominator = backend.sumSquares(auxResidual);
        if (!(denominator > 0)) return 0;
        backend.sparseDecode(auxCodes, w.wDec(), null, auxResidual);
        backend.axpy(1f, err, auxResidual); // ê − e = ê + E
        float c = (float) (2 * cfg.auxAlpha() / denominator);
        backend.sparseTransposeProduct(auxCodes, c, auxResidual, g.wDec());
        backend.sampledDot(auxCodes, auxResidual, w.wDec(), auxDz);
        backend.sparseTransposeProduct(auxDz, c, encoderInput, g.wEnc());
        backend.sparseColumnSums(auxDz, c, g.bEnc());
        return measure ? backend.sumSquares(auxResidual) / denominator : Double.NaN;
    }

    private static double square(double v) { return v * v; }

    @Override public void close() {
        for (SparseCodes c : new SparseCodes[] {codes, dz, auxCodes, auxDz, band, bandDots}) c.close();
        arena.close();
    }
}
