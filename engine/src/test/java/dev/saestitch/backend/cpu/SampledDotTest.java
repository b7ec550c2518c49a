package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SampledDotTest {

    @Test
    void dotsOfResidualRowsWithDecoderRowsAtActiveEntries() {
        Random rnd = new Random(4);
        int b = 11, f = 23, d = 13;
        CpuBackend backend = new CpuBackend(new JavaGemm(), "");
        try (Arena arena = Arena.ofShared(); SparseCodes codes = new SparseCodes(b, f, 1); SparseCodes out = new SparseCodes(b, f, 1)) {
            Matrix a = Matrix.allocate(arena, b, d), w = Matrix.allocate(arena, f, d);
            for (long i = 0; i < a.size(); i++) a.setFlat(i, (float) rnd.nextGaussian());
            for (long i = 0; i < w.size(); i++) w.setFlat(i, (float) rnd.nextGaussian());
            codes.reset(b, (long) b * f);
            int e = 0;
            for (int r = 0; r < b; r++) {
                codes.setRowStart(r, e);
                for (int j = r % 3; j < f; j += 1 + rnd.nextInt(4)) {
                    codes.setIndex(e, j);
                    codes.setValue(e++, 1f);
                }
            }
            codes.setRowStart(b, e);
            backend.sampledDot(codes, a, w, out);
            for (int r = 0; r < b; r++)
                for (int k = codes.rowStart(r); k < codes.rowStart(r + 1); k++) {
                    int j = codes.index(k);
                    double ref = 0, mag = 0;
                    for (int c = 0; c < d; c++) {
                        ref += (double) a.get(r, c) * w.get(j, c);
                        mag += Math.abs((double) a.get(r, c) * w.get(j, c));
                    }
                    assertEquals(j, out.index(k));
                    assertEquals(ref, out.value(k), LaneDotsTest.bound(d, mag), "row " + r + " latent " + j);   // float32 lanes, LaneDots' bound
                }
            assertThrows(IllegalArgumentException.class, () -> backend.sampledDot(codes, a, Matrix.allocate(arena, f, d + 1), out));
        }
    }
}
