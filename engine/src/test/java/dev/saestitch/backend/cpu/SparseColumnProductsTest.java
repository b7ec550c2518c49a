package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.SparseCodes;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SparseColumnProductsTest {

    /** Random CSR codes: each row holds a random subset of the latents with values in (−2, 2). */
    private static SparseCodes randomCodes(Random rnd, int rows, int latents, double density) {
        SparseCodes codes = new SparseCodes(rows, latents, 1);
        int[][] idx = new int[rows][];
        long nnz = 0;
        for (int r = 0; r < rows; r++) {
            idx[r] = rnd.ints(0, latents).distinct().limit(rnd.nextInt((int) (latents * density) + 1)).sorted().toArray();
            nnz += idx[r].length;
        }
        codes.reset(rows, nnz);
        int e = 0;
        for (int r = 0; r < rows; r++) {
            codes.setRowStart(r, e);
            for (int i : idx[r]) {
                codes.setIndex(e, i);
                codes.setValue(e++, 4 * rnd.nextFloat() - 2);
            }
        }
        codes.setRowStart(rows, e);
        return codes;
    }

    @Test
    void sumsEntryProductsPerLatentAndAccumulates() {
        Random rnd = new Random(3);
        CpuBackend backend = new CpuBackend(new JavaGemm(), "");
        try (Arena arena = Arena.ofShared(); SparseCodes a = randomCodes(rnd, 29, 37, 0.4); SparseCodes b = new SparseCodes(29, 37, 1)) {
            b.reset(29, a.nnz());
            for (int r = 0; r <= 29; r++) b.setRowStart(r, a.rowStart(r));
            for (long e = 0; e < a.nnz(); e++) {
                b.setIndex(e, a.index(e));
                b.setValue(e, 4 * rnd.nextFloat() - 2);
            }
            Matrix out = Matrix.allocate(arena, 1, 37);
            for (int i = 0; i < 37; i++) out.set(0, i, i * 0.25f - 3);
            float[] before = out.toArray();
            backend.sparseColumnProducts(a, b, -1.5f, out);
            double[] ref = new double[37];
            for (int r = 0; r < 29; r++)
                for (int e = a.rowStart(r); e < a.rowStart(r + 1); e++) ref[a.index(e)] += (double) a.value(e) * b.value(e);
            for (int i = 0; i < 37; i++) {
                double expected = before[i] - 1.5 * ref[i];
                // float32 result of a float64 sum: one rounding of the product sum and one of the addition
                assertEquals(expected, out.get(0, i), 1e-6 * (Math.abs(before[i]) + 1.5 * Math.abs(ref[i]) + 1), "latent " + i);
            }
            Matrix squares = Matrix.allocate(arena, 1, 37);
            backend.sparseColumnProducts(a, a, 1f, squares);
            double total = 0;
            for (long e = 0; e < a.nnz(); e++) total += (double) a.value(e) * a.value(e);
            double got = 0;
            for (float v : squares.toArray()) got += v;
            assertEquals(total, got, 1e-5 * total);

            SparseCodes other = randomCodes(rnd, 29, 37, 0.1);
            assertThrows(IllegalArgumentException.class, () -> backend.sparseColumnProducts(a, other, 1f, out));
            other.close();
        }
    }
}
