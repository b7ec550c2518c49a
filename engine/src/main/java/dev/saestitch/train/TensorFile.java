package dev.saestitch.train;

import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoint's tensor file: named float32 matrices, written and read through a FileChannel
 * straight from and into native memory.
 *
 * <pre>
 *   "SAECKPT1"                                   8 bytes
 *   int32 count
 *   count × { int32 nameBytes, UTF-8 name, int32 rows, int32 cols, float32[rows·cols] }
 * </pre>
 * All numbers little-endian (the float data is copied in the platform's order, which the writer
 * and reader both check is little-endian).
 */
final class TensorFile {

    private static final byte[] MAGIC = "SAECKPT1".getBytes(StandardCharsets.US_ASCII);
    private static final long CHUNK = 1L << 30; // ByteBuffer views are limited to 2 GiB

    private TensorFile() {}

    /** Writes the host matrices in order and forces them to disk. */
    static void write(Path file, Map<String, Matrix> tensors) throws IOException {
        requireLittleEndian();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(tensors.size()).flip();
            writeFully(ch, head);
            for (Map.Entry<String, Matrix> e : tensors.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                Matrix m = e.getValue();
                ByteBuffer h = ByteBuffer.allocate(12 + name.length).order(ByteOrder.LITTLE_ENDIAN);
                h.putInt(name.length).put(name).putInt(m.rows()).putInt(m.cols()).flip();
                writeFully(ch, h);
                MemorySegment data = m.data().asSlice(0, m.byteSize());
                for (long off = 0; off < data.byteSize(); off += CHUNK)
                    writeFully(ch, data.asSlice(off, Math.min(CHUNK, data.byteSize() - off)).asByteBuffer());
            }
            ch.force(true);
        }
    }

    /** Reads every matrix into host memory owned by {@code arena}, in file order. */
    static Map<String, Matrix> read(Path file, Arena arena) throws IOException {
        requireLittleEndian();
        Map<String, Matrix> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = readFully(ch, file, 12);
            byte[] magic = new byte[MAGIC.length];
            head.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new CheckpointException(file, "not a saestitch checkpoint tensor file (bad magic)");
            int count = head.getInt();
            if (count < 0) throw new CheckpointException(file, "negative tensor count " + count);
            for (int t = 0; t < count; t++) {
                int nameLength = readFully(ch, file, 4).getInt();
                if (nameLength < 0 || nameLength > 4096) throw new CheckpointException(file, "tensor " + t + " has a name of " + nameLength + " bytes");
                String name = StandardCharsets.UTF_8.decode(readFully(ch, file, nameLength)).toString();
                ByteBuffer shape = readFully(ch, file, 8);
                int rows = shape.getInt(), cols = shape.getInt();
                if (rows < 0 || cols < 0) throw new CheckpointException(file, "tensor '" + name + "' has shape " + rows + "x" + cols);
                long bytes = (long) rows * cols * Float.BYTES;
                if (ch.position() + bytes > size)
                    throw new CheckpointException(file, "tensor '" + name + "' (" + rows + "x" + cols + ") runs past the end of the file");
                Matrix m = Matrix.allocate(arena, rows, cols);
                for (long off = 0; off < bytes; off += CHUNK) {
                    ByteBuffer dst = m.data().asSlice(off, Math.min(CHUNK, bytes - off)).asByteBuffer();
                    while (dst.hasRemaining()) if (ch.read(dst) < 0) throw new CheckpointException(file, "truncated in tensor '" + name + "'");
                }
                if (out.put(name, m) != null) throw new CheckpointException(file, "tensor '" + name + "' appears twice");
            }
            if (ch.position() != size) throw new CheckpointException(file, (size - ch.position()) + " unexpected bytes after the last tensor");
        }
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static ByteBuffer readFully(FileChannel ch, Path file, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) if (ch.read(b) < 0) throw new CheckpointException(file, "truncated (expected " + n + " more bytes)");
        return b.flip();
    }

    private static void requireLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new UnsupportedOperationException("checkpoint files are little-endian; this platform is " + ByteOrder.nativeOrder());
    }
}
