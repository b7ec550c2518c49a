package dev.saestitch.backend.cuda;

import dev.saestitch.tensor.SparseCodes;

/**
 * Sparse codes whose three arrays are in device memory, with a host copy made on demand so that
 * engine code written for host codes (metrics, the explorer, decoder refits) runs unchanged on the
 * CUDA backend (a composite SAE's codes are gathered on the device, {@code Backend.gatherCodes}).
 *
 * <p>Which copy is current is tracked: a kernel that writes the codes makes the device's current
 * ({@link #deviceWrote}); a host read downloads them first (one synchronize); a host write makes
 * the host copy current, and it is uploaded before the next kernel reads the codes
 * ({@link #beforeDeviceUse}). The entry count alone is read from the device without the rest
 * (4 bytes) unless the op that wrote the codes already knew it. The training step itself never
 * touches the host copy.
 */
final class DeviceCodes extends SparseCodes {

    /** Which copy holds the codes: after a reset, neither (their contents are undefined). */
    private enum Current { DEVICE, BOTH, HOST, NONE }

    private final DeviceMemory memory;
    private long knownNnz = 0;              // a fresh rowStart is zero-filled: no entries
    private Current current = Current.DEVICE;
    private SparseCodes mirror;             // the host copy, created on first host access
    private long resetNnz;

    DeviceCodes(DeviceMemory memory, int batch, int latents, long capacity) {
        super(batch, latents, capacity, memory);
        this.memory = memory;
    }

    /** Room for {@code rows} rows and {@code nnz} entries on the device (and in the host copy, if any); contents undefined. */
    @Override
    public void reset(int rows, long nnz) {
        super.reset(rows, nnz);
        knownNnz = -1;
        resetNnz = nnz;
        current = Current.NONE;
    }

    /** A kernel wrote the codes; {@code nnz} is their count when the op knows it, else −1. */
    void deviceWrote(long nnz) {
        knownNnz = nnz;
        current = Current.DEVICE;
    }

    /** Uploads what the host wrote, so that a kernel reads the current codes. */
    void beforeDeviceUse() {
        if (current != Current.HOST) return;
        long nnz = mirror.nnz();
        if (nnz > capacity()) super.reset(rows(), nnz);
        memory.hostToDevice(mirror.rowStartSegment(), rowStartSegment(), (rows() + 1L) * Integer.BYTES);
        memory.hostToDevice(mirror.indexSegment(), indexSegment(), nnz * Integer.BYTES);
        memory.hostToDevice(mirror.valueSegment(), valueSegment(), nnz * Float.BYTES);
        knownNnz = nnz;
        current = Current.BOTH;
    }

    /** The count when known on the host without a copy, else −1. */
    long knownNnz() {
        if (current == Current.HOST || current == Current.BOTH) return mirror.nnz();
        return knownNnz;
    }

    @Override
    public long nnz() {
        long n = knownNnz();
        if (n < 0) knownNnz = n = memory.readInt(rowStartSegment(), rows());
        return n;
    }

    /** The host copy, downloaded if the device's is newer. */
    private SparseCodes forReading() {
        if (current == Current.DEVICE || current == Current.NONE) {
            // After a reset without a writer the count is whatever the memory holds: keep it in bounds.
            long nnz = Math.clamp(nnz(), 0, capacity());
            mirror().reset(rows(), nnz);
            memory.deviceToHost(rowStartSegment(), mirror.rowStartSegment(), (rows() + 1L) * Integer.BYTES);
            memory.deviceToHost(indexSegment(), mirror.indexSegment(), nnz * Integer.BYTES);
            memory.deviceToHost(valueSegment(), mirror.valueSegment(), nnz * Float.BYTES);
            current = Current.BOTH;
        }
        return mirror;
    }

    /** The host copy, made current: after a reset an empty one of the reset's size, else a download. */
    private SparseCodes forWriting() {
        if (current == Current.NONE) mirror().reset(rows(), resetNnz);
        else forReading();
        current = Current.HOST;
        return mirror;
    }

    private SparseCodes mirror() {
        if (mirror == null) mirror = new SparseCodes(rows(), latents(), Math.max(1, resetNnz));
        return mirror;
    }

    @Override public int rowStart(int b) { return forReading().rowStart(b); }
    @Override public int index(long e) { return forReading().index(e); }
    @Override public float value(long e) { return forReading().value(e); }
    @Override public void setRowStart(int b, int start) { forWriting().setRowStart(b, start); }
    @Override public void setIndex(long e, int latent) { forWriting().setIndex(e, latent); }
    @Override public void setValue(long e, float v) { forWriting().setValue(e, v); }

    @Override
    public void close() {
        if (mirror != null) mirror.close();
        super.close();
    }
}
