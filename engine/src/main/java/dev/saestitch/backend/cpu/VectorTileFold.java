package dev.saestitch.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The SIMD {@link TileFold}: per row, one pass over whole vectors keeps each lane's first largest
 * value (the row maximum), compares with the column maxima and blends value and row index where
 * larger, and tests the cut; lanes left over go through {@link ScalarTileFold}. The same results
 * as the scalar fold bit for bit: per lane and per column the comparisons are the same strict
 * ones, and the row's argmax is the first column holding the largest lane value.
 */
final class VectorTileFold implements TileFold {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** As many int lanes as float lanes, so a float mask casts to an int mask lane for lane. */
    private static final VectorSpecies<Integer> INTS = FLOATS.vectorShape().withLanes(int.class);

    @Override
    public void fold(MemorySegment tile, int rows, int n, int i0, int j0, int fb, float cut, float[] rowMax, int[] rowArg, FusedMaxDots.Band band) {
        int lanes = FLOATS.length(), whole = n - n % lanes;
        float[] colMax = band.colMax;
        int[] colArg = band.colArg;
        FloatVector cutVector = FloatVector.broadcast(FLOATS, cut);
        for (int r = 0; r < rows; r++) {
            int i = i0 + r;
            long at = (long) r * n;
            IntVector row = IntVector.broadcast(INTS, i);
            FloatVector best = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);
            for (int t = 0; t < whole; t += lanes) {
                FloatVector v = FloatVector.fromMemorySegment(FLOATS, tile, (at + t) * Float.BYTES, ByteOrder.nativeOrder());
                best = best.blend(v, v.compare(VectorOperators.GT, best));
                FloatVector columns = FloatVector.fromArray(FLOATS, colMax, j0 + t);
                VectorMask<Float> larger = v.compare(VectorOperators.GT, columns);
                if (larger.anyTrue()) {   // rare after a band's first rows
                    columns.blend(v, larger).intoArray(colMax, j0 + t);
                    IntVector.fromArray(INTS, colArg, j0 + t).blend(row, larger.cast(INTS)).intoArray(colArg, j0 + t);
                }
                if (v.compare(VectorOperators.GT, cutVector).anyTrue())
                    for (int l = t; l < t + lanes; l++) if (tile.getAtIndex(FLOAT, at + l) > cut) band.above.add((long) i * fb + j0 + l);
            }
            float m = best.reduceLanes(VectorOperators.MAX);
            if (m > rowMax[i]) {   // the first column that holds it; its own value, so that a −0 stays −0 as in the scalar fold
                int t = 0;
                while (tile.getAtIndex(FLOAT, at + t) != m) t++;
                rowMax[i] = tile.getAtIndex(FLOAT, at + t);
                rowArg[i] = j0 + t;
            }
            ScalarTileFold.foldRow(tile, at, whole, n, i, j0, fb, cut, rowMax, rowArg, band);   // later columns: ties stay with the ones above
        }
    }
}
