package dev.saestitch.backend.cpu;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The SIMD {@link SampledDots}: each dot summed in float64 lanes (floats widened, multiplied
 * exactly, added lane by lane, the lanes added at the end), then checked so that it rounds to the
 * same float32 as the column-order chain of the scalar form. Both sums lie within
 * 2γ_{D}·Σ|a_c·w_c| ≤ 2γ_{D}·‖a‖·‖w‖ of the exact dot (any order of D additions; the products
 * are exact in float64). Where the lane sum minus and plus that slack round to the same float32,
 * so does the chain (rounding is monotone); elsewhere, at a float32 rounding boundary, the
 * entry is summed again as the chain. At D = 384 the slack is about 1e-13 of ‖a‖·‖w‖ against
 * float32's 6e-8, so nearly every entry keeps its lane sum.
 */
final class VectorSampledDots implements SampledDots {

    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** As many float lanes as double lanes, in half the bits: one load widens into one double vector. */
    private static final VectorSpecies<Float> FLOATS = VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));

    @Override
    public void compute(SparseCodes pattern, Matrix a, Matrix w, SparseCodes out) {
        int d = a.cols();
        MemorySegment ad = a.data(), wd = w.data();
        double[] wNorm = rowNorms(wd, w.rows(), d);
        // 2γ_D with γ_n = n·u/(1 − n·u), u = 2⁻⁵³, doubled again: room for the rounding of the norms and of s ± slack.
        double slackPerNorm = 4.0 * (d + 2) * 0x1p-53;
        Parallel.forRange(pattern.rows(), CpuBackend.ROW_GRAIN, (from, to) -> {
            double[] aRow = new double[d], sums = new double[4];
            for (int r = from; r < to; r++) {
                long aAt = (long) r * d;
                double squares = 0;
                for (int c = 0; c < d; c++) {
                    aRow[c] = ad.getAtIndex(FLOAT, aAt + c);
                    squares += aRow[c] * aRow[c];
                }
                double aSlack = slackPerNorm * Math.sqrt(squares);
                int e = pattern.rowStart(r), end = pattern.rowStart(r + 1);
                for (; e + 4 <= end; e += 4) {
                    laneDots(aRow, wd, (long) pattern.index(e) * d, (long) pattern.index(e + 1) * d, (long) pattern.index(e + 2) * d, (long) pattern.index(e + 3) * d, d, sums);
                    for (int q = 0; q < 4; q++) settle(sums[q], aSlack, wNorm, pattern.index(e + q), ad, aAt, wd, d, out, e + q);
                }
                for (; e < end; e++) settle(laneDot(aRow, wd, (long) pattern.index(e) * d, d), aSlack, wNorm, pattern.index(e), ad, aAt, wd, d, out, e);
            }
        });
    }

    /** Writes entry e: the lane sum s where it settles the float32, else the column-order chain. */
    private static void settle(double s, double aSlack, double[] wNorm, int j, MemorySegment ad, long aAt, MemorySegment wd, int d, SparseCodes out, int e) {
        double slack = aSlack * wNorm[j];
        float low = (float) (s - slack);
        boolean settled = Double.isFinite(slack) && Float.floatToRawIntBits(low) == Float.floatToRawIntBits((float) (s + slack));
        out.setValue(e, settled ? low : (float) CpuBackend.dot(ad, aAt, wd, (long) j * d, d));
    }

    /** ‖w_j‖ of every row, in float64. */
    private static double[] rowNorms(MemorySegment wd, int rows, int d) {
        double[] norms = new double[rows];
        Parallel.forRange(rows, CpuBackend.ROW_GRAIN, (from, to) -> {
            for (int j = from; j < to; j++) norms[j] = Math.sqrt(CpuBackend.dot(wd, (long) j * d, wd, (long) j * d, d));
        });
        return norms;
    }

    /** Σ a_c·w[at + c] in float64 lanes, two accumulators to hide the adder's latency. */
    static double laneDot(double[] a, MemorySegment w, long at, int d) {
        int lanes = DOUBLES.length(), c = 0;
        DoubleVector s0 = DoubleVector.zero(DOUBLES), s1 = DoubleVector.zero(DOUBLES);
        for (; c + 2 * lanes <= d; c += 2 * lanes) {
            s0 = DoubleVector.fromArray(DOUBLES, a, c).fma(widened(w, at + c), s0);
            s1 = DoubleVector.fromArray(DOUBLES, a, c + lanes).fma(widened(w, at + c + lanes), s1);
        }
        for (; c + lanes <= d; c += lanes) s0 = DoubleVector.fromArray(DOUBLES, a, c).fma(widened(w, at + c), s0);
        double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) s += a[c] * w.getAtIndex(FLOAT, at + c);
        return s;
    }

    /** Four dots with a, from elements at0..at3 of w, into sums: each lane load of a serves four products. */
    private static void laneDots(double[] a, MemorySegment w, long at0, long at1, long at2, long at3, int d, double[] sums) {
        int lanes = DOUBLES.length(), c = 0;
        DoubleVector s0 = DoubleVector.zero(DOUBLES), s1 = s0, s2 = s0, s3 = s0;
        for (; c + lanes <= d; c += lanes) {
            DoubleVector x = DoubleVector.fromArray(DOUBLES, a, c);
            s0 = x.fma(widened(w, at0 + c), s0);
            s1 = x.fma(widened(w, at1 + c), s1);
            s2 = x.fma(widened(w, at2 + c), s2);
            s3 = x.fma(widened(w, at3 + c), s3);
        }
        sums[0] = s0.reduceLanes(VectorOperators.ADD);
        sums[1] = s1.reduceLanes(VectorOperators.ADD);
        sums[2] = s2.reduceLanes(VectorOperators.ADD);
        sums[3] = s3.reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) {
            sums[0] += a[c] * w.getAtIndex(FLOAT, at0 + c);
            sums[1] += a[c] * w.getAtIndex(FLOAT, at1 + c);
            sums[2] += a[c] * w.getAtIndex(FLOAT, at2 + c);
            sums[3] += a[c] * w.getAtIndex(FLOAT, at3 + c);
        }
    }

    /** The floats from element {@code at} on, widened to doubles (exactly). */
    private static DoubleVector widened(MemorySegment w, long at) {
        return (DoubleVector) FloatVector.fromMemorySegment(FLOATS, w, at * Float.BYTES, ByteOrder.nativeOrder()).convertShape(VectorOperators.F2D, DOUBLES, 0);
    }
}
