package dev.saestitch.backend.cuda;

import dev.saestitch.tensor.SparseCodes;

/**
 * Sparse codes whose three arrays are in device memory. The entry count is read from the device
 * only when the host asks for it ({@link #nnz()}, one 4-byte copy and a synchronize) unless the op
 * that wrote the codes already knew it; element access on the host is refused.
 */
final class DeviceCodes extends SparseCodes {

    private final DeviceMemory memory;
    private long knownNnz = 0;  // a fresh rowStart is zero-filled: no entries

    DeviceCodes(DeviceMemory memory, int batch, int latents, long capacity) {
        super(batch, latents, capacity, memory);
        this.memory = memory;
    }

    /** Room for {@code rows} rows and {@code nnz} entries; the count becomes unknown until {@link #know}. */
    @Override
    public void reset(int rows, long nnz) {
        super.reset(rows, nnz);
        knownNnz = -1;
    }

    /** The op that wrote these codes knows how many entries it wrote (−1: it does not). */
    void know(long nnz) { knownNnz = nnz; }

    /** The count when known on the host without a copy, else −1. */
    long knownNnz() { return knownNnz; }

    @Override
    public long nnz() {
        if (knownNnz < 0) knownNnz = memory.readInt(rowStartSegment(), rows());
        return knownNnz;
    }

    @Override public int rowStart(int b) { throw onDevice(); }
    @Override public void setRowStart(int b, int start) { throw onDevice(); }
    @Override public int index(long e) { throw onDevice(); }
    @Override public void setIndex(long e, int latent) { throw onDevice(); }
    @Override public float value(long e) { throw onDevice(); }
    @Override public void setValue(long e, float v) { throw onDevice(); }

    private static UnsupportedOperationException onDevice() {
        return new UnsupportedOperationException("these sparse codes are in CUDA device memory: the host cannot read or write their entries");
    }
}
