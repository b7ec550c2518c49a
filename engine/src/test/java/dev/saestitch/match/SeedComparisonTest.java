package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.select.Backends;
import dev.saestitch.sae.Architecture;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.saestitch.match.TestSaes.*;
import static dev.saestitch.testkit.Vectors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * k = 5 SAEs drawing their latents from a common pool of 70 features (each SAE a random subset,
 * widths 30 to 46, each latent its feature plus a little noise, in a random order), so a latent is
 * shared with anywhere from none to all of the others. The averages of "only in the base" are
 * checked against brute force: every combination of SAEs, every base in it, the masks taken from
 * matching the base with each other SAE directly (in that order).
 */
class SeedComparisonTest {

    private final Backend backend = Backends.select("cpu");

    @Test void onlyInBaseAveragesMatchBruteForce() {
        Random rnd = new Random(9);
        int k = 5, pool = 70, d = 96;
        int[] widths = {40, 30, 46, 40, 35};
        double[][] decFeatures = new double[pool][], encFeatures = new double[pool][];
        for (int p = 0; p < pool; p++) {
            decFeatures[p] = unit(gaussian(rnd, d));
            encFeatures[p] = unit(gaussian(rnd, d));
        }
        List<Sae> saes = new ArrayList<>();
        try {
            for (int s = 0; s < k; s++) {
                int[] features = KnownPermutations.random(rnd, pool);   // the first widths[s] features, in this order
                Sae sae = new Sae(Architecture.RELU, d, widths[s], 0, false);
                for (int i = 0; i < widths[s]; i++) {
                    setRow(sae.wDec(), i, noisy(rnd, decFeatures[features[i]]));
                    setRow(sae.wEnc(), i, noisy(rnd, encFeatures[features[i]]));
                }
                saes.add(sae);
            }
            SeedComparison cmp = SeedComparison.of(backend, saes, SeedMatching.DEFAULT_THRESHOLD);

            boolean[][][] shared = new boolean[k][k][];   // [base][other][latent of base]
            for (int b = 0; b < k; b++)
                for (int t = 0; t < k; t++) if (t != b) shared[b][t] = SeedMatching.match(backend, saes.get(b), saes.get(t)).sharedInA();

            for (int b = 0; b < k; b++) {
                int[] counts = cmp.sharedWith(b);
                for (int i = 0; i < widths[b]; i++) {
                    int c = 0;
                    for (int t = 0; t < k; t++) if (t != b && shared[b][t][i]) c++;
                    assertEquals(c, counts[i], "SAE " + b + " latent " + i);
                }
                assertEquals(onlyIn(shared, b, allOthers(k, b)), cmp.onlyInBase(b), 1e-15);
            }
            for (int size = 2; size <= k; size++) {
                double brute = bruteForce(shared, k, size);
                assertEquals(brute, cmp.meanOnlyInBase(size), 1e-12, "subsets of " + size);
                assertTrue(brute > 0 && brute < 1, "a test that can tell: " + brute);
            }
            assertEquals(cmp.meanOnlyInBase(k), cmp.meanOnlyInBase());
            for (int s = 0; s < k; s++)
                for (int t = s + 1; t < k; t++) assertArrayEquals(shared[t][s], cmp.pair(s, t).sharedInB(), "pair " + s + ", " + t);
        } finally {
            saes.forEach(Sae::close);
        }
    }

    @Test void needsTwoSaes() {
        try (Sae a = TestSaes.random(new Random(1), 4, 3)) {
            assertThrows(IllegalArgumentException.class, () -> SeedComparison.of(backend, List.of(a), 0.7));
        }
    }

    /** The feature, 2% noise per coordinate scale: cosine ≈ 0.98 with its feature, while distinct features sit near 0 ± 0.1. */
    private static double[] noisy(Random rnd, double[] feature) {
        double[] v = feature.clone();
        for (int c = 0; c < v.length; c++) v[c] += 0.2 / Math.sqrt(v.length) * rnd.nextGaussian();
        return v;
    }

    /** Mean over every combination of {@code size} SAEs and every base in it of the fraction of the base's latents shared with none of the rest. */
    private static double bruteForce(boolean[][][] shared, int k, int size) {
        double sum = 0;
        int cases = 0;
        for (int set = 0; set < 1 << k; set++) {
            if (Integer.bitCount(set) != size) continue;
            for (int b = 0; b < k; b++) {
                if ((set & 1 << b) == 0) continue;
                sum += onlyIn(shared, b, set & ~(1 << b));
                cases++;
            }
        }
        return sum / cases;
    }

    private static double onlyIn(boolean[][][] shared, int b, int others) {
        int n = shared[b][(b + 1) % shared.length].length, only = 0;
        for (int i = 0; i < n; i++) {
            boolean any = false;
            for (int t = 0; t < shared.length; t++) if ((others & 1 << t) != 0) any |= shared[b][t][i];
            if (!any) only++;
        }
        return (double) only / n;
    }

    private static int allOthers(int k, int b) { return ((1 << k) - 1) & ~(1 << b); }
}
