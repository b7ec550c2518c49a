package dev.saestitch.franken;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.CompositeSae;
import dev.saestitch.sae.Sae;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Algorithm 1's merge against an independent float64 reference (a loop over latents, the max
 * cosine over the merged rows so far, in double from the same float32 rows), on dictionaries with
 * planted cosines: latents at θ ± 0.01 and θ ± 2e-6 from a base row (the ± 2e-6 pair closer to θ
 * than float32 GEMM cosines can be trusted at D = 23, so only the float64 refinement decides them
 * right), a latent of the third SAE close to a latent the second SAE added (excluded only because
 * added latents count), one close to a latent the second SAE did not add, and an anti-parallel one.
 * The reference and the merge must agree on every decision; they do up to rounding of order 1e-16.
 */
class FrankensteinMergeTest {

    private static final int D = 23;
    private static final double THETA = 0.7;
    private static final Backend CPU = new CpuBackend(new JavaGemm(), "test");

    /** A TopK SAE whose decoder rows are {@code rows}; only the decoder matters to the merge. */
    private static Sae withDecoder(double[][] rows) {
        Sae sae = new Sae(Architecture.TOPK, D, rows.length, 1, true);
        for (int i = 0; i < rows.length; i++) for (int c = 0; c < D; c++) sae.wDec().set(i, c, (float) rows[i][c]);
        return sae;
    }

