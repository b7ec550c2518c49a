package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.MemorySegment;

import static dev.saestitch.tensor.Matrix.FLOAT;

/** The portable {@link SampledDots}: float64 chains in column order, four dots at a time. */
final class ScalarSampledDots implements SampledDots {

    @Override
    public void compute(SparseCodes pattern, Matrix a, Matrix w, SparseCodes out) {
        int d = a.cols();
        MemorySegment ad = a.data(), wd = w.data();
        Parallel.forRange(pattern.rows(), CpuBackend.ROW_GRAIN, (from, to) -> {
            float[] aRow = new float[d], w0 = new float[d], w1 = new float[d], w2 = new float[d], w3 = new float[d];
            for (int r = from; r < to; r++) {
                MemorySegment.copy(ad, FLOAT, (long) r * d * Float.BYTES, aRow, 0, d);
                int e = pattern.rowStart(r), end = pattern.rowStart(r + 1);
                // Four dots at once: each float64 sum still runs in column order (the same result bit for
                // bit), but four independent chains of additions hide the adder's latency that one chain waits on.
                for (; e + 4 <= end; e += 4) {
                    MemorySegment.copy(wd, FLOAT, (long) pattern.index(e) * d * Float.BYTES, w0, 0, d);
                    MemorySegment.copy(wd, FLOAT, (long) pattern.index(e + 1) * d * Float.BYTES, w1, 0, d);
                    MemorySegment.copy(wd, FLOAT, (long) pattern.index(e + 2) * d * Float.BYTES, w2, 0, d);
                    MemorySegment.copy(wd, FLOAT, (long) pattern.index(e + 3) * d * Float.BYTES, w3, 0, d);
                    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    for (int c = 0; c < d; c++) {
                        double x = aRow[c];
                        s0 += x * w0[c];
                        s1 += x * w1[c];
                        s2 += x * w2[c];
                        s3 += x * w3[c];
                    }
                    out.setValue(e, (float) s0);
                    out.setValue(e + 1, (float) s1);
                    out.setValue(e + 2, (float) s2);
                    out.setValue(e + 3, (float) s3);
                }
                for (; e < end; e++) out.setValue(e, (float) CpuBackend.dot(ad, (long) r * d, wd, (long) pattern.index(e) * d, d));
            }
        });
    }
}
