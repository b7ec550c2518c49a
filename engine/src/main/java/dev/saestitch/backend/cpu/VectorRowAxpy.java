package dev.saestitch.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The SIMD {@link RowAxpy}: whole vectors read straight from the segment (no copy to the heap), a
 * product then a sum per lane, so each element is rounded as in the scalar form; lanes left over
 * run as scalars.
 */
final class VectorRowAxpy implements RowAxpy {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    @Override
    public void add(float[] acc, float v, MemorySegment x, long element, int d, float[] stage) {
        long at = element * Float.BYTES;
        int c = 0;
        for (int whole = FLOATS.loopBound(d); c < whole; c += FLOATS.length()) {
            FloatVector product = FloatVector.fromMemorySegment(FLOATS, x, at + (long) c * Float.BYTES, ByteOrder.nativeOrder()).mul(v);
            FloatVector.fromArray(FLOATS, acc, c).add(product).intoArray(acc, c);
        }
        for (; c < d; c++) acc[c] += v * x.getAtIndex(FLOAT, element + c);
    }
}
