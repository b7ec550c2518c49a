package dev.saestitch.train;

import dev.saestitch.sae.ParameterSet;
import dev.saestitch.backend.Backend;
import dev.saestitch.sae.Architecture;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend's float32 gradients ({@link Objective}) against the float64 reference's analytic
 * ones, for every architecture with and without centring, aux-k and input scale. Bound per
 * tensor: max |g32 − g64| ≤ 1e-5 · max |g64| + 1e-7 (float32 chains of a few hundred operations
 * on O(1) terms; observed errors are ~2e-7 of the largest entry, the bound leaves a factor 50).
 * The loss terms read back agree to 1e-5 relative, and the active codes exactly.
 */
class ObjectiveGradientTest {

    static GradientProblem.Spec[] cases() { return GradientProblem.cases(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backendGradientsMatchFloat64Reference(GradientProblem.Spec spec) {
        GradientProblem p = GradientProblem.draw(spec, 2);
        ReferenceSae r = p.ref();
        int b = spec.batch();
        TrainConfig cfg = TrainConfig.builder(spec.arch(), spec.f())
                .k(Math.max(1, spec.k())).batchSize(b).totalTokens(100L * b)
                .centreInput(spec.centre())
                .l1Coefficient(r.lambda).l0Coefficient(r.lambda).targetL0(spec.targetL0())
                .jumpReluBandwidth(spec.arch() == Architecture.JUMPRELU ? r.bandwidth : 0.001)
                .kAux(Math.max(1, spec.kAux())).auxAlpha(r.auxAlpha)
                .build();
        Backend backend = TestSupport.cpu();
        try (Arena arena = Arena.ofShared()) {
            Matrix host = TestSupport.matrix(arena, p.x());
            Matrix input = backend.allocate(arena, host.rows(), host.cols());
            backend.upload(host, input);
            backend.scale(input, (float) r.scale); // as BatchInput scales each batch before the members read it
            try (Objective objective = new Objective(backend, cfg, spec.d(), input)) {
                boolean theta = spec.arch() == Architecture.JUMPRELU;
                ParameterSet w = ParameterSet.allocate(backend, arena, spec.d(), spec.f(), theta);
                ParameterSet g = ParameterSet.allocate(backend, arena, spec.d(), spec.f(), theta);
                for (int t = 0; t < (theta ? 5 : 4); t++) backend.upload(TestSupport.matrix(arena, r.tensor(t)), w.named().get(t).matrix());
                Matrix dead = null;
                if (r.dead != null) {
                    dead = Matrix.allocate(arena, 1, spec.f());
                    for (int i = 0; i < spec.f(); i++) dead.set(0, i, r.dead[i] ? 1f : 0f);
                }
                objective.forward(w);
                // The sparsity warm-up factor multiplies λ; the reference's λ already includes it.
                StepStats stats = objective.backward(w, g, 1.0, dead, true);

                ReferenceSae.Forward fw = r.forward(p.x());
                assertEquals(fw.nnz, stats.activeCodes(), "active codes");
                double[] terms = r.lossTerms(p.x(), r.residual(p.x()));
                assertEquals(terms[0], stats.reconLoss(), 1e-5 * terms[0], "reconstruction loss");
                assertEquals(terms[1], stats.sparsityLoss(), 1e-5 * Math.abs(terms[1]) + 1e-7, "sparsity loss");
                assertEquals(terms[2], stats.auxLoss(), 1e-5 * terms[2] + 1e-7, "aux loss");
                if (r.dead != null) assertTrue(terms[2] > 0, "aux-k must be active in this case");

                double[][][] ref = r.gradient(p.x());
                for (int t = 0; t < (theta ? 5 : 4); t++) {
                    double scaleOfTensor = Vectors.maxAbs(ref[t]);
                    assertTrue(scaleOfTensor > 0, spec.label() + ": reference gradient of " + ReferenceSae.NAMES[t] + " is zero");
                    double err = Vectors.maxAbsDiff(ref[t], g.named().get(t).matrix());
                    assertTrue(err <= 1e-5 * scaleOfTensor + 1e-7,
                            spec.label() + " " + ReferenceSae.NAMES[t] + ": max error " + err + " for gradients up to " + scaleOfTensor);
                }
            }
        }
    }
}
