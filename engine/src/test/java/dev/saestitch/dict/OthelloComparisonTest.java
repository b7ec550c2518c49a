package dev.saestitch.dict;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.cpu.CpuBackend;
import dev.saestitch.backend.cpu.JavaGemm;
import dev.saestitch.io.SaeFiles;
import dev.saestitch.sae.Sae;
import dev.saestitch.testkit.Vectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real OthelloGPT SAEs (d_in 128, widths 1024 and 2048, decoder rows not unit norm) at
 * layers 1, 3 and 5: novel and reconstruction latents, families and isolated latents with θ = 0.7,
 * exactly as an independent float64 computation (dense double cosines, BFS) finds them; the
 * float32 max cosines within 1e-5 of float64. Tiles of 500×300 so that blocks do not divide the sizes.
 */
class OthelloComparisonTest {

    private static final Path ROOT = Path.of(System.getProperty("saestitch.data", "../fixtures"), "othello-gpt-saes");
    private static final double THETA = 0.7;

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 5})
    void largeAgainstSmallMatchesFloat64(int layer) {
        Path dir = ROOT.resolve("blocks." + layer + ".hook_resid_pre.d1024");
        assertTrue(Files.isDirectory(dir), "real SAEs not found at " + ROOT + " (the copy lives in fixtures/; -Dsaestitch.data overrides)");
        Backend backend = new CpuBackend(new JavaGemm(), "");
        try (Sae small = SaeFiles.load(dir); Sae large = SaeFiles.load(ROOT.resolve("blocks." + layer + ".hook_resid_pre.d2048"))) {
            DictionaryComparison cmp = DictionaryComparison.compare(backend, large.wDec(), small.wDec(), THETA, new TileShape(500, 300));
            LatentClasses classes = LatentClasses.of(cmp);
            Families families = Families.of(cmp);

            double[][] cos = Vectors.cosines(large.wDec(), small.wDec());   // (2048, 1024)
            int fl = cos.length, fs = cos[0].length;
            double[] m = new double[fl];
            for (int i = 0; i < fl; i++) m[i] = Reference.rowMax(cos[i]);
            int[] novel = IntStream.range(0, fl).filter(i -> m[i] < THETA).toArray();
            List<String> refFamilies = Reference.familyKeys(cos, THETA);
            int isolatedLarge = (int) IntStream.range(0, fl).filter(i -> !Reference.hasEdge(cos, THETA, i, false)).count();
            int isolatedSmall = (int) IntStream.range(0, fs).filter(j -> !Reference.hasEdge(cos, THETA, j, true)).count();

            assertEquals(novel.length, classes.novelCount());
            assertEquals(fl - novel.length, classes.reconstructionCount());
            assertArrayEquals(novel, classes.novel());
            assertEquals(refFamilies.size(), families.families().size());
            assertEquals(refFamilies, families.families().stream().map(f -> "S:" + Arrays.toString(f.small()) + " L:" + Arrays.toString(f.large())).toList());
            assertEquals(isolatedLarge, families.isolatedLarge().length);
            assertEquals(isolatedSmall, families.isolatedSmall().length);
            assertTrue(novel.length > 0 && novel.length < fl && !refFamilies.isEmpty(), "both classes and some families occur");

            float[] m32 = cmp.maxCosine().maxOverB();
            for (int i = 0; i < fl; i++) assertEquals(m[i], m32[i], 1e-5, "m_" + i);   // D = 128: float32 error ≲ 128·2⁻²⁴
            double[][] cosT = Vectors.transpose(cos);
            float[] back = cmp.maxCosine().maxOverA();
            for (int j = 0; j < fs; j++) assertEquals(Reference.rowMax(cosT[j]), back[j], 1e-5, "max over L of S-latent " + j);

            System.out.printf("layer %d: %d novel, %d reconstruction, %d families (largest %d S + %d L), %d isolated L, %d isolated S%n",
                    layer, novel.length, fl - novel.length, refFamilies.size(),
                    families.families().stream().mapToInt(f -> f.small().length).max().orElse(0),
                    families.families().stream().mapToInt(f -> f.large().length).max().orElse(0), isolatedLarge, isolatedSmall);
        }
    }
}
