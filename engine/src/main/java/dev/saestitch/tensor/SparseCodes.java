package dev.saestitch.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sparse codes of a batch in CSR form: row b holds the entries
 * [rowStart(b), rowStart(b+1)) of {@code indices} (latent ids) and {@code values} (activations).
 * The object owns its memory and grows it when a batch needs more room, so a steady-state
 * training loop allocates nothing per batch. The arrays are in host memory, unless a device
 * backend's subclass passes a {@link Memory} that allocates them on its device (its element
 * accessors then refuse to run on the host).
 */
public class SparseCodes implements AutoCloseable {

    /** Allocates one of the three arrays in {@code arena}, zero-filled; the arena's closing frees it. */
    @FunctionalInterface
    public interface Memory {
        MemorySegment allocate(Arena arena, long bytes);
    }

    private static final Memory HOST = (arena, bytes) -> arena.allocate(bytes, Integer.BYTES);

    private final int latents;
    private final Memory memory;
    private int batch;
    private Arena arena;
    private MemorySegment rowStart; // int32[batch + 1]
    private MemorySegment indices;  // int32[capacity]
    private MemorySegment values;    // float32[capacity]
    private long capacity;

    public SparseCodes(int batch, int latents, long capacity) {
        this(batch, latents, capacity, HOST);
    }

    /** Codes whose arrays {@code memory} allocates (a device backend's). */
    protected SparseCodes(int batch, int latents, long capacity, Memory memory) {
        this.latents = latents;
        this.memory = memory;
        this.arena = Arena.ofShared();
        this.batch = batch;
        this.capacity = Math.max(1, capacity);
        try {
            this.rowStart = memory.allocate(arena, (batch + 1L) * Integer.BYTES);
            this.indices = memory.allocate(arena, this.capacity * Integer.BYTES);
            this.values = memory.allocate(arena, this.capacity * Float.BYTES);
        } catch (RuntimeException e) {  // e.g. device memory exhausted: free what was allocated
            arena.close();
            throw e;
        }
    }

    /** Makes room for {@code rows} rows and {@code nnz} entries, dropping the current contents if it must grow. */
    public void reset(int rows, long nnz) {
        if (rows > batch || nnz > capacity) {
            long newCapacity = Math.max(nnz, capacity + capacity / 2);
            int newBatch = Math.max(rows, batch);
            Arena grown = Arena.ofShared();
            MemorySegment newRowStart, newIndices, newValues;
            try {
                newRowStart = memory.allocate(grown, (newBatch + 1L) * Integer.BYTES);
                newIndices = memory.allocate(grown, newCapacity * Integer.BYTES);
                newValues = memory.allocate(grown, newCapacity * Float.BYTES);
            } catch (RuntimeException e) {  // the codes keep their old arrays; the partial new ones are freed
                grown.close();
                throw e;
            }
            arena.close();
            arena = grown;
            rowStart = newRowStart;
            indices = newIndices;
            values = newValues;
            capacity = newCapacity;
        }
        batch = rows;
    }

    public int rows() { return batch; }
    public int latents() { return latents; }

    /** Entries there is room for without growing. */
    public long capacity() { return capacity; }

    public int rowStart(int b) { return rowStart.getAtIndex(ValueLayout.JAVA_INT, b); }
    public void setRowStart(int b, int start) { rowStart.setAtIndex(ValueLayout.JAVA_INT, b, start); }
    public int index(long e) { return indices.getAtIndex(ValueLayout.JAVA_INT, e); }
    public void setIndex(long e, int latent) { indices.setAtIndex(ValueLayout.JAVA_INT, e, latent); }
    public float value(long e) { return values.getAtIndex(ValueLayout.JAVA_FLOAT, e); }
    public void setValue(long e, float v) { values.setAtIndex(ValueLayout.JAVA_FLOAT, e, v); }

    /** Total number of stored entries. */
    public long nnz() { return rowStart(batch); }

    public MemorySegment rowStartSegment() { return rowStart; }
    public MemorySegment indexSegment() { return indices; }
    public MemorySegment valueSegment() { return values; }

    @Override public void close() { arena.close(); }
}
