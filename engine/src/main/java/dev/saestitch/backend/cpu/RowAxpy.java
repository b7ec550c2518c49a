package dev.saestitch.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * acc += v·x for one row x of a host matrix: the inner step of the sparse decode and the sparse
 * transposed product. Every form computes each element as Java's scalar {@code acc[c] += v * x[c]}
 * does, one float32 product then one float32 sum, each rounded (never a fused multiply-add), so the
 * forms give the same bits and training runs do not depend on which one ran.
 */
interface RowAxpy {

    /**
     * @param x       the matrix's segment
     * @param element index of the row's first float in x
     * @param stage   a scratch row of at least d floats, for forms that copy the row to the heap first
     */
    void add(float[] acc, float v, MemorySegment x, long element, int d, float[] stage);

    /** The SIMD form where the JVM has the Vector API ({@link VectorModule}), else the scalar one. */
    static RowAxpy fastest() {
        return VectorModule.present() ? new VectorRowAxpy() : new ScalarRowAxpy();
    }
}
