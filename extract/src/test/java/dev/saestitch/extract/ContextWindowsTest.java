package dev.saestitch.extract;

import dev.saestitch.input.InputException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContextWindowsTest {

    @Test
    void windowsFrameEveryTextTokenOnceInOrder() {
        int[] prefix = {101}, suffix = {102, 7};
        ContextWindows windows = new ContextWindows(prefix, suffix, 10);
        Random random = new Random(3);
        for (int length : new int[] {1, 6, 7, 8, 13, 100}) {
            int[] doc = random.ints(length, 1000, 2000).toArray();
            List<int[]> out = windows.of(doc);
            assertEquals((length + 6) / 7, out.size(), "ceil(length / 7 text tokens per window) for length " + length);
            List<Integer> text = new ArrayList<>();
            for (int[] w : out) {
                assertTrue(w.length <= 10 && w.length >= 4);
                assertEquals(101, w[0]);
                assertEquals(102, w[w.length - 2]);
                assertEquals(7, w[w.length - 1]);
                for (int i = 1; i < w.length - 2; i++) text.add(w[i]);
            }
            assertArrayEquals(doc, text.stream().mapToInt(Integer::intValue).toArray());
        }
        assertEquals(0, windows.of(new int[0]).size());
    }

    @Test
    void aContextWithNoRoomForTextIsRefused() {
        assertThrows(InputException.class, () -> new ContextWindows(new int[] {1}, new int[] {2}, 2));
    }
}
