package dev.saestitch.io;

import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * NumPy .npy files holding a floating-point array (format versions 1, 2 and 3,
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the magic
 * {@code \x93NUMPY}, a version, a little-endian header length (2 bytes in v1, 4 in v2 and v3),
 * a dict literal header (latin-1, or UTF-8 in v3), then the C-order data.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy pads the preamble plus header to a multiple of 64 bytes so that the data is aligned. */
    private static final int HEADER_ALIGNMENT = 64;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Npy() {}

    /** Maps {@code file} into {@code arena} and returns its (N, D) floating-point array as an unnamed tensor. */
    public static MappedTensor open(Path file, Arena arena) {
        MappedTensor t = openArray(file, arena);
        if (!t.dtype().readableAsFloat32())
            throw new SaeFileException(file, "dtype '" + descr(t.dtype()) + "' is not supported (expected '<f4', '<f2' or '<f8')");
        if (t.rank() != 2) throw new SaeFileException(file, "array has shape " + Arrays.toString(t.shape()) + "; expected 2 dimensions (N, D)");
        return t;
    }

    /**
     * Maps {@code file} into {@code arena} and returns its array with the shape the file records,
     * of any rank: little-endian float32, float16, float64 or int32 in C order, as np.save writes
     * them. Callers that need floats check {@link MappedTensor#requireReadable}.
     */
    public static MappedTensor openArray(Path file, Arena arena) {
        MemorySegment all = FileMapping.map(file, arena);
        long size = all.byteSize();
        if (size < 10 || !Arrays.equals(all.asSlice(0, MAGIC.length).toArray(ValueLayout.JAVA_BYTE), MAGIC))
            throw new SaeFileException(file, "not a .npy file (no \\x93NUMPY magic)");
        int major = all.get(ValueLayout.JAVA_BYTE, 6);
        int lengthBytes = switch (major) {
            case 1 -> 2;
            case 2, 3 -> 4;
            default -> throw new SaeFileException(file, ".npy format version " + major + " is not supported (1, 2 or 3)");
        };
        long headerStart = 8 + lengthBytes;
        if (size < headerStart) throw new SaeFileException(file, "truncated inside the .npy preamble");
        long headerBytes = lengthBytes == 2 ? all.get(LE_SHORT, 8) & 0xFFFF : all.get(LE_INT, 8) & 0xFFFFFFFFL;
        if (headerStart + headerBytes > size)
            throw new SaeFileException(file, "header of " + headerBytes + " bytes runs past the end of the file (" + size + " bytes): truncated");
        byte[] raw = all.asSlice(headerStart, headerBytes).toArray(ValueLayout.JAVA_BYTE);
        String text = new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header;
        try {
            header = NpyHeader.parse(text);
        } catch (IllegalArgumentException e) {
            throw new SaeFileException(file, e.getMessage());
        }
        DType dtype = switch (header.descr()) {
            case "<f4" -> DType.F32;
            case "<f2" -> DType.F16;
            case "<f8" -> DType.F64;
            case "<i4" -> DType.I32;
            case ">f4", ">f2", ">f8", ">i4" -> throw new SaeFileException(file, "dtype '" + header.descr()
                    + "' is big-endian; save it little-endian (arr.astype('<" + header.descr().substring(1) + "'))");
            default -> throw new SaeFileException(file, "dtype '" + header.descr() + "' is not supported (expected '<f4', '<f2', '<f8' or '<i4')");
        };
        if (header.fortranOrder()) throw new SaeFileException(file, "array is in Fortran order; save it in C order (np.ascontiguousarray)");
        long[] shape = header.shape();
        long dataStart = headerStart + headerBytes;
        long expected = dtype.byteSize();
        try {
            for (long d : shape) expected = Math.multiplyExact(expected, d);
        } catch (ArithmeticException e) {
            throw new SaeFileException(file, "shape " + Arrays.toString(shape) + " is impossibly large");
        }
        if (size - dataStart != expected)
            throw new SaeFileException(file, "holds " + (size - dataStart) + " data bytes but " + header.descr() + " " + Arrays.toString(shape)
                    + " needs " + expected + (size - dataStart < expected ? ": truncated" : ""));
        return new MappedTensor(file, null, dtype, shape, all.asSlice(dataStart, expected));
    }

    /** Fills a block of consecutive rows of an array being written. */
    @FunctionalInterface
    public interface RowBlocks {
        /** Writes rows [firstRow, firstRow + block.rows()) into {@code block}. */
        void fill(long firstRow, Matrix block);
    }

    /** Rows per block when streaming: about 8 MiB of float32 at a time. */
    private static final long BLOCK_BYTES = 8L << 20;

    /** Writes {@code m} as an (rows, cols) array of {@code dtype} (F32 or F16), version 1, atomically. */
    public static void write(Path target, Matrix m, DType dtype) {
        write(target, m.rows(), m.cols(), dtype, (first, block) -> block.copyFrom(m.rows((int) first, block.rows())));
    }

    /**
     * Writes a (rows, cols) array of {@code dtype} (F32 or F16), version 1, atomically, asking
     * {@code blocks} for its rows a block at a time so that arrays larger than memory stream to disk.
     */
    public static void write(Path target, long rows, int cols, DType dtype, RowBlocks blocks) {
        int blockRows = (int) Math.max(1, Math.min(rows, BLOCK_BYTES / ((long) Math.max(1, cols) * Float.BYTES)));
        try (Writer writer = writer(target, rows, cols, dtype); Arena arena = Arena.ofConfined()) {
            Matrix block = Matrix.allocate(arena, blockRows, cols);
            for (long first = 0; first < rows; first += blockRows) {
                Matrix view = block.rows(0, (int) Math.min(blockRows, rows - first));
                blocks.fill(first, view);
                writer.append(view);
            }
            writer.commit();
        }
    }

    /** Starts an (rows, cols) array of {@code dtype} (F32, F16 or I32), version 1, whose rows are then appended in order. */
    public static Writer writer(Path target, long rows, int cols, DType dtype) { return new Writer(target, rows, cols, dtype); }

    /**
     * An array being written a block of rows at a time, for producers that push rows (several
     * arrays filled from one computation). {@link #commit} after the last row puts the file in
     * place; closing without a commit leaves nothing behind.
     */
    public static final class Writer implements AutoCloseable {
        private final AtomicFiles.Pending file;
        private final long rows;
        private final int cols;
        private final DType dtype;
        private long written;

        private Writer(Path target, long rows, int cols, DType dtype) {
            if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.I32)
                throw new IllegalArgumentException("writing " + dtype + " .npy files is not supported (F32, F16 or I32)");
            this.rows = rows;
            this.cols = cols;
            this.dtype = dtype;
            this.file = AtomicFiles.create(target);
            try {
                TensorBytes.write(file.channel(), header(descr(dtype), rows, cols));
            } catch (IOException e) {
                file.close();
                throw new SaeFileException(target, "cannot write: " + e, e);
            }
        }

        /** Appends {@code block}'s rows after those already written (an F32 or F16 array). */
        public void append(Matrix block) {
            if (dtype == DType.I32) throw new IllegalArgumentException(file.target() + " holds int32: append int rows");
            if (block.cols() != cols) throw new IllegalArgumentException("rows of " + block.cols() + " values for an array of " + cols + " columns");
            room(block.rows());
            try {
                TensorBytes.write(file.channel(), block, dtype);
            } catch (IOException e) {
                throw new SaeFileException(file.target(), "cannot write: " + e, e);
            }
            written += block.rows();
        }

        /** Appends the first {@code count} rows of row-major {@code values} (an I32 array). */
        public void append(int[] values, int count) {
            if (dtype != DType.I32) throw new IllegalArgumentException(file.target() + " holds " + dtype + ": append float rows");
            if ((long) count * cols > values.length) throw new IllegalArgumentException(count + " rows of " + cols + " from " + values.length + " values");
            room(count);
            try {
                TensorBytes.write(file.channel(), values, count * cols);
            } catch (IOException e) {
                throw new SaeFileException(file.target(), "cannot write: " + e, e);
            }
            written += count;
        }

        private void room(int count) {
            if (written + count > rows) throw new IllegalArgumentException("more than the " + rows + " rows declared in the header of " + file.target());
        }

        /** Puts the file in place; every declared row must have been appended. */
        public void commit() {
            if (written != rows) throw new IllegalStateException(file.target() + ": " + written + " of " + rows + " rows written");
            file.commit();
        }

        @Override public void close() { file.close(); }
    }

    /** numpy's name of a type saestitch reads or writes. */
    private static String descr(DType dtype) {
        return switch (dtype) {
            case F32 -> "<f4";
            case F16 -> "<f2";
            case F64 -> "<f8";
            case I32 -> "<i4";
            default -> throw new IllegalArgumentException(dtype + " has no .npy name here");
        };
    }

    /** A version 1.0 header for a C-order (rows, cols) array, padded so the data starts on a 64-byte boundary. */
    private static byte[] header(String descr, long rows, int cols) {
        String text = new NpyHeader(descr, false, new long[] {rows, cols}).format();
        int preamble = MAGIC.length + 2 + 2;
        int total = (preamble + text.length() + 1 + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
        String padded = text + " ".repeat(total - preamble - text.length() - 1) + "\n";
        byte[] head = new byte[total];
        System.arraycopy(MAGIC, 0, head, 0, MAGIC.length);
        head[6] = 1; // version 1.0
        head[7] = 0;
        int headerBytes = total - preamble;
        head[8] = (byte) headerBytes;
        head[9] = (byte) (headerBytes >>> 8);
        System.arraycopy(padded.getBytes(StandardCharsets.ISO_8859_1), 0, head, preamble, headerBytes);
        return head;
    }
}
