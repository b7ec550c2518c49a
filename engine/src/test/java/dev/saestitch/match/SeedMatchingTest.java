package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.input.InputException;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.saestitch.match.TestSaes.*;
import static dev.saestitch.testkit.Vectors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Pairs of SAEs with known answers: a permuted, rescaled copy (all shared, the permutation
 * recovered), independent weights (nothing shared, the matching optimal against a float64
 * Hungarian), a planted half (exactly 50% shared), and the refusals.
 */
class SeedMatchingTest {

    private final Backend backend = Backends.select("cpu");

    /** Rows of b are rescaled rows of a in another order: b[j] = s_j · a[perm[j]], so a's latent i pairs with b's inverse(perm)[i]. */
    @Test void aPermutedRescaledCopyIsFullyShared() {
        Random rnd = new Random(3);
        int f = 301, d = 48;
        int[] perm = KnownPermutations.random(rnd, f);
        try (Sae a = TestSaes.random(rnd, f, d); Sae b = permutedCopy(rnd, a, perm, 0)) {
            PairMatch m = SeedMatching.match(backend, a, b);
            int[] inverse = inverse(perm);
            assertArrayEquals(inverse, m.decoderPartner());
            assertArrayEquals(inverse, m.encoderPartner());
            assertEquals(1.0, m.sharedFraction());
            assertEquals(f, m.sharedCount());
            for (int i = 0; i < f; i++) {
                // b's rows are float32 roundings of s·a: the float64 cosine misses 1 by O(2⁻²⁴)
                assertEquals(1, m.decoderCosine()[i], 1e-6, "decoder cosine " + i);
                assertEquals(1, m.encoderCosine()[i], 1e-6, "encoder cosine " + i);
                assertEquals(1, m.maxCosineA()[i], MaxCosine.errorBound(d));
            }
            assertEquals(1, m.meanMaxCosine(), MaxCosine.errorBound(d));
            assertEquals(1, m.meanDecoderCosine(), 1e-6);
            assertEquals(1, m.meanEncoderCosine(), 1e-6);
        }
    }

    /** A narrower SAE inside a wider one (its rows plus 80 random ones): all of the narrower is shared, from either side. */
    @Test void aNarrowerSaeMatchesIntoAWiderOne() {
        Random rnd = new Random(4);
        int f = 150, extra = 80, d = 48;
        int[] perm = KnownPermutations.random(rnd, f + extra);   // b[j] = a[perm[j]] when perm[j] < f, else a new row
        try (Sae a = TestSaes.random(rnd, f, d); Sae b = permutedCopy(rnd, a, perm, extra)) {
            int[] inverse = inverse(perm);
            PairMatch narrowFirst = SeedMatching.match(backend, a, b);
            assertEquals(f + extra, narrowFirst.widthB());
            assertEquals(1.0, narrowFirst.sharedFraction());
            assertEquals((double) f / (f + extra), narrowFirst.sharedFractionOfB(), 1e-15);
            for (int i = 0; i < f; i++) assertEquals(inverse[i], narrowFirst.decoderPartner()[i]);

            PairMatch wideFirst = SeedMatching.match(backend, b, a);
            assertEquals(f, wideFirst.sharedCount());
            for (int j = 0; j < f + extra; j++) {
                boolean copy = perm[j] < f;
                assertEquals(copy ? perm[j] : -1, wideFirst.decoderPartner()[j], "latent " + j);
                assertEquals(copy, wideFirst.isShared(j));
                assertEquals(copy, Double.isFinite(wideFirst.decoderCosine()[j]));
            }
            assertArrayEquals(narrowFirst.sharedInA(), wideFirst.sharedInB());
            assertArrayEquals(narrowFirst.sharedInB(), wideFirst.sharedInA());
        }
    }

