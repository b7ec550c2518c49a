package dev.saestitch.dict;

import dev.saestitch.backend.select.Backends;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A planted case whose precision and recall are counted by hand. */
class NovelLatentTruthTest {

    @Test
    void countsNovelLatentsThatAreTheFeaturesSmallMissed() {
        int d = 8;
        try (Arena arena = Arena.ofShared()) {
            Matrix truth = Matrix.allocate(arena, 6, d);                  // e0..e5
            for (int t = 0; t < 6; t++) truth.set(t, t, 1f);
            Matrix small = Matrix.allocate(arena, 3, d);                  // learns e0, e1, e2: misses e3, e4, e5
            for (int i = 0; i < 3; i++) small.set(i, i, 2f);               // norms need not be 1
            Matrix large = Matrix.allocate(arena, 6, d);
            for (int i = 0; i < 3; i++) large.set(i, i, 1f);               // reconstruction latents e0..e2
            large.set(3, 3, 1f);                                          // novel, e3: a hit
            large.set(4, 4, 1f);
            large.set(4, 7, 0.3f);                                        // novel, cos(e4) = 0.958: a hit
            large.set(5, 5, 1f);
            large.set(5, 6, 1f);                                          // novel, cos(e5) = 0.707: no hit
            NovelLatentTruth s = NovelLatentTruth.score(Backends.select("cpu"), truth, small, large, new boolean[] {false, false, false, true, true, true});
            assertEquals(new NovelLatentTruth(3, 2, 3, 2, 2), s);
            assertEquals(2.0 / 3, s.precision(), 1e-12);
            assertEquals(1.0, s.recall(), 1e-12);
        }
    }
}
