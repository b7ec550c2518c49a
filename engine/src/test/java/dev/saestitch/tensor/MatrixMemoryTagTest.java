package dev.saestitch.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A matrix tagged as device memory refuses every element accessor with an exception (on a GPU its
 * address would crash the process), and its views keep the tag; host matrices are unaffected.
 * The device matrix here is host memory tagged as device, so that a missing check would read it
 * quietly instead of failing the test.
 */
class MatrixMemoryTagTest {

    @Test void deviceMemoryRefusesHostAccessAndViewsKeepTheTag() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix host = Matrix.of(arena, 2, 3, new float[] {1, 2, 3, 4, 5, 6});
            Matrix device = Matrix.onDevice(host.data(), 2, 3);
            for (Matrix m : new Matrix[] {device, device.rows(1, 1), device.flat(), device.packed(1, 2)}) {
                assertTrue(m.onDevice());
                assertThrows(IllegalStateException.class, () -> m.get(0, 0));
                assertThrows(IllegalStateException.class, () -> m.set(0, 0, 1f));
                assertThrows(IllegalStateException.class, () -> m.getFlat(0));
                assertThrows(IllegalStateException.class, () -> m.setFlat(0, 1f));
                assertThrows(IllegalStateException.class, m::toArray);
                assertThrows(IllegalStateException.class, () -> m.fill(0f));
            }
            assertThrows(IllegalStateException.class, () -> host.copyFrom(device));
            assertThrows(IllegalStateException.class, () -> device.copyFrom(host));
            assertFalse(host.rows(1, 1).onDevice());
            assertEquals(6f, host.rows(1, 1).get(0, 2));
            assertEquals(2f, host.packed(1, 2).get(0, 1));
        }
    }
}