    /**
     * Independent Gaussian weights in d = 64: cosines are ~N(0, 1/64), so a matched cosine ≥ 0.7
     * (5.6σ) has probability ~1e-8 per pair: nothing is shared. The decoder matching must be
     * optimal against a float64 Hungarian on float64 cosines, up to the float32 GEMM's error on
     * each of the F matched cosines (2·F·errorBound), and its cosines and maxima must agree with
     * float64 ones and with MaxCosine.
     */
    @Test void independentSaesShareNothingAndTheMatchingIsOptimal() {
        Random rnd = new Random(5);
        int f = 257, d = 64;
        try (Sae a = TestSaes.random(rnd, f, d); Sae b = TestSaes.random(rnd, f, d)) {
            PairMatch m = SeedMatching.match(backend, a, b);
            assertEquals(0, m.sharedCount());
            double[][] dec = cosines(a.wDec(), b.wDec()), enc = cosines(a.wEnc(), b.wEnc());
            checkOptimal(dec, m.decoderPartner(), m.decoderCosine(), d, "decoder");
            checkOptimal(enc, m.encoderPartner(), m.encoderCosine(), d, "encoder");

            MaxCosine max = MaxCosine.compute(backend, a.wDec(), b.wDec());
            double meanMax = 0;
            for (int i = 0; i < f; i++) {
                double ref = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < f; j++) ref = Math.max(ref, dec[i][j]);
                assertEquals(ref, m.maxCosineA()[i], MaxCosine.errorBound(d), "max cosine of A's " + i);
                assertEquals(max.maxOverB()[i], m.maxCosineA()[i], 2 * MaxCosine.errorBound(d));
                assertEquals(max.maxOverA()[i], m.maxCosineB()[i], 2 * MaxCosine.errorBound(d));
                meanMax += ref / f;
            }
            assertEquals(meanMax, m.meanMaxCosine(), MaxCosine.errorBound(d));
        }
    }

    /**
     * F = 120, d = 200, four groups of A's latents: [0, 60) have exact rescaled copies in B for
     * both the decoder and the encoder; [60, 80) only for the decoder; [80, 100) for both, but the
     * encoder copy sits on the B latent of the next member of the group (both cosines 1, partners
     * differ); [100, 120) for neither. B's rows that are not copies are orthogonal to all of A's
     * rows of their kind (cosine 0). Every copy has cosine 1 and any other pair less (A's rows are
     * distinct directions), so both assignments take every copy: exactly [0, 60) is shared, 50%.
     */
    @Test void aPlantedHalfIsExactlyHalfShared() {
        Random rnd = new Random(6);
        int f = 120, both = 60, decoderOnly = 80, crossed = 100, d = 200;
        int[] perm = KnownPermutations.random(rnd, f);   // A's latent i appears (decoder) as B's latent perm[i]
        try (Sae a = TestSaes.random(rnd, f, d); Sae b = new Sae(Architecture.RELU, d, f, 0, false)) {
            double[][] decBasis = basisOfRows(a.wDec()), encBasis = basisOfRows(a.wEnc());
            for (int i = 0; i < f; i++) {
                double s = 0.1 + 3 * rnd.nextDouble();
                setRow(b.wDec(), perm[i], i < crossed ? scaled(row(a.wDec(), i), s) : orthogonalTo(rnd, decBasis, d));
                if (i < both) setRow(b.wEnc(), perm[i], scaled(row(a.wEnc(), i), s));
                else if (i >= decoderOnly && i < crossed) setRow(b.wEnc(), perm[nextInGroup(i, decoderOnly, crossed)], scaled(row(a.wEnc(), i), s));
                else setRow(b.wEnc(), perm[i], orthogonalTo(rnd, encBasis, d));
            }
            PairMatch m = SeedMatching.match(backend, a, b);
            assertEquals(0.5, m.sharedFraction());
            for (int i = 0; i < f; i++) {
                assertEquals(i < both, m.isShared(i), "latent " + i);
                if (i < crossed) assertEquals(perm[i], m.decoderPartner()[i]);
                if (i < both) assertEquals(perm[i], m.encoderPartner()[i]);
                else if (i < decoderOnly || i >= crossed) assertEquals(0, m.encoderCosine()[i], 1e-6, "encoder rows orthogonal to all of A's");
                else {
                    assertEquals(perm[nextInGroup(i, decoderOnly, crossed)], m.encoderPartner()[i]);
                    assertTrue(m.decoderCosine()[i] > 0.999 && m.encoderCosine()[i] > 0.999, "both cosines pass, the partners differ");
                }
            }
            boolean[] inB = m.sharedInB();
            for (int i = 0; i < f; i++) assertEquals(i < both, inB[perm[i]]);
        }
    }

    private static int nextInGroup(int i, int from, int to) { return from + (i - from + 1) % (to - from); }

    @Test void theThresholdDecides() {
        Random rnd = new Random(7);
        int f = 40, d = 300;
        try (Sae a = TestSaes.random(rnd, f, d); Sae b = new Sae(Architecture.RELU, d, f, 0, false)) {
            // b[i] at cosine c_i = 0.605 + 0.01·i from a[i] for both weights (others ~N(0, 1/300)): shared iff c_i ≥ 0.75
            for (int i = 0; i < f; i++) {
                double c = 0.605 + 0.01 * i;
                setRow(b.wDec(), i, atCosine(rnd, row(a.wDec(), i), c));
                setRow(b.wEnc(), i, atCosine(rnd, row(a.wEnc(), i), c));
            }
            PairMatch m = SeedMatching.match(backend, a, b, 0.75);
            for (int i = 0; i < f; i++) {
                assertEquals(i, m.decoderPartner()[i]);
                assertEquals(0.605 + 0.01 * i, m.decoderCosine()[i], 1e-6);
                assertEquals(0.605 + 0.01 * i >= 0.75, m.isShared(i), "latent " + i);
            }
        }
    }

    @Test void refusesSaesOnDifferentActivations() {
        try (Sae a = new Sae(Architecture.RELU, 16, 8, 0, false); Sae b = new Sae(Architecture.RELU, 24, 8, 0, false)) {
            var e = assertThrows(InputException.class, () -> SeedMatching.match(backend, a, b));
            assertTrue(e.getMessage().contains("d_in 16") && e.getMessage().contains("24"), e.getMessage());
        }
    }

    @Test void refusesABadThresholdAndNonFiniteWeights() {
        Random rnd = new Random(8);
        try (Sae a = TestSaes.random(rnd, 10, 6); Sae b = TestSaes.random(rnd, 10, 6)) {
            assertThrows(InputException.class, () -> SeedMatching.match(backend, a, b, 0));
            assertThrows(InputException.class, () -> SeedMatching.match(backend, a, b, Double.NaN));
            b.wEnc().set(3, 2, Float.POSITIVE_INFINITY);
            var e = assertThrows(IllegalArgumentException.class, () -> SeedMatching.match(backend, a, b));
            assertTrue(e.getMessage().contains("encoder rows of the second SAE"), e.getMessage());
        }
    }

    // ---- helpers ----

    /**
     * b[j] = s_j · a[perm[j]] (decoder and encoder, independent scales in [0.05, 5]) when
     * perm[j] < a's width; the {@code extra} other rows are new Gaussian rows.
     */
    private static Sae permutedCopy(Random rnd, Sae a, int[] perm, int extra) {
        int f = a.width() + extra, d = a.dIn();
        Sae b = new Sae(Architecture.RELU, d, f, 0, false);
        for (int j = 0; j < f; j++) {
            boolean copy = perm[j] < a.width();
            setRow(b.wDec(), j, copy ? scaled(row(a.wDec(), perm[j]), 0.05 + 4.95 * rnd.nextDouble()) : gaussian(rnd, d));
            setRow(b.wEnc(), j, copy ? scaled(row(a.wEnc(), perm[j]), 0.05 + 4.95 * rnd.nextDouble()) : gaussian(rnd, d));
        }
        return b;
    }

    /** The reported cosines are the float64 ones, the partners distinct, and their total optimal up to float32 GEMM error. */
    private static void checkOptimal(double[][] cos, int[] partner, double[] cosine, int d, String what) {
        boolean[] used = new boolean[cos[0].length];
        double total = 0;
        for (int i = 0; i < partner.length; i++) {
            assertFalse(used[partner[i]], what + " partner " + partner[i] + " used twice");
            used[partner[i]] = true;
            assertEquals(cos[i][partner[i]], cosine[i], 1e-12, what + " cosine of " + i);
            total += cosine[i];
        }
        double best = Hungarian.solve(cos, true).total();
        assertTrue(total <= best + 1e-9, what + ": total " + total + " above the optimum " + best);
        assertEquals(best, total, 2 * partner.length * MaxCosine.errorBound(d), what + " total");
    }

    /** A unit vector at cosine c from v: c·v̂ + √(1 − c²)·(unit vector ⟂ v). */
    private static double[] atCosine(Random rnd, double[] v, double c) {
        double[] u = unit(v);
        double[] w = gaussian(rnd, v.length);
        double p = dot(w, u);
        for (int k = 0; k < w.length; k++) w[k] -= p * u[k];
        w = unit(w);
        double s = Math.sqrt(1 - c * c);
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) out[k] = c * u[k] + s * w[k];
        return out;
    }
}
