package dev.saestitch.sae;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.backend.cuda.GemmPrecision;
import dev.saestitch.io.CompositeSaeFiles;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.testkit.SaeReference;
import dev.saestitch.testkit.TestBackends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A composite against each source SAE applied alone in float64 ({@link SaeReference}): the codes
 * (same latents, values to 1e-5·max(1, |z|), float32 pre-activations of O(1) sums over D ≤ 30
 * terms) and x̂ = Σ f W/σ + b (to 1e-5 of the largest entry); the decoder bias of both rules
 * against the formulas in float64 (1e-6 relative: one float32 rounding). Sources of every
 * architecture, with and without centring, input scales ≠ 1, latents in scrambled order; every
 * decision at least 2e-5 from its boundary, so float32 and float64 decide alike.
 */
class CompositeSaeTest {

    private static final int D = 19, N = 37;
    private static final Backend CPU = new CpuBackend(new JavaGemm(), "test");

    @TempDir Path tmp;

    /** Four sources: TopK (centred, σ = 1.3), ReLU (not centred), JumpReLU (centred, σ = 0.7), BatchTopK. */
    private static List<Sae> sources() {
        return List.of(
                SaeReference.random(Architecture.TOPK, D, 23, 4, true, 1.3f, 1),
                SaeReference.random(Architecture.RELU, D, 17, 0, false, 1f, 2),
                SaeReference.random(Architecture.JUMPRELU, D, 29, 0, true, 0.7f, 3),
                SaeReference.random(Architecture.BATCHTOPK, D, 13, 3, false, 1.1f, 4));
    }

