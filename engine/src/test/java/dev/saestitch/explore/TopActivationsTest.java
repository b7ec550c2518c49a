package dev.saestitch.explore;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The bounded heaps against a brute-force sort of every offered hit. */
class TopActivationsTest {

    private static final Comparator<TopActivations.Hit> BEST_FIRST =
            Comparator.comparing(TopActivations.Hit::value).reversed().thenComparingLong(TopActivations.Hit::row);

    /** Random hits in random row order with many ties (values from a few levels); latent 0 never fires, latent 1 fires less than N times. */
    @Test void matchesBruteForceWithTiesSilentAndRareLatents() {
        int latents = 6, n = 7;
        SplittableRandom rnd = new SplittableRandom(11);
        TopActivations top = new TopActivations(latents, n);
        List<List<TopActivations.Hit>> all = new ArrayList<>();
        for (int i = 0; i < latents; i++) all.add(new ArrayList<>());
        List<Long> rowOrder = new ArrayList<>();
        for (long r = 0; r < 400; r++) rowOrder.add(r);
        java.util.Collections.shuffle(rowOrder, new java.util.Random(3));
        int rareLeft = 4;
        for (long row : rowOrder) {
            for (int i = 1; i < latents; i++) {
                if (i == 1 && (rareLeft == 0 || rnd.nextInt(50) != 0)) continue;
                if (i == 1) rareLeft--;
                if (i > 1 && rnd.nextInt(3) != 0) continue;
                float v = i == 2 ? 1.25f : (1 + rnd.nextInt(4)) * 0.5f;  // latent 2: every value tied
                top.offer(i, v, row);
                all.get(i).add(new TopActivations.Hit(v, row));
            }
        }
        for (int i = 0; i < latents; i++) {
            List<TopActivations.Hit> expected = all.get(i).stream().sorted(BEST_FIRST).limit(n).toList();
            assertEquals(expected, List.of(top.top(i)), "latent " + i);
        }
        assertEquals(0, top.top(0).length);
        assertTrue(top.top(1).length > 0 && top.top(1).length < n, "the rare latent keeps all its " + top.top(1).length + " hits");
    }

    @Test void refusesEmptyShapes() {
        assertThrows(IllegalArgumentException.class, () -> new TopActivations(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new TopActivations(3, 0));
    }
}
