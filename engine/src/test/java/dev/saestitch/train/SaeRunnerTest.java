package dev.saestitch.train;

import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.sae.SaeRunner;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inference on the backend against the float64 reference: the codes (same latents; values to
 * 1e-5·max(1, |z|), pre-activations being O(1) sums) and x̂ = (f W_dec + b_dec)/s (to 1e-5 of
 * the largest entry), with BatchTopK and JumpReLU applying their threshold vector, per row; and
 * the evaluator's metrics computed again in float64 from the reference (1e-5 relative).
 */
class SaeRunnerTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void encodeAndDecodeFollowTheInferenceRule(Architecture a) {
        int b = 27, d = 21, f = 45, k = 5;
        // BatchTopK at inference is z·H(z − θ): the reference draws it as JumpReLU with one θ for all latents.
        Architecture refArch = a == Architecture.BATCHTOPK ? Architecture.JUMPRELU : a;
        GradientProblem.Spec spec = new GradientProblem.Spec(a.cliName(), refArch, b, d, f, k, true, 1.7, 0, 0, 1e-9, 0, 0, 0);
        GradientProblem p = GradientProblem.draw(spec, 3);
        ReferenceSae r = p.ref();
        if (a == Architecture.BATCHTOPK) java.util.Arrays.fill(r.theta, r.theta[0]);
        assertTrue(r.selectionMargin(p.x()) >= GradientProblem.MARGIN);
        try (Arena arena = Arena.ofShared(); Sae sae = new Sae(a, d, f, k, true)) {
            sae.setInputScale((float) r.scale);
            sae.wEnc().copyFrom(TestSupport.matrix(arena, r.wEnc));
            sae.bEnc().copyFrom(TestSupport.row(arena, r.bEnc));
            sae.wDec().copyFrom(TestSupport.matrix(arena, r.wDec));
            sae.bDec().copyFrom(TestSupport.row(arena, r.bDec));
            if (sae.threshold() != null) sae.threshold().copyFrom(TestSupport.row(arena, r.theta));
            ReferenceSae.Forward fw = r.forward(p.x());
            try (SaeRunner runner = new SaeRunner(TestSupport.cpu(), sae, 40)) {
                Matrix x = TestSupport.matrix(arena, p.x());
                SparseCodes codes = runner.encode(x);
                assertEquals(fw.nnz, codes.nnz());
                assertTrue(fw.nnz > b, "the rule must keep codes");
                for (int row = 0; row < b; row++)
                    for (int e = codes.rowStart(row); e < codes.rowStart(row + 1); e++) {
                        int i = codes.index(e);
                        assertTrue(fw.active[row][i], "latent " + i + " of row " + row + " should be inactive");
                        assertEquals(fw.z[row][i], codes.value(e), 1e-5 * Math.max(1, Math.abs(fw.z[row][i])));
                    }
                Matrix xHat = Matrix.allocate(arena, b, d);
                runner.decode(codes, xHat);
                double[][] expected = new double[b][d];
                for (int row = 0; row < b; row++) for (int c = 0; c < d; c++) expected[row][c] = fw.xHat[row][c] / r.scale;
                assertTrue(Vectors.maxAbsDiff(expected, xHat) <= 1e-5 * Vectors.maxAbs(expected));

                Evaluation ev = Evaluation.of(runner, new FixedFeed(p.x()), 1, b);
                double sse = 0, total = 0;
                double[] mean = new double[d];
                for (double[] row : p.x()) for (int c = 0; c < d; c++) mean[c] += row[c] / b;
                for (int row = 0; row < b; row++)
                    for (int c = 0; c < d; c++) {
                        sse += Math.pow(p.x()[row][c] - expected[row][c], 2);
                        total += Math.pow(p.x()[row][c] - mean[c], 2);
                    }
                int dead = 0;
                for (int i = 0; i < f; i++) {
                    boolean fired = false;
                    for (int row = 0; row < b; row++) fired |= fw.active[row][i];
                    if (!fired) dead++;
                }
                assertEquals(sse / (b * d), ev.mse(), 1e-5 * sse / (b * d));
                assertEquals(sse / total, ev.fvu(), 1e-5 * sse / total);
                assertEquals((double) fw.nnz / b, ev.l0(), 1e-12);
                assertEquals((double) dead / f, ev.deadFraction(), 1e-12);
            }
        }
    }

    /** Serves the same rows again and again. */
    private record FixedFeed(double[][] rows) implements BatchFeed {
        @Override public int dim() { return rows[0].length; }
        @Override public void next(Matrix m) { for (int r = 0; r < m.rows(); r++) for (int c = 0; c < m.cols(); c++) m.set(r, c, (float) rows[r][c]); }
        @Override public long[] position() { return new long[0]; }
        @Override public void seek(long[] position) {}
    }
}