    /** A random subset of about half of each source's latents in random order (the TopK source's may be empty). */
    private static List<CompositeSae.Source> pick(List<Sae> saes, long seed, boolean withTopK) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<CompositeSae.Source> out = new ArrayList<>();
        for (Sae s : saes) {
            List<Integer> chosen = new ArrayList<>();
            if (withTopK || s.architecture() != Architecture.TOPK)
                for (int l = 0; l < s.width(); l++) if (rnd.nextBoolean()) chosen.add(l);
            java.util.Collections.shuffle(chosen, new java.util.Random(seed + s.width()));
            out.add(new CompositeSae.Source(s, chosen.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }

    /** The composite's codes and x̂ in float64, each source alone, b from the rule. */
    private record Expected(double[][] codes, double[][] xHat, double margin) {}

    private static Expected expected(List<CompositeSae.Source> sources, Matrix x, double[] bias) {
        int f = sources.stream().mapToInt(CompositeSae.Source::count).sum();
        double[][] codes = new double[N][f], xHat = new double[N][D];
        double margin = Double.POSITIVE_INFINITY;
        int offset = 0;
        for (CompositeSae.Source s : sources) {
            SaeReference.Codes ref = SaeReference.codes(s.sae(), x);
            margin = Math.min(margin, ref.margin());
            int[] latents = s.latents();
            for (int r = 0; r < N; r++) for (int i = 0; i < latents.length; i++) codes[r][offset + i] = ref.f()[r][latents[i]];
            double[][] part = SaeReference.decode(s.sae(), ref.f(), latents);
            for (int r = 0; r < N; r++) for (int c = 0; c < D; c++) xHat[r][c] += part[r][c];
            offset += latents.length;
        }
        for (int r = 0; r < N; r++) for (int c = 0; c < D; c++) xHat[r][c] += bias[c];
        return new Expected(codes, xHat, margin);
    }

    /** Eq. 5 generalised: Σ_s (|L_s| / Σ|L|) b_dec^s / σ_s, in float64. */
    private static double[] eq5(List<CompositeSae.Source> sources) {
        double total = sources.stream().mapToInt(CompositeSae.Source::count).sum();
        double[] b = new double[D];
        for (CompositeSae.Source s : sources)
            for (int c = 0; c < D; c++) b[c] += s.count() / total * s.sae().bDec().get(0, c) / s.sae().inputScale();
        return b;
    }

    private static void assertRunnerMatches(Expected want, CompositeSaeRunner runner, Matrix x, String what) {
        assertTrue(want.margin() > 2e-5, "test data too close to a decision boundary: " + want.margin());
        SparseCodes codes = runner.encode(x);
        int f = runner.width(), nnz = 0;
        for (int r = 0; r < N; r++) {
            double[] got = new double[f];
            for (int e = codes.rowStart(r); e < codes.rowStart(r + 1); e++) got[codes.index(e)] = codes.value(e);
            for (int i = 0; i < f; i++) {
                assertEquals(want.codes()[r][i] != 0, got[i] != 0, what + ": row " + r + " latent " + i + " active");
                assertEquals(want.codes()[r][i], got[i], 1e-5 * Math.max(1, Math.abs(want.codes()[r][i])), what + ": row " + r + " latent " + i);
                if (got[i] != 0) nnz++;
            }
        }
        assertTrue(nnz > N, what + ": the composite must fire");
        assertEquals(nnz, codes.nnz());
        try (Arena arena = Arena.ofConfined()) {
            Matrix xHat = Matrix.allocate(arena, N, D);
            runner.decode(codes, xHat);
            assertClose(want.xHat(), xHat, 1e-5, what + ": x̂");
        }
    }

    private static void assertClose(double[][] want, Matrix got, double rel, String what) {
        double max = 0, diff = 0;
        for (int r = 0; r < want.length; r++)
            for (int c = 0; c < want[0].length; c++) {
                max = Math.max(max, Math.abs(want[r][c]));
                diff = Math.max(diff, Math.abs(want[r][c] - got.get(r, c)));
            }
        assertTrue(diff <= rel * max, what + ": max difference " + diff + " against entries up to " + max);
    }

    /** On the CPU, and on the CUDA backend (the emulated device, or a GPU), where the sources' codes are gathered on the device. */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void compositeEqualsEachSourceAppliedAlone(String backendName) {
        List<Sae> saes = sources();
        Backend backend = backendName.equals("cuda") ? TestBackends.cudaOrSkip(GemmPrecision.FP32) : CPU;
        try (Arena arena = Arena.ofShared()) {
            Matrix x = SaeReference.rows(arena, N, D, 5);
            for (long seed = 10; seed < 13; seed++) {
                List<CompositeSae.Source> sources = pick(saes, seed, true);
                double[] b = eq5(sources);
                try (CompositeSae c = CompositeSae.of(sources, CompositeSae.BiasRule.EQ5);
                     CompositeSaeRunner runner = new CompositeSaeRunner(backend, c, 40)) {
                    assertEquals(sources.stream().mapToInt(CompositeSae.Source::count).sum(), c.width());
                    for (int j = 0; j < D; j++) assertEquals(b[j], c.bDec().get(0, j), 1e-6 * Math.abs(b[j]) + 1e-7);
                    assertRunnerMatches(expected(sources, x, b), runner, x, "seed " + seed);
                    assertFalse(c.expressibleAsJumpRelu(), "the TopK source contributes");
                    assertThrows(IllegalStateException.class, c::toJumpRelu);
                }
            }
        } finally {
            saes.forEach(Sae::close);
            if (backend != CPU) backend.close();
        }
    }

    @Test void biasRulesFollowEq5AndKeep() {
        try (Sae s0 = SaeReference.random(Architecture.RELU, D, 8, 0, true, 1.5f, 7);
             Sae s1 = SaeReference.random(Architecture.JUMPRELU, D, 9, 0, true, 1f, 8)) {
            List<CompositeSae.Source> sources = List.of(new CompositeSae.Source(s0, new int[] {0, 3, 5}), new CompositeSae.Source(s1, new int[] {8, 1, 2, 4, 6}));
            double alpha = 3.0 / 8;   // |L_0| / (|L_0| + |L_1|)
            try (CompositeSae eq5 = CompositeSae.of(sources, CompositeSae.BiasRule.EQ5);
                 CompositeSae keep = CompositeSae.of(sources, CompositeSae.BiasRule.KEEP)) {
                for (int j = 0; j < D; j++) {
                    double b0 = s0.bDec().get(0, j) / 1.5, b1 = s1.bDec().get(0, j);
                    double want = alpha * b0 + (1 - alpha) * b1;
                    assertEquals(want, eq5.bDec().get(0, j), 1e-6 * Math.abs(want) + 1e-7);
                    assertEquals(b0, keep.bDec().get(0, j), 1e-6 * Math.abs(b0) + 1e-7);
                }
                // decoder rows: the chosen rows, divided by their source's input scale, in order
                assertEquals(s0.wDec().get(3, 4) / 1.5, eq5.wDec().get(1, 4), 1e-7);
                assertEquals(s1.wDec().get(8, 2), eq5.wDec().get(3, 2));
            }
        }
    }

    @Test void withoutTopKLatentsItIsOneJumpReluSaeThatRoundTripsThroughSaeLensFiles() {
        List<Sae> saes = sources();
        try (Arena arena = Arena.ofShared()) {
            Matrix x = SaeReference.rows(arena, N, D, 6);
            List<CompositeSae.Source> sources = pick(saes, 21, false);
            assertEquals(0, sources.getFirst().count());
            try (CompositeSae c = CompositeSae.of(sources, CompositeSae.BiasRule.EQ5);
                 CompositeSaeRunner runner = new CompositeSaeRunner(CPU, c, N)) {
                assertTrue(c.expressibleAsJumpRelu(), "a TopK source without latents does not matter");
                Expected want = expected(sources, x, eq5(sources));
                assertRunnerMatches(want, runner, x, "composite");
                Path dir = tmp.resolve("exported");
                try (Sae exported = c.toJumpRelu()) {
                    assertEquals(Architecture.JUMPRELU, exported.architecture());
                    assertFalse(exported.centreInput());
                    SaeFiles.save(exported, dir);
                }
                try (Sae loaded = SaeFiles.load(dir); SaeRunner alone = new SaeRunner(CPU, loaded, N)) {
                    assertEquals(Architecture.JUMPRELU, loaded.architecture());
                    assertEquals(c.width(), loaded.width());
                    SparseCodes a = runner.encode(x), b = alone.encode(x);
                    assertEquals(a.nnz(), b.nnz());
                    for (int r = 0; r < N; r++) {
                        assertEquals(a.rowStart(r + 1), b.rowStart(r + 1));
                        for (int e = b.rowStart(r); e < b.rowStart(r + 1); e++)
                            assertEquals(want.codes()[r][b.index(e)], b.value(e), 1e-5 * Math.max(1, Math.abs(b.value(e))), "exported code");
                    }
                    Matrix xHat = Matrix.allocate(arena, N, D);
                    alone.decode(b, xHat);
                    assertClose(want.xHat(), xHat, 1e-5, "exported x̂");
                }
            }
        } finally {
            saes.forEach(Sae::close);
        }
    }

    /** SAELens tools find the hook in cfg.json's top level; a composite's files carry its first source's, and the metadata given. */
    @Test void compositeFilesCarryTheHookAndModelNames() throws java.io.IOException {
        List<Sae> saes = sources();
        try {
            saes.getFirst().metadata().put("hook_name", "blocks.1.hook_resid_pre");
            saes.getFirst().metadata().put("model_name", "othello-gpt");
            Path dir = tmp.resolve("composite-metadata");
            try (CompositeSae c = CompositeSae.of(pick(saes, 17, true), CompositeSae.BiasRule.KEEP)) {
                CompositeSaeFiles.save(c, dir, Map.of("saestitch_stitched_from", Map.of("step", 3), "d_in", 999));
            }
            var cfg = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve(CompositeSaeFiles.CONFIG_FILE).toFile());
            assertEquals("blocks.1.hook_resid_pre", cfg.path("hook_name").asText());
            assertEquals("othello-gpt", cfg.path("model_name").asText());
            assertEquals(3, cfg.path("saestitch_stitched_from").path("step").asInt());
            assertEquals(D, cfg.path("d_in").asInt(), "the layout's own keys win");
            try (CompositeSae back = CompositeSaeFiles.load(dir)) {
                assertEquals(D, back.dIn());
            }
        } finally {
            saes.forEach(Sae::close);
        }
    }

    @Test void compositeFilesRoundTripBitExactly() {
        List<Sae> saes = sources();
        try (Arena arena = Arena.ofShared()) {
            Matrix x = SaeReference.rows(arena, N, D, 9);
            saes.getFirst().metadata().put("hook_name", "blocks.1.hook_resid_pre");
            List<CompositeSae.Source> sources = pick(saes, 31, true);
            Path dir = tmp.resolve("composite");
            try (CompositeSae c = CompositeSae.of(sources, CompositeSae.BiasRule.KEEP)) {
                CompositeSaeFiles.save(c, dir, Map.of());
                CompositeSaeFiles.save(c, dir, Map.of());   // replaces its own output
                assertTrue(CompositeSaeFiles.isComposite(dir));
                try (CompositeSae back = CompositeSaeFiles.load(dir);
                     CompositeSaeRunner r1 = new CompositeSaeRunner(CPU, c, N);
                     CompositeSaeRunner r2 = new CompositeSaeRunner(CPU, back, N)) {
                    assertArrayEquals(c.wDec().toArray(), back.wDec().toArray());
                    assertArrayEquals(c.bDec().toArray(), back.bDec().toArray());
                    for (int s = 0; s < sources.size(); s++) {
                        Sae a = sources.get(s).sae(), b = back.sources().get(s).sae();
                        assertEquals(a.architecture(), b.architecture());
                        assertEquals(a.k(), b.k());
                        assertEquals(a.centreInput(), b.centreInput());
                        assertEquals(a.inputScale(), b.inputScale());
                        assertArrayEquals(sources.get(s).latents(), back.sources().get(s).latents());
                        for (Matrix[] m : new Matrix[][] {{a.wEnc(), b.wEnc()}, {a.bEnc(), b.bEnc()}, {a.wDec(), b.wDec()}, {a.bDec(), b.bDec()}})
                            assertArrayEquals(m[0].toArray(), m[1].toArray());
                        if (a.threshold() != null) assertArrayEquals(a.threshold().toArray(), b.threshold().toArray());
                    }
                    assertEquals("blocks.1.hook_resid_pre", back.sources().getFirst().sae().metadata().get("hook_name"));
                    SparseCodes p = r1.encode(x), q = r2.encode(x);
                    assertEquals(p.nnz(), q.nnz());
                    for (long e = 0; e < p.nnz(); e++) {
                        assertEquals(p.index(e), q.index(e));
                        assertEquals(p.value(e), q.value(e));
                    }
                }
            }
        } finally {
            saes.forEach(Sae::close);
        }
    }

    @Test void rejectsBadSourcesAndFiles() throws Exception {
        try (Sae a = SaeReference.random(Architecture.RELU, D, 5, 0, false, 1f, 1);
             Sae b = SaeReference.random(Architecture.RELU, D + 1, 5, 0, false, 1f, 2)) {
            assertThrows(IllegalArgumentException.class, () -> new CompositeSae.Source(a, new int[] {1, 1}));
            assertThrows(IllegalArgumentException.class, () -> new CompositeSae.Source(a, new int[] {5}));
            assertThrows(IllegalArgumentException.class, () -> CompositeSae.of(List.of(new CompositeSae.Source(a, new int[] {0}), new CompositeSae.Source(b, new int[] {0})), CompositeSae.BiasRule.EQ5));
            assertThrows(IllegalArgumentException.class, () -> CompositeSae.of(List.of(new CompositeSae.Source(a, new int[0])), CompositeSae.BiasRule.EQ5));
            Path dir = tmp.resolve("c");
            try (CompositeSae c = CompositeSae.of(List.of(new CompositeSae.Source(a, new int[] {4, 2})), CompositeSae.BiasRule.EQ5)) {
                CompositeSaeFiles.save(c, dir, Map.of());
            }
            Path cfg = dir.resolve(CompositeSaeFiles.CONFIG_FILE);
            String good = java.nio.file.Files.readString(cfg);
            java.nio.file.Files.writeString(cfg, good.replace("\"latents\":[4,2]", "\"latents\":[4,9]"));
            var e = assertThrows(dev.saestitch.io.SaeFileException.class, () -> CompositeSaeFiles.load(dir));
            assertTrue(e.getMessage().contains("latent 9"), e.getMessage());
            java.nio.file.Files.writeString(cfg, good.replace("\"d_sae\":2", "\"d_sae\":3"));
            e = assertThrows(dev.saestitch.io.SaeFileException.class, () -> CompositeSaeFiles.load(dir));
            assertTrue(e.getMessage().startsWith(cfg.toString()), e.getMessage());
            assertFalse(CompositeSaeFiles.isComposite(tmp.resolve("missing")));
        }
    }
}
