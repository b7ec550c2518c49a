package dev.saestitch.data;

import dev.saestitch.io.Npy;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Activation files written by numpy itself, and .safetensors files laid out as
 * safetensors.torch.save_file lays them out, by {@code src/test/resources/numpy-written/make_fixtures.py}
 * (not by saestitch's writers). Every element is checked against the script's formula computed
 * here independently: sin(0.37·i + k) over the flat C-order index i with a phase k per array, in
 * float64, rounded to float32 and then to the file's dtype. The match must be exact (relative
 * error 0): both sides round the same float32 by the same rule, so a wrong stride, offset, dtype
 * decoding or flattening order fails.
 */
class ActivationFilesFromPythonTest {

    /** How the script stored the formula's value. */
    private enum Stored { F64, F32, F16, BF16 }

    private static float expected(long flatIndex, int phase, Stored stored) {
        float f = (float) StrictMath.sin(0.37 * flatIndex + phase);
        return switch (stored) {
            case F64, F32 -> f; // a float64 element read as float32 is the same rounding of the same double
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f)); // numpy: round to nearest even
            case BF16 -> torchBfloat16(f);
        };
    }

    /** torch's float32 → bfloat16 (c10 round_to_nearest_even) on the bits, then back to float32; no NaNs here. */
    private static float torchBfloat16(float f) {
        long bits = Integer.toUnsignedLong(Float.floatToRawIntBits(f));
        long rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        return Float.intBitsToFloat((int) (rounded << 16));
    }

    private static Path fixture(String name) {
        URL url = ActivationFilesFromPythonTest.class.getResource("/numpy-written/" + name);
        assertNotNull(url, name + " is missing; run make_fixtures.py");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** Reads every row once, in a shuffled order, and compares every element with the formula. */
    private static void checkEveryElement(ActivationSource src, long rows, int dim, int phase, Stored stored) {
        assertEquals(dim, src.dim(), src.describe());
        assertEquals(rows, src.rows(), src.describe());
        long[] ids = new long[(int) rows];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        SplittableRandom rnd = new SplittableRandom(phase);
        for (int i = ids.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            long t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, ids.length, dim);
            src.read(ids, 0, out);
            for (int i = 0; i < ids.length; i++)
                for (int j = 0; j < dim; j++)
                    assertEquals(expected(ids[i] * dim + j, phase, stored), out.get(i, j), src.describe() + " row " + ids[i] + " col " + j);
        }
    }

    @Test void npyArraysOfEveryRankAndFormatVersion() {
        record Case(String file, long rows, int dim, int phase, Stored stored, String shown) {}
        Case[] cases = {
                new Case("acts_3d_f32.npy", 15, 7, 0, Stored.F32, "F32 [3, 5, 7] read as 15 rows of 7"),
                new Case("acts_2d_f16.npy", 4, 6, 1, Stored.F16, "F16 [4, 6]"),
                new Case("acts_v2_3d_f32.npy", 6, 4, 2, Stored.F32, "F32 [2, 3, 4] read as 6 rows of 4"),
                new Case("acts_v3_4d_f16.npy", 12, 5, 3, Stored.F16, "F16 [2, 2, 3, 5] read as 12 rows of 5"),
                new Case("acts_2d_f64.npy", 3, 4, 4, Stored.F64, "F64 [3, 4]"),
        };
        for (Case c : cases) {
            Path file = fixture(c.file());
            try (ActivationSource src = ActivationFiles.open(file, null)) {
                checkEveryElement(src, c.rows(), c.dim(), c.phase(), c.stored());
                assertEquals(file + " " + c.shown(), src.describe());
            }
        }
    }

    @Test void safetensorsAsSaveFileWritesThem() {
        Path one = fixture("one_bf16.safetensors");
        try (ActivationSource src = ActivationFiles.open(one, null)) { // the (2, 3, 5) tensor, not the vector beside it
            checkEveryElement(src, 6, 5, 5, Stored.BF16);
            assertEquals(one + " tensor 'resid' (BF16 [2, 3, 5]) read as 6 rows of 5", src.describe());
        }
        record Case(String tensor, long rows, int dim, int phase, Stored stored) {}
        Case[] cases = {
                new Case("resid_f32", 12, 5, 6, Stored.F32),
                new Case("resid_f64", 4, 3, 7, Stored.F64),
                new Case("resid_f16", 6, 4, 8, Stored.F16),
                new Case("resid_bf16", 4, 3, 10, Stored.BF16),
        };
        Path several = fixture("several.safetensors");
        for (Case c : cases) {
            try (ActivationSource src = ActivationFiles.open(several, c.tensor())) {
                checkEveryElement(src, c.rows(), c.dim(), c.phase(), c.stored());
            }
        }
        String ambiguous = assertThrows(SaeFileException.class, () -> ActivationFiles.open(several, null)).getMessage();
        assertTrue(ambiguous.startsWith(several + ": holds several tensors of 2 or more dimensions ["), ambiguous);
        for (Case c : cases) assertTrue(ambiguous.contains(c.tensor()), ambiguous);
        assertEquals(one + ": tensor 'mean' (F32 [5]) has 1 dimension; activations need 2 or more, (N, D) or (batch, seq, D)",
                assertThrows(SaeFileException.class, () -> ActivationFiles.open(one, "mean")).getMessage());
    }

    /** Arrays that would be read wrongly as rows fail with one line naming the file and the problem. */
    @Test void refusedArraysSayWhy() {
        String[][] cases = {
                {"bad_fortran.npy", "array is in Fortran order; save it in C order (np.ascontiguousarray)"},
                {"bad_big_endian.npy", "dtype '>f4' is big-endian; save it little-endian (arr.astype('<f4'))"},
                {"bad_1d.npy", "F32 [6] has 1 dimension; activations need 2 or more, (N, D) or (batch, seq, D)"},
        };
        for (String[] c : cases) {
            Path file = fixture(c[0]);
            SaeFileException e = assertThrows(SaeFileException.class, () -> ActivationFiles.open(file, null), c[0]);
            assertEquals(file + ": " + c[1], e.getMessage());
            assertEquals(file, e.path());
        }
    }

    /** Only activations are flattened: an SAE weight or true-feature file must still be exactly (N, D). */
    @Test void matrixReaderStaysStrict() {
        Path file = fixture("acts_3d_f32.npy");
        try (Arena arena = Arena.ofConfined()) {
            SaeFileException e = assertThrows(SaeFileException.class, () -> Npy.open(file, arena));
            assertEquals(file + ": array has shape [3, 5, 7]; expected 2 dimensions (N, D)", e.getMessage());
            assertEquals("4x6", Npy.open(fixture("acts_2d_f16.npy"), arena).readFloat32(arena).shape());
        }
    }
}
