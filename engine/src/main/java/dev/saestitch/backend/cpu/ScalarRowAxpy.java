package dev.saestitch.backend.cpu;

import java.lang.foreign.MemorySegment;

import static dev.saestitch.tensor.Matrix.FLOAT;

/** The portable {@link RowAxpy}: the row copied to the heap, where C2 can vectorise the loop without segment checks. */
final class ScalarRowAxpy implements RowAxpy {

    @Override
    public void add(float[] acc, float v, MemorySegment x, long element, int d, float[] stage) {
        MemorySegment.copy(x, FLOAT, element * Float.BYTES, stage, 0, d);
        for (int c = 0; c < d; c++) acc[c] += v * stage[c];
    }
}
