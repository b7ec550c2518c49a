package dev.saestitch.train;

import dev.saestitch.sae.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float64 reference's analytic gradients against central finite differences (h = 1e-6,
 * error bound 1e-6·(1 + |g|): truncation ~h²·L''' and rounding ~1e-16·L/h are both far below it),
 * for every parameter except JumpReLU's θ, whose loss is piecewise constant in θ: its
 * straight-through estimate is checked against the SPEC formulas on a case worked by hand.
 */
class ReferenceGradientTest {

    static GradientProblem.Spec[] cases() { return GradientProblem.cases(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void analyticGradientMatchesFiniteDifferences(GradientProblem.Spec spec) {
        GradientProblem p = GradientProblem.draw(spec, 1);
        ReferenceSae r = p.ref();
        double[][][] analytic = r.gradient(p.x());
        double[][] e0 = r.residual(p.x());
        ReferenceSae.Forward fw = r.forward(p.x());
        if (r.dead != null) assertTrue(anyTrue(fw.aux), spec.label() + ": aux-k must select dead latents for this test to mean something");
        double h = 1e-6;
        int checked = 0;
        for (int t = 0; t < 4; t++) {
            double[][] param = r.tensor(t);
            for (int i = 0; i < param.length; i++)
                for (int j = 0; j < param[i].length; j++) {
                    double saved = param[i][j];
                    param[i][j] = saved + h;
                    double up = r.loss(p.x(), e0);
                    param[i][j] = saved - h;
                    double down = r.loss(p.x(), e0);
                    param[i][j] = saved;
                    double fd = (up - down) / (2 * h);
                    double an = analytic[t][i][j];
                    assertTrue(Math.abs(fd - an) <= 1e-6 * (1 + Math.abs(an)),
                            spec.label() + " " + ReferenceSae.NAMES[t] + "[" + i + "," + j + "]: analytic " + an + " vs finite difference " + fd);
                    checked++;
                }
        }
        assertTrue(checked > 1000, "checked " + checked + " entries");
    }

    /**
     * One sample, one latent just below θ inside the band: x = 0.5, W_enc = W_dec = 1, b = 0,
     * θ = 0.5005, ε = 0.002, so z = 0.5, f = 0, x̂ = 0, ∂L/∂x̂ = 2(x̂ − x) = −1.
     * Reconstruction: ∂L/∂f · ∂f/∂θ = (−1·1)·(−θ/ε) = 250.25.
     * Penalty λ(l0/T − 1)² with λ = 0.1, T = 1, l0 = 0: P'(l0) = 2λ(l0/T − 1)/T = −0.2 and
     * ∂l0/∂θ = −(1/(Bε)) = −500, giving 100. Total 350.25: θ falls, opening the latent, as both terms want.
     */
    @Test
    void jumpReluThresholdGradientFollowsTheSpecFormulas() {
        ReferenceSae r = new ReferenceSae(Architecture.JUMPRELU, 1, 1, 0, false, 1);
        r.wEnc[0][0] = 1;
        r.wDec[0][0] = 1;
        r.theta[0] = 0.5005;
        r.bandwidth = 0.002;
        r.lambda = 0.1;
        r.targetL0 = 1;
        double[][] x = {{0.5}};
        assertEquals(350.25, r.gradient(x)[4][0][0], 1e-9);
        r.theta[0] = 0.502; // outside the band: no estimate
        assertEquals(0, r.gradient(x)[4][0][0]);
        r.theta[0] = 0.4995; // open, inside the band: f = z, x̂ = x, only the penalty (l0 = 1 = T) — zero
        assertEquals(0, r.gradient(x)[4][0][0], 1e-12);
        r.targetL0 = 0;      // plain λ·L0: ∂/∂θ = λ·(−1/(Bε)) = −50
        assertEquals(-50, r.gradient(x)[4][0][0], 1e-9);
    }

    private static boolean anyTrue(boolean[][] a) {
        for (boolean[] row : a) for (boolean v : row) if (v) return true;
        return false;
    }
}
