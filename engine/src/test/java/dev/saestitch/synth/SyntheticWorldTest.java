package dev.saestitch.synth;

import dev.saestitch.data.Batcher;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticWorldTest {

    private static final SyntheticConfig SMALL = SyntheticConfig.defaults().withRows(1_000_000).withSeed(17);

    private static float[] row(SyntheticWorld world, long r) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, 1, world.dim());
            world.read(new long[] {r}, 0, out);
            return out.row(0);
        }
    }

    @Test
    void rowsDependOnSeedAndRowOnlyNotOnOrderThreadsOrInstance() {
        SyntheticWorld world = new SyntheticWorld(SMALL);
        SyntheticWorld twin = new SyntheticWorld(SMALL);
        int block = 3001;  // several parallel tasks
        long first = 123_456;
        try (Arena arena = Arena.ofShared()) {
            Matrix out = Matrix.allocate(arena, block, world.dim());
            world.writeRows(first, out);
            for (int i = 0; i < block; i += 97)
                assertArrayEquals(row(twin, first + i), out.row(i), "row " + (first + i));
            Matrix shuffled = Matrix.allocate(arena, 3, world.dim());
            twin.read(new long[] {-1, first + 500, first, first + 500}, 1, shuffled);
            assertArrayEquals(out.row(500), shuffled.row(0));
            assertArrayEquals(out.row(0), shuffled.row(1));
            assertArrayEquals(out.row(500), shuffled.row(2));
        }
        float[] other = row(new SyntheticWorld(SMALL.withSeed(18)), first);
        assertFalse(java.util.Arrays.equals(row(world, first), other), "another seed gives the same row");
    }

    @Test
    void directionsAreUnitLabelledAndChildrenSitAtTheAskedCosine() {
        SyntheticWorld world = new SyntheticWorld(SMALL);
        TrueFeatures truth = world.trueFeatures();
        int p = SMALL.parents(), c = SMALL.childrenPerParent();
        assertEquals(p, truth.ofKind(TrueFeatures.Kind.PARENT).length);
        assertEquals(p * c, truth.ofKind(TrueFeatures.Kind.CHILD).length);
        assertEquals(SMALL.independents(), truth.ofKind(TrueFeatures.Kind.INDEPENDENT).length);
        try (Arena arena = Arena.ofConfined()) {
            Matrix dirs = truth.directions(arena);
            assertEquals(truth.count(), dirs.rows());
            for (int f = 0; f < truth.count(); f++)
                assertEquals(1.0, norm(dirs.row(f)), 1e-6, "norm of feature " + f);
            for (int f : truth.ofKind(TrueFeatures.Kind.CHILD)) {
                int parent = truth.parentOf(f);
                assertEquals((f - p) / c, parent);
                assertEquals(SMALL.childParentCosine(), dot(dirs.row(f), dirs.row(parent)), 1e-6, "child " + f);
                assertEquals(truth.firingProbability(parent) / c, truth.firingProbability(f), 1e-15);
            }
        }
        assertEquals(-1, truth.parentOf(0));
        assertEquals(-1, truth.parentOf(truth.count() - 1));
        assertThrows(IndexOutOfBoundsException.class, () -> truth.kind(truth.count()));
    }

    @Test
    void aNoiselessRowIsTheOffsetPlusItsActiveFeatures() {
        SyntheticWorld world = new SyntheticWorld(SMALL.withNoiseStd(0));
        TrueFeatures truth = world.trueFeatures();
        float[] offset = world.offset();
        assertEquals(SMALL.offsetNorm(), norm(offset), 1e-5);
        for (long r = 0; r < 300; r++) {
            ActiveFeatures active = world.activeFeatures(r);
            double[] expected = new double[world.dim()];
            for (int i = 0; i < expected.length; i++) expected[i] = offset[i];
            for (int e = 0; e < active.count(); e++) {
                float[] d = truth.direction(active.features()[e]);
                assertNotEquals(TrueFeatures.Kind.PARENT, truth.kind(active.features()[e]), "a parent is never emitted");
                assertTrue(active.magnitudes()[e] > 0);
                for (int i = 0; i < d.length; i++) expected[i] += (double) active.magnitudes()[e] * d[i];
            }
            float[] x = row(world, r);
            // float sums of ~10 terms of size < 10: absolute error well below 1e-4
            for (int i = 0; i < x.length; i++) assertEquals(expected[i], x[i], 1e-4, "row " + r + " dim " + i);
        }
    }

    @Test
    void theResidualNoiseHasTheAskedSpread() {
        SyntheticWorld noisy = new SyntheticWorld(SMALL);
        SyntheticWorld clean = new SyntheticWorld(SMALL.withNoiseStd(0));
        int n = 2000, d = noisy.dim();
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, n, d), b = Matrix.allocate(arena, n, d);
            noisy.writeRows(5000, a);
            clean.writeRows(5000, b);
            double sum = 0, sq = 0;
            for (long i = 0; i < a.size(); i++) {
                double e = a.getFlat(i) - b.getFlat(i);  // same events and magnitudes: the difference is the noise
                sum += e;
                sq += e * e;
            }
            double m = n * (double) d, std = SMALL.noiseStd();
            assertEquals(0, sum / m, 5 * std / Math.sqrt(m));
            assertEquals(std, Math.sqrt(sq / m), 0.02 * std);
        }
    }

    @Test
    void featuresFireAtTheirConfiguredRates() {
        SyntheticWorld world = new SyntheticWorld(SMALL);
        TrueFeatures truth = world.trueFeatures();
        int n = 60_000;
        long[] hits = new long[truth.count()];
        double total = 0, logSum = 0, logSq = 0;
        for (long r = 0; r < n; r++) {
            ActiveFeatures active = world.activeFeatures(r);
            total += active.count();
            for (int e = 0; e < active.count(); e++) {
                int f = active.features()[e];
                hits[f]++;
                int parent = truth.parentOf(f);
                if (parent >= 0) hits[parent]++;
                double log = Math.log(active.magnitudes()[e]);
                logSum += log;
                logSq += log * log;
            }
        }
        for (int f = 0; f < truth.count(); f++) {
            double p = truth.firingProbability(f);
            assertEquals(n * p, hits[f], 5 * Math.sqrt(n * p * (1 - p)) + 1e-9, "feature " + f + " (" + truth.kind(f) + ")");
        }
        // Σ of independent Bernoullis: variance Σ p(1−p) ≤ expected count
        double expected = world.expectedActivePerRow();
        assertEquals(10.56, expected, 1e-9);  // 64·0.04 + 8 by construction of the defaults
        assertEquals(expected, total / n, 5 * Math.sqrt(expected / n));
        double logMean = logSum / total, logStd = Math.sqrt(logSq / total - logMean * logMean);
        assertEquals(0, logMean, 5 * SMALL.magnitudeLogStd() / Math.sqrt(total));
        assertEquals(SMALL.magnitudeLogStd(), logStd, 0.02 * SMALL.magnitudeLogStd());
    }

    @Test
    void batchesFromTheWorldAreItsRows() {
        SyntheticWorld world = new SyntheticWorld(SMALL.withRows(500));
        try (Arena arena = Arena.ofConfined()) {
            Matrix all = Matrix.allocate(arena, 500, world.dim());
            world.writeRows(0, all);
            Matrix batch = Matrix.allocate(arena, 64, world.dim());
            new Batcher(world, 3).next(batch);
            java.util.Set<java.util.List<Float>> rows = new java.util.HashSet<>();
            for (int r = 0; r < 500; r++) rows.add(boxed(all.row(r)));
            for (int i = 0; i < 64; i++) assertTrue(rows.contains(boxed(batch.row(i))), "batch row " + i + " is no row of the world");
        }
    }

    @Test
    void rejectsRowsOutsideTheWorldAndWrongWidths() {
        SyntheticWorld world = new SyntheticWorld(SMALL.withRows(10));
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IndexOutOfBoundsException.class, () -> world.read(new long[] {10}, 0, Matrix.allocate(arena, 1, 128)));
            assertThrows(IndexOutOfBoundsException.class, () -> world.writeRows(5, Matrix.allocate(arena, 6, 128)));
            assertThrows(IllegalArgumentException.class, () -> world.writeRows(0, Matrix.allocate(arena, 2, 127)));
            assertThrows(IndexOutOfBoundsException.class, () -> world.activeFeatures(-1));
        }
        assertTrue(world.describe().contains("64 parents x 4 children"), world.describe());
    }

    private static java.util.List<Float> boxed(float[] v) {
        java.util.List<Float> l = new java.util.ArrayList<>();
        for (float f : v) l.add(f);
        return l;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    private static double norm(float[] a) { return Math.sqrt(dot(a, a)); }
}
