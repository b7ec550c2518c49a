package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Novel/reconstruction classes, the cosine pairs and the families against an independent float64
 * computation (dense double cosines, BFS), on random dictionaries with planted structure: children
 * of S-latents at cosines around θ (some within 1e-5 of it), bridges joining two S-latents, zero
 * rows, and one L-latent whose max cosine is exactly θ = 0.6 in float64 ((3,4,0,…) against (1,0,…)).
 * Decisions must match exactly, also on a backend whose GEMM errs by ±1e-3.
 */
class DictionaryComparisonTest {

    private static final int FS = 41, FL = 97, D = 23;
    private static final int EXACT_TIE = 96;   // the L-latent at cosine exactly 0.6 with S-latent 39

    private static Matrix[] planted(Arena arena, double theta, long seed) {
        Random rnd = new Random(seed);
        Matrix small = TestData.randomRows(arena, rnd, FS, D), large = TestData.randomRows(arena, rnd, FL, D);
        int l = 0;
        for (int p = 0; p < 20; p++) {
            double[] parent = Vectors.unit(Vectors.row(small, p));
            for (int c = 0, n = 1 + rnd.nextInt(3); c < n && l < 70; c++) {
                double cos = switch (l % 4) {
                    case 0 -> theta + (rnd.nextBoolean() ? 1e-5 : -1e-5);
                    case 1 -> theta + (rnd.nextBoolean() ? 3e-4 : -3e-4);
                    default -> Math.min(0.999, theta - 0.15 + 0.4 * rnd.nextDouble());
                };
                Vectors.setRow(large, l++, Vectors.scaled(TestData.atCosine(rnd, parent, cos), 0.05 + rnd.nextDouble()));
            }
        }
        for (int k = 0; k < 4; k++) {   // bridges: S-latents 21+2k, 22+2k at cosine 0.5, joined by their sum (cosine √0.75 with both)
            double[] u = Vectors.unit(Vectors.row(small, 21 + 2 * k)), v = TestData.atCosine(rnd, u, 0.5);
            Vectors.setRow(small, 22 + 2 * k, v);
            double[] sum = new double[D];
            for (int c = 0; c < D; c++) sum[c] = u[c] + v[c];
            Vectors.setRow(large, l++, sum);
        }
        Vectors.setRow(small, 40, new double[D]);
        Vectors.setRow(large, 95, new double[D]);
        double[] e0 = new double[D], tie = new double[D];
        e0[0] = 2;
        tie[0] = 3 * 0.25;
        tie[1] = 4 * 0.25;
        Vectors.setRow(small, 39, e0);
        Vectors.setRow(large, EXACT_TIE, tie);
        return new Matrix[]{large, small};
    }

    @ParameterizedTest
    @CsvSource({"0.6, 0, 7, 11", "0.6, 1e-3, 7, 11", "0.7, 0, 97, 41", "0.7, 1e-3, 1, 5", "0.8, 1e-3, 13, 40"})
    void classesPairsAndFamiliesMatchFloat64(double theta, float noise, int tileRows, int tileCols) {
        Backend backend = noise == 0 ? new CpuBackend(new JavaGemm(), "") : new CpuBackend(new NoisyGemm(noise, 5), "");
        try (Arena arena = Arena.ofShared()) {
            Matrix[] ls = planted(arena, theta, 11);
            Matrix large = ls[0], small = ls[1];
            double[][] cos = Vectors.cosines(large, small);   // (F_L, F_S)
            DictionaryComparison cmp = DictionaryComparison.compare(backend, large, small, theta, new TileShape(tileRows, tileCols));

            // the test is sharp: some cosines lie closer to θ than the GEMM's noise
            long near = Arrays.stream(cos).flatMapToDouble(Arrays::stream).filter(c -> Math.abs(c - theta) < 1e-4).count();
            assertTrue(near >= 5, near + " cosines near θ");

            // classes: novel iff m_i < θ
            LatentClasses classes = LatentClasses.of(cmp);
            int[] novel = IntStream.range(0, FL).filter(i -> Reference.rowMax(cos[i]) < theta).toArray();
            assertArrayEquals(novel, classes.novel());
            assertEquals(FL - novel.length, classes.reconstructionCount());

            // pairs: exactly those with cos ≥ θ, cosines to float64 rounding
            List<int[]> expected = new ArrayList<>();
            for (int i = 0; i < FL; i++) for (int j = 0; j < FS; j++) if (cos[i][j] >= theta) expected.add(new int[]{i, j});
            CosinePairs pairs = cmp.pairs();
            assertEquals(expected.size(), pairs.size());
            for (int p = 0; p < pairs.size(); p++) {
                assertArrayEquals(expected.get(p), new int[]{pairs.large()[p], pairs.small()[p]});
                assertEquals(cos[pairs.large()[p]][pairs.small()[p]], pairs.cosine()[p], 1e-12);
            }

            // families: components with edges cos > θ, members, edge statistics, isolated latents
            Families fam = Families.of(cmp);
            List<String> keys = fam.families().stream().map(f -> "S:" + Arrays.toString(f.small()) + " L:" + Arrays.toString(f.large())).toList();
            assertEquals(Reference.familyKeys(cos, theta), keys);
            for (Families.Family f : fam.families()) {
                int edges = 0;
                double sum = 0, max = Double.NEGATIVE_INFINITY;
                for (int i : f.large()) for (int j = 0; j < FS; j++) if (cos[i][j] > theta) {
                    assertTrue(Arrays.binarySearch(f.small(), j) >= 0, "edge leaves family");
                    edges++;
                    sum += cos[i][j];
                    max = Math.max(max, cos[i][j]);
                }
                assertEquals(edges, f.edges());
                assertEquals(sum / edges, f.meanCosine(), 1e-12);
                assertEquals(max, f.maxCosine(), 1e-12);
            }
            assertArrayEquals(IntStream.range(0, FL).filter(i -> !Reference.hasEdge(cos, theta, i, false)).toArray(), fam.isolatedLarge());
            assertArrayEquals(IntStream.range(0, FS).filter(j -> !Reference.hasEdge(cos, theta, j, true)).toArray(), fam.isolatedSmall());
            assertTrue(fam.families().size() >= 10, fam.families().size() + " families");
            assertTrue(fam.families().stream().anyMatch(f -> f.small().length >= 2), "a bridge joins two S-latents");

            if (theta == 0.6) {   // m = θ exactly: reconstruction, yet no edge and no family
                assertEquals(0.6, Reference.rowMax(cos[EXACT_TIE]));
                assertFalse(classes.isNovel(EXACT_TIE));
                assertTrue(Arrays.binarySearch(fam.isolatedLarge(), EXACT_TIE) >= 0);
            }
            if (noise > 0) {   // the noisy float32 maxima alone would misclassify some latent
                float[] m = cmp.maxCosine().maxOverB();
                assertTrue(IntStream.range(0, FL).anyMatch(i -> (m[i] < theta) != (Reference.rowMax(cos[i]) < theta)),
                        "noise too small to test the float64 refinement");
            }
        }
    }
}
