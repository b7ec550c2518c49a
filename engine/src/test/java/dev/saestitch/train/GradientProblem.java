package dev.saestitch.train;

import dev.saestitch.sae.Architecture;

import java.util.SplittableRandom;

/**
 * A random objective and batch for the gradient tests: every number is a float (so the float32
 * backend and the float64 reference see the same inputs), and the pre-activations stay at least
 * {@link #MARGIN} away from every point where the selection of codes would change (ReLU's 0,
 * JumpReLU's θ and band edges, TopK's k-th/(k+1)-th gap, aux-k's gap), so that finite differences
 * and float32 rounding both see the same active set.
 */
record GradientProblem(ReferenceSae ref, double[][] x, String label) {

    static final double MARGIN = 2e-4;

    /** Options of one case. */
    record Spec(String label, Architecture arch, int batch, int d, int f, int k, boolean centre, double scale,
                double lambda, double targetL0, double bandwidth, int kAux, double auxAlpha, double deadFraction) {}

    static GradientProblem draw(Spec s, long seed) {
        for (long attempt = 0; attempt < 500; attempt++) {
            GradientProblem p = tryDraw(s, new SplittableRandom(seed * 1_000_003 + attempt));
            if (p.ref.selectionMargin(p.x) >= MARGIN) return p;
        }
        throw new IllegalStateException(s.label() + ": no draw kept the pre-activations away from the selection boundaries");
    }

    private static GradientProblem tryDraw(Spec s, SplittableRandom rng) {
        ReferenceSae r = new ReferenceSae(s.arch(), s.d(), s.f(), s.k(), s.centre(), (float) s.scale());
        double encScale = Math.sqrt(3.0 / s.d());
        for (int i = 0; i < s.f(); i++)
            for (int c = 0; c < s.d(); c++) {
                r.wEnc[i][c] = f(rng, -encScale, encScale);
                r.wDec[i][c] = f(rng, -encScale, encScale);
            }
        for (int i = 0; i < s.f(); i++) {
            r.bEnc[i] = f(rng, -0.2, 0.2);
            r.theta[i] = f(rng, 0.05, 0.6);
        }
        for (int c = 0; c < s.d(); c++) r.bDec[c] = f(rng, -0.3, 0.3);
        r.lambda = (float) s.lambda();
        r.targetL0 = s.targetL0();
        r.bandwidth = (float) s.bandwidth();
        r.kAux = s.kAux();
        r.auxAlpha = (float) s.auxAlpha();
        if (s.deadFraction() > 0) {
            r.dead = new boolean[s.f()];
            for (int i = 0; i < s.f(); i++) r.dead[i] = rng.nextDouble() < s.deadFraction();
        }
        double[][] x = new double[s.batch()][s.d()];
        for (int b = 0; b < s.batch(); b++) for (int c = 0; c < s.d(); c++) x[b][c] = f(rng, -1.2, 1.2) + 0.1;
        return new GradientProblem(r, x, s.label());
    }

    /** A uniform float in [lo, hi), as a double. */
    private static double f(SplittableRandom rng, double lo, double hi) { return (float) (lo + (hi - lo) * rng.nextDouble()); }

    /** The cases every gradient test runs: each architecture, with and without centring, aux-k, input scale. */
    static Spec[] cases() {
        return new Spec[] {
            new Spec("relu centred scaled", Architecture.RELU, 17, 16, 32, 0, true, 1.3, 0.7, 0, 0, 0, 0, 0),
            new Spec("relu plain", Architecture.RELU, 23, 19, 37, 0, false, 1.0, 0.25, 0, 0, 0, 0, 0),
            new Spec("topk centred aux", Architecture.TOPK, 29, 24, 48, 5, true, 0.8, 0, 0, 0, 3, 0.5, 0.5),
            new Spec("topk plain", Architecture.TOPK, 19, 17, 33, 4, false, 1.0, 0, 0, 0, 0, 0, 0),
            new Spec("batchtopk centred aux", Architecture.BATCHTOPK, 21, 18, 40, 4, true, 1.1, 0, 0, 0, 4, 0.25, 0.4),
            new Spec("jumprelu centred target", Architecture.JUMPRELU, 25, 16, 36, 0, true, 0.9, 0.3, 5, 0.2, 0, 0, 0),
            new Spec("jumprelu plain L0", Architecture.JUMPRELU, 17, 21, 32, 0, false, 1.0, 0.05, 0, 0.15, 0, 0, 0),
        };
    }
}
