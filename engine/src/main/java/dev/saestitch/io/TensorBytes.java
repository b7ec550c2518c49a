package dev.saestitch.io;

import dev.saestitch.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** Streams a float32 matrix (or int32 values) into a channel as little-endian elements of a file's dtype. */
final class TensorBytes {

    private static final int CHUNK_BYTES = 1 << 20;

    private TensorBytes() {}

    /** Writes all of {@code m}, row-major, encoded as {@code dtype} (F32 or F16), through a 1 MiB staging buffer. */
    static void write(WritableByteChannel channel, Matrix m, DType dtype) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES);
        MemorySegment staging = MemorySegment.ofBuffer(buf);
        long perChunk = CHUNK_BYTES / dtype.byteSize();
        for (long done = 0, n = m.size(); done < n; ) {
            long count = Math.min(perChunk, n - done);
            dtype.fromFloat32(m.data(), done * Float.BYTES, staging, 0, count);
            buf.clear().limit(Math.toIntExact(count * dtype.byteSize()));
            while (buf.hasRemaining()) channel.write(buf);
            done += count;
        }
    }

    /** Writes {@code values[0, count)} as little-endian int32 through a 1 MiB staging buffer. */
    static void write(WritableByteChannel channel, int[] values, int count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.min(CHUNK_BYTES, Math.max(1, count) * Integer.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / Integer.BYTES;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            buf.clear();
            buf.asIntBuffer().put(values, done, n);
            buf.limit(n * Integer.BYTES);
            while (buf.hasRemaining()) channel.write(buf);
            done += n;
        }
    }

    /** Writes all of {@code bytes}. */
    static void write(WritableByteChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) channel.write(buf);
    }
}
