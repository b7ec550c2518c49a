package dev.saestitch.data;

import dev.saestitch.io.RawFiles;
import dev.saestitch.io.SaeFileException;
import dev.saestitch.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.saestitch.io.RawFiles.shape;
import static org.junit.jupiter.api.Assertions.*;

/** Activation files assembled by hand (see RawFiles), read back row by row in random order. */
class ActivationFilesTest {

    @TempDir Path tmp;

    private static final int N = 53, D = 11;

    /** Reads random rows, with repeats, and checks them against the values the file was built from. */
    private static void checkRandomRows(ActivationSource src, float[] values) {
        assertEquals(D, src.dim());
        assertEquals(N, src.rows());
        SplittableRandom rnd = new SplittableRandom(41);
        long[] ids = new long[40];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextLong(N);
        ids[3] = N - 1;
        ids[4] = 0;
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, 17, D);
            src.read(ids, 5, out); // ids[5 .. 22)
            for (int i = 0; i < out.rows(); i++)
                for (int j = 0; j < D; j++) assertEquals(values[(int) ids[5 + i] * D + j], out.get(i, j), "row " + ids[5 + i]);
            Matrix edges = Matrix.allocate(arena, 2, D);
            src.read(ids, 3, edges);
            assertArrayEquals(Arrays.copyOfRange(values, (N - 1) * D, N * D), edges.row(0));
            assertArrayEquals(Arrays.copyOfRange(values, 0, D), edges.row(1));
        }
    }

    @Test void npyFloat32AndFloat16() throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] f4 = RawFiles.gaussians(rnd, N * D);
        float[] f2 = RawFiles.exactValues(rnd, N * D, 11);
        String dict = "{'descr': '%s', 'fortran_order': False, 'shape': (" + N + ", " + D + "), }";
        Path p4 = Files.write(tmp.resolve("a.npy"), RawFiles.npy(1, dict.formatted("<f4"), RawFiles.f32le(f4)));
        Path p2 = Files.write(tmp.resolve("b.NPY"), RawFiles.npy(2, dict.formatted("<f2"), RawFiles.f16le(f2)));
        try (ActivationSource s4 = ActivationFiles.open(p4, null); ActivationSource s2 = ActivationFiles.open(p2, null)) {
            checkRandomRows(s4, f4);
            checkRandomRows(s2, f2);
            assertTrue(s2.describe().contains("F16 [" + N + ", " + D + "]"), s2.describe());
            assertTrue(s2.describe().startsWith(p2.toString()), s2.describe());
        }
    }

    @Test void safetensorsPicksTheOnlyMatrixOrTheNamedOne() throws IOException {
        SplittableRandom rnd = new SplittableRandom(43);
        float[] bf = RawFiles.exactValues(rnd, N * D, 8);
        float[] f32 = RawFiles.gaussians(rnd, N * D);
        Path one = new RawFiles.SafetensorsBuilder()
                .f32("mean", shape(D), new float[D])
                .add("acts", "BF16", shape(N, D), RawFiles.bf16le(bf))
                .write(tmp.resolve("one.safetensors"));
        try (ActivationSource s = ActivationFiles.open(one, null)) {
            checkRandomRows(s, bf);
            assertTrue(s.describe().contains("tensor 'acts' (BF16"), s.describe());
        }
        Path two = new RawFiles.SafetensorsBuilder()
                .add("resid", "F16", shape(N, D), RawFiles.f16le(RawFiles.exactValues(rnd, N * D, 11)))
                .f32("mlp", shape(N, D), f32)
                .write(tmp.resolve("two.safetensors"));
        try (ActivationSource s = ActivationFiles.open(two, "mlp")) {
            checkRandomRows(s, f32);
        }
        SaeFileException ambiguous = assertThrows(SaeFileException.class, () -> ActivationFiles.open(two, null));
        assertEquals(two + ": holds several tensors of 2 or more dimensions [resid, mlp]; name the one to read", ambiguous.getMessage());
        SaeFileException vector = assertThrows(SaeFileException.class, () -> ActivationFiles.open(one, "mean"));
        assertEquals(one + ": tensor 'mean' (F32 [" + D + "]) has 1 dimension; activations need 2 or more, (N, D) or (batch, seq, D)", vector.getMessage());
        SaeFileException missing = assertThrows(SaeFileException.class, () -> ActivationFiles.open(one, "resid"));
        assertTrue(missing.getMessage().startsWith(one + ": no tensor 'resid'"), missing.getMessage());
    }

    @Test void clearErrors() throws IOException {
        Path txt = Files.writeString(tmp.resolve("acts.txt"), "1 2 3");
        assertEquals(txt + ": unknown activation file type (expected .npy or .safetensors)",
                assertThrows(SaeFileException.class, () -> ActivationFiles.open(txt, null)).getMessage());
        Path npy = Files.write(tmp.resolve("x.npy"),
                RawFiles.npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", RawFiles.f32le(new float[6])));
        assertTrue(assertThrows(SaeFileException.class, () -> ActivationFiles.open(npy, "acts")).getMessage().startsWith(npy + ": a .npy file holds one array"));
        Path missing = tmp.resolve("missing.safetensors");
        assertEquals(missing + ": no such file", assertThrows(SaeFileException.class, () -> ActivationFiles.open(missing, null)).getMessage());
        Path ints = new RawFiles.SafetensorsBuilder().add("acts", "I32", shape(2, 1), RawFiles.i32le(new int[] {1, 2})).write(tmp.resolve("ints.safetensors"));
        assertTrue(assertThrows(SaeFileException.class, () -> ActivationFiles.open(ints, null)).getMessage().contains("has dtype I32"));

        ActivationSource src = ActivationFiles.open(npy, null);
        try (Arena arena = Arena.ofConfined()) {
            Matrix out = Matrix.allocate(arena, 1, 3);
            assertThrows(IndexOutOfBoundsException.class, () -> src.read(new long[] {2}, 0, out));
            assertThrows(IllegalArgumentException.class, () -> src.read(new long[] {0}, 0, Matrix.allocate(arena, 1, 4)));
            src.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> src.read(new long[] {0}, 0, out));
            assertTrue(closed.getMessage().endsWith("is closed"), closed.getMessage());
        }
    }

    /**
     * A NaN or ±Inf anywhere is refused when its row is read, naming the file, row and column; an
     * F64 value beyond float32's range counts as infinite. Rows without one still read.
     */
    @Test void nonFiniteValuesAreRefusedWithFileRowAndColumn() throws IOException {
        SplittableRandom rnd = new SplittableRandom(44);
        float[] f4 = RawFiles.gaussians(rnd, N * D);
        f4[37 * D + 4] = Float.NaN;
        Path npy = Files.write(tmp.resolve("nan.npy"), RawFiles.npy(1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (" + N + ", " + D + "), }", RawFiles.f32le(f4)));
        double[] f8 = new double[N * D];
        for (int i = 0; i < f8.length; i++) f8[i] = rnd.nextGaussian();
        f8[20 * D + 10] = 1e300;
        // (53, 11) as (53, 1, 11): row 20 is element [20, 0, 10]
        Path wide = Files.write(tmp.resolve("wide.npy"), RawFiles.npy(1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (" + N + ", 1, " + D + "), }", RawFiles.f64le(f8)));
        float[] f2 = RawFiles.exactValues(rnd, N * D, 11);
        byte[] half = RawFiles.f16le(f2);
        half[2 * D] = 0;              // element [1, 0] := F16 -Inf, 0xFC00 little-endian
        half[2 * D + 1] = (byte) 0xFC;
        Path st = new RawFiles.SafetensorsBuilder().add("acts", "F16", shape(N, D), half).write(tmp.resolve("inf.safetensors"));
        try (Arena arena = Arena.ofConfined();
             ActivationSource a = ActivationFiles.open(npy, null);
             ActivationSource b = ActivationFiles.open(wide, null);
             ActivationSource c = ActivationFiles.open(st, null)) {
            Matrix out = Matrix.allocate(arena, 2, D);
            a.read(new long[] {36, 38}, 0, out); // neighbours of the bad row read fine
            assertEquals(npy + ": row 37, column 4 is NaN (as float32); activations must be finite",
                    assertThrows(SaeFileException.class, () -> a.read(new long[] {0, 37}, 0, out)).getMessage());
            assertEquals(wide + ": row 20, column 10 (element [20, 0, 10]) is Infinity (as float32); activations must be finite",
                    assertThrows(SaeFileException.class, () -> b.read(new long[] {20, 1}, 0, out)).getMessage());
            assertEquals(st + ": tensor 'acts' row 1, column 0 is -Infinity (as float32); activations must be finite",
                    assertThrows(SaeFileException.class, () -> c.read(new long[] {1, 2}, 0, out)).getMessage());
        }
    }
}