    private static double[][] randomRows(SplittableRandom rnd, int n) {
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) rows[i] = scaled(unit(rnd), 0.5 + rnd.nextDouble());   // any norm
        return rows;
    }

    private static double[] unit(SplittableRandom rnd) {
        double[] v = new double[D];
        for (int c = 0; c < D; c++) v[c] = rnd.nextGaussian();
        return scaled(v, 1 / norm(v));
    }

    /** A vector of norm {@code length} at cosine {@code cos} with {@code target}. */
    private static double[] at(SplittableRandom rnd, double[] target, double cos, double length) {
        double[] u = scaled(target, 1 / norm(target)), w = unit(rnd);
        double along = dot(w, u);
        for (int c = 0; c < D; c++) w[c] -= along * u[c];
        w = scaled(w, 1 / norm(w));
        double[] v = new double[D];
        for (int c = 0; c < D; c++) v[c] = length * (cos * u[c] + Math.sqrt(1 - cos * cos) * w[c]);
        return v;
    }

    private static double[] scaled(double[] v, double s) { return Arrays.stream(v).map(x -> x * s).toArray(); }
    private static double dot(double[] a, double[] b) { double s = 0; for (int c = 0; c < a.length; c++) s += a[c] * b[c]; return s; }
    private static double norm(double[] v) { return Math.sqrt(dot(v, v)); }

    /** The rows as the merge sees them: float32, widened back. */
    private static double[][] stored(Sae sae) {
        double[][] out = new double[sae.width()][D];
        for (int i = 0; i < sae.width(); i++) for (int c = 0; c < D; c++) out[i][c] = sae.wDec().get(i, c);
        return out;
    }

    private static double cosine(double[] a, double[] b) {
        double n = norm(a) * norm(b);
        return n == 0 ? 0 : dot(a, b) / n;
    }

    /** Algorithm 1 in float64, the SAEs already in the order to visit: per larger SAE the indices added, and each latent's max cosine. */
    private record Reference(List<int[]> added, List<double[]> maxCosine) {
        static Reference of(Sae base, List<Sae> larger) {
            List<double[]> merged = new ArrayList<>(List.of(stored(base)));
            List<int[]> added = new ArrayList<>();
            List<double[]> maxCos = new ArrayList<>();
            for (Sae sae : larger) {
                double[][] rows = stored(sae);
                double[] m = new double[rows.length];
                List<Integer> novel = new ArrayList<>();
                for (int i = 0; i < rows.length; i++) {
                    m[i] = Double.NEGATIVE_INFINITY;
                    for (double[] g : merged) m[i] = Math.max(m[i], cosine(rows[i], g));
                    if (m[i] < THETA) novel.add(i);
                }
                for (int i : novel) merged.add(rows[i]);
                added.add(novel.stream().mapToInt(Integer::intValue).toArray());
                maxCos.add(m);
            }
            return new Reference(added, maxCos);
        }
    }

    @Test
    void mergeMatchesTheFloat64AlgorithmOnPlantedCosines() {
        SplittableRandom rnd = new SplittableRandom(11);
        double[][] base = randomRows(rnd, 9);
        double[][] second = randomRows(rnd, 14);
        second[0] = at(rnd, base[3], THETA + 0.01, 1.3);      // reconstruction
        second[1] = at(rnd, base[3], THETA - 0.01, 0.8);      // novel
        second[2] = at(rnd, base[5], THETA + 2e-6, 1.0);      // reconstruction by 2e-6
        second[3] = at(rnd, base[5], THETA - 2e-6, 1.0);      // novel by 2e-6
        second[4] = scaled(base[6], -2);                      // anti-parallel: cosine −1, novel
        double[][] third = randomRows(rnd, 17);
        third[0] = at(rnd, second[1], 0.95, 1.1);             // close to an added latent: not novel
        third[1] = at(rnd, second[0], 0.95, 0.9);             // close to a latent that was not added
        third[2] = at(rnd, second[3], THETA + 0.02, 1.0);     // close to the added 2e-6 latent
        try (Sae b = withDecoder(base); Sae s2 = withDecoder(second); Sae s3 = withDecoder(third)) {
            Reference ref = Reference.of(b, List.of(s2, s3));
            assertFalse(contains(ref.added().get(0), 0) || contains(ref.added().get(0), 2), "planted reconstruction latents");
            assertTrue(contains(ref.added().get(0), 1) && contains(ref.added().get(0), 3) && contains(ref.added().get(0), 4), "planted novel latents");
            assertFalse(contains(ref.added().get(1), 0) || contains(ref.added().get(1), 2), "latents close to added ones are not novel");

            // given in decreasing width: the merge visits them by increasing width
            FrankensteinMerge merge = FrankensteinMerge.build(CPU, b, List.of(s3, s2), THETA);
            assertEquals(3, merge.stages().size());
            assertSame(b, merge.stages().get(0).sae());
            assertSame(s2, merge.stages().get(1).sae());
            assertSame(s3, merge.stages().get(2).sae());
            int width = base.length;
            assertArrayEquals(java.util.stream.IntStream.range(0, width).toArray(), merge.stages().get(0).added());
            for (int s = 1; s < 3; s++) {
                FrankensteinMerge.Stage stage = merge.stages().get(s);
                assertArrayEquals(ref.added().get(s - 1), stage.added(), "stage " + s + " added");
                width += stage.addedCount();
                assertEquals(width, stage.width());
                double[] m = ref.maxCosine().get(s - 1);
                float[] got = stage.maxCosine();
                for (int i = 0; i < m.length; i++)
                    assertEquals(m[i], got[i], MaxCosine.errorBound(D), "stage " + s + " latent " + i + " max cosine");
            }
            // the merged SAE of each stage: the base, then each stage's additions, a prefix of the next
            List<CompositeSae.Source> last = merge.sources(2);
            assertEquals(3, last.size());
            assertArrayEquals(ref.added().get(1), last.get(2).latents());
            List<CompositeSae.Source> earlier = merge.sources(1);
            for (int s = 0; s < 2; s++) {
                assertSame(last.get(s).sae(), earlier.get(s).sae());
                assertArrayEquals(last.get(s).latents(), earlier.get(s).latents());
            }
            assertEquals(merge.width(1), merge.sources(1).stream().mapToInt(CompositeSae.Source::count).sum());
            assertEquals(merge.width(2), last.stream().mapToInt(CompositeSae.Source::count).sum());
        }
    }

    @Test
    void aStageThatAddsNothingIsLeftOutOfTheSources() {
        SplittableRandom rnd = new SplittableRandom(5);
        double[][] base = randomRows(rnd, 6);
        double[][] copy = new double[8][];
        for (int i = 0; i < copy.length; i++) copy[i] = at(rnd, base[i % base.length], 0.9, 1);
        try (Sae b = withDecoder(base); Sae c = withDecoder(copy)) {
            FrankensteinMerge merge = FrankensteinMerge.build(CPU, b, List.of(c), THETA);
            assertEquals(0, merge.stages().get(1).addedCount());
            assertEquals(6, merge.width(1));
            assertEquals(1, merge.sources(1).size());
        }
    }

    @Test
    void refusesAnotherDimensionAndABadThreshold() {
        try (Sae b = withDecoder(new double[][] {unit(new SplittableRandom(1))});
             Sae other = new Sae(Architecture.TOPK, D + 1, 4, 1, true)) {
            assertThrows(IllegalArgumentException.class, () -> FrankensteinMerge.build(CPU, b, List.of(other), THETA));
            assertThrows(InputException.class, () -> FrankensteinMerge.build(CPU, b, List.of(), 1.5));
        }
    }

    private static boolean contains(int[] a, int v) { return Arrays.stream(a).anyMatch(x -> x == v); }
}
