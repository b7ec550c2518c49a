package dev.saestitch.backend.cpu;

import dev.saestitch.backend.Backend;
import dev.saestitch.backend.Shapes;
import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static dev.saestitch.backend.Shapes.requireColumns;
import static dev.saestitch.backend.Shapes.requireSameShape;
import static dev.saestitch.backend.Shapes.requireSize;
import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The host backend: dense products through a {@link Gemm} (OpenBLAS when it loads, else the
 * portable Java one), everything else as row-parallel Java loops on the matrices' segments.
 */
public final class CpuBackend implements Backend {

    static final int ROW_GRAIN = 8;
    /** Elements of each Adam block staged on the heap (four arrays of 16 KiB). */
    private static final int ADAM_BLOCK = 4096;

    /**
     * Above this fraction of non-zero codes the sparse products run as dense GEMMs: BLAS does about
     * 50 times the flops per second of the scalar sparse loops, so at 2% density the two cost the
     * same (ReLU and JumpReLU early in training are far denser).
     */
    static final double DENSE_DENSITY = 0.02;

    private final Gemm gemm;
    private final String reason;
    private final double denseDensity;
    private final DenseScratch scratch = new DenseScratch();
    private final TileFold fold = TileFold.fastest();
    private final RowAxpy rowAxpy = RowAxpy.fastest();
    private final SampledDots sampledDots = SampledDots.fastest();

    /** @param reason why this product implementation was chosen, shown by {@link #describe()} */
    public CpuBackend(Gemm gemm, String reason) {
        this(gemm, reason, DENSE_DENSITY);
    }

    /** With another switch-over density (tests force each path with 0 and infinity). */
    CpuBackend(Gemm gemm, String reason, double denseDensity) {
        this.gemm = Objects.requireNonNull(gemm);
        this.reason = reason;
        this.denseDensity = denseDensity;
    }

    private boolean dense(SparseCodes codes) {
        return codes.nnz() > denseDensity * codes.rows() * (double) codes.latents();
    }

    @Override public String name() { return "cpu"; }

    @Override public String describe() {
        return "cpu: " + gemm.describe() + ", " + Parallel.threads() + " threads for element-wise ops" + (reason.isEmpty() ? "" : " (" + reason + ")");
    }

    /** E.g. "cpu, OpenBLAS 0.3.30, Haswell kernels, 2 threads"; with the portable product, where to read why. */
    @Override public String summary() {
        return "cpu, " + gemm.summary() + ", " + Parallel.threads() + " threads" + (gemm instanceof JavaGemm ? " (`saestitch info` says why no BLAS)" : "");
    }

    // ---- memory ----

    @Override public Matrix allocate(Arena arena, int rows, int cols) { return Matrix.allocate(arena, rows, cols); }

    @Override public SparseCodes newCodes(int batch, int latents, long capacity) { return new SparseCodes(batch, latents, capacity); }

    @Override public void upload(Matrix host, Matrix dst) { dst.copyFrom(host); }

    @Override public void download(Matrix src, Matrix host) { host.copyFrom(src); }

    @Override public void copy(Matrix src, Matrix dst) { dst.copyFrom(src); }

    @Override public void synchronize() {}

    @Override public void close() { scratch.close(); }

    // ---- dense ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        gemm.gemm(transA, transB, alpha, a, b, beta, c);
    }

    /** Fused: each core scans its own cache-sized tiles as its GEMM writes them ({@link FusedMaxDots}); the tile bounds only cap the tiles. */
    @Override
    public DotMaxima maxDots(Matrix a, Matrix b, int tileRows, int tileCols) {
        return scanDots(a, b, tileRows, tileCols, Float.POSITIVE_INFINITY).maxima();
    }

    @Override
    public DotScan scanDots(Matrix a, Matrix b, int tileRows, int tileCols, float cut) {
        requireColumns(b, a.cols(), "second factor");
        if (tileRows <= 0 || tileCols <= 0) throw new IllegalArgumentException("tile " + tileRows + "x" + tileCols + " must be positive");
        return FusedMaxDots.compute(gemm, fold, a, b, Math.min(tileRows, FusedMaxDots.bandRows(a.rows())), Math.min(tileCols, FusedMaxDots.BLOCK_COLS), cut);
    }

    @Override
    public void addRowVector(Matrix m, Matrix row, float alpha) {
        requireSize(row, m.cols(), "row vector");
        int cols = m.cols();
        MemorySegment md = m.data();
        float[] add = row.toArray();
        for (int c = 0; c < cols; c++) add[c] *= alpha;
        Parallel.forRange(m.rows(), ROW_GRAIN, (from, to) -> {
            float[] buffer = new float[cols];
            for (int r = from; r < to; r++) {
                long offset = (long) r * cols * Float.BYTES;
                MemorySegment.copy(md, FLOAT, offset, buffer, 0, cols);
                for (int c = 0; c < cols; c++) buffer[c] += add[c];
                MemorySegment.copy(buffer, 0, md, FLOAT, offset, cols);
            }
        });
    }

    @Override
    public void axpy(float alpha, Matrix x, Matrix y) {
        requireSameShape(x, y);
        MemorySegment xd = x.data(), yd = y.data();
        forFlat(y, (from, to) -> {
            for (long i = from; i < to; i++) yd.setAtIndex(FLOAT, i, yd.getAtIndex(FLOAT, i) + alpha * xd.getAtIndex(FLOAT, i));
        });
    }

    @Override
    public void scale(Matrix m, float s) {
        MemorySegment d = m.data();
        forFlat(m, (from, to) -> {
            for (long i = from; i < to; i++) d.setAtIndex(FLOAT, i, d.getAtIndex(FLOAT, i) * s);
        });
    }

    @Override
    public void subtract(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSameShape(a, out);
        MemorySegment ad = a.data(), bd = b.data(), od = out.data();
        forFlat(out, (from, to) -> {
            for (long i = from; i < to; i++) od.setAtIndex(FLOAT, i, ad.getAtIndex(FLOAT, i) - bd.getAtIndex(FLOAT, i));
        });
    }

    @Override
    public void clampMin(Matrix m, float floor) {
        MemorySegment d = m.data();
        forFlat(m, (from, to) -> {
            for (long i = from; i < to; i++) d.setAtIndex(FLOAT, i, Math.max(floor, d.getAtIndex(FLOAT, i)));
        });
    }

    @Override
    public void columnSums(Matrix m, float alpha, float beta, Matrix out) {
        requireSize(out, m.cols(), "column sums");
        int cols = m.cols(), rows = m.rows();
        MemorySegment md = m.data(), od = out.data();
        Parallel.forRange(cols, 64, (from, to) -> {
            double[] acc = new double[to - from];
            float[] row = new float[to - from];   // each row's slice staged on the heap: the loop then runs without segment checks
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(md, FLOAT, ((long) r * cols + from) * Float.BYTES, row, 0, to - from);
                for (int c = 0; c < row.length; c++) acc[c] += row[c];
            }
            for (int c = from; c < to; c++) {
                float old = beta == 0f ? 0f : beta * od.getAtIndex(FLOAT, c);
                od.setAtIndex(FLOAT, c, (float) (alpha * acc[c - from]) + old);
            }
        });
    }

    @Override
    public void rowNorms(Matrix m, Matrix out) {
        requireSize(out, m.rows(), "row norms");
        int cols = m.cols();
        MemorySegment md = m.data(), od = out.data();
        Parallel.forRange(m.rows(), ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) od.setAtIndex(FLOAT, r, (float) Math.sqrt(dot(md, (long) r * cols, md, (long) r * cols, cols)));
        });
    }

    @Override
    public void rowSquaredDistances(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSize(out, a.rows(), "row distances");
        int cols = a.cols();
        MemorySegment ad = a.data(), bd = b.data(), od = out.data();
        Parallel.forRange(a.rows(), ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                long base = (long) r * cols;
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    double d = ad.getAtIndex(FLOAT, base + c) - bd.getAtIndex(FLOAT, base + c);
                    s += d * d;
                }
                od.setAtIndex(FLOAT, r, (float) s);
            }
        });
    }

    @Override
    public double sumSquares(Matrix m) {
        MemorySegment d = m.data();
        int rows = m.rows(), cols = m.cols();
        double[] partial = new double[rows];
        Parallel.forRange(rows, ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) partial[r] = dot(d, (long) r * cols, d, (long) r * cols, cols);
        });
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }

    // ---- activation rules ----

    @Override
    public void selectAbove(Matrix z, Matrix threshold, SparseCodes out) {
        int f = z.cols();
        if (threshold != null) requireSize(threshold, f, "threshold");
        float[] theta = threshold == null ? new float[f] : threshold.toArray();
        RowChunks.write(RowChunks.scan(z, true, () -> (r, row, chunk) -> {
            for (int i = 0; i < f; i++) if (row[i] > theta[i]) chunk.add(i, row[i]);
        }), z.rows(), out);
    }

    @Override
    public void selectBand(Matrix z, Matrix centre, float halfWidth, SparseCodes out) {
        int f = z.cols();
        requireSize(centre, f, "band centre");
        float[] c = centre.toArray();
        RowChunks.write(RowChunks.scan(z, true, () -> (r, row, chunk) -> {
            for (int i = 0; i < f; i++) if (Math.abs(row[i] - c[i]) < halfWidth) chunk.add(i, row[i]);
        }), z.rows(), out);
    }

    @Override
    public void selectTopK(Matrix z, int k, Matrix eligible, SparseCodes out) {
        int f = z.cols();
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        if (eligible == null) {
            RowChunks.write(RowChunks.scan(z, true, () -> {
                TopKSelector top = new TopKSelector(Math.min(k, f));
                return (r, row, chunk) -> top.selectRow(row, f, chunk);
            }), z.rows(), out);
            return;
        }
        requireSize(eligible, f, "eligibility mask");
        // Aux-k looks at the dead latents only, usually few: visit just those columns.
        int[] columns = eligibleColumns(eligible);
        MemorySegment zd = z.data();
        RowChunks.write(RowChunks.scan(z, false, () -> {
            TopKSelector top = new TopKSelector(Math.max(1, Math.min(k, columns.length)));
            return (r, ignored, chunk) -> {
                top.clear();
                long base = (long) r * f;
                float floor = top.floor();
                for (int i : columns) {
                    float v = zd.getAtIndex(FLOAT, base + i);
                    if (v > floor) {
                        top.offer(v, i);
                        floor = top.floor();
                    }
                }
                top.drainInto(chunk);
            };
        }), z.rows(), out);
    }

    private static int[] eligibleColumns(Matrix eligible) {
        float[] mask = eligible.toArray();
        int n = 0;
        for (float m : mask) if (m != 0f) n++;
        int[] columns = new int[n];
        for (int i = 0, j = 0; i < mask.length; i++) if (mask[i] != 0f) columns[j++] = i;
        return columns;
    }

    @Override
    public float selectBatchTopK(Matrix z, int k, SparseCodes out) {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        return BatchTopK.select(z, k, out);
    }

    // ---- sparse products ----

    @Override
    public void sparseDecode(SparseCodes codes, Matrix w, Matrix bias, Matrix out) {
        int d = w.cols();
        requireColumns(out, d, "decode output");
        if (out.rows() != codes.rows()) throw new IllegalArgumentException("decode output has " + out.rows() + " rows for " + codes.rows() + " code rows");
        if (bias != null) requireSize(bias, d, "decoder bias");
        if (dense(codes)) {
            if (bias == null) gemm.gemm(false, false, 1f, scratch.scatter(codes), w, 0f, out);
            else {
                for (int r = 0; r < out.rows(); r++) out.rows(r, 1).copyFrom(bias.flat());
                gemm.gemm(false, false, 1f, scratch.scatter(codes), w, 1f, out);
            }
            return;
        }
        MemorySegment wd = w.data(), od = out.data();
        float[] b = bias == null ? new float[d] : bias.toArray();
        Parallel.forRange(codes.rows(), ROW_GRAIN, (from, to) -> {
            float[] acc = new float[d], wRow = new float[d];
            for (int r = from; r < to; r++) {
                System.arraycopy(b, 0, acc, 0, d);
                for (int e = codes.rowStart(r), end = codes.rowStart(r + 1); e < end; e++)
                    rowAxpy.add(acc, codes.value(e), wd, (long) codes.index(e) * d, d, wRow);
                MemorySegment.copy(acc, 0, od, FLOAT, (long) r * d * Float.BYTES, d);
            }
        });
    }

    @Override
    public void sparseTransposeProduct(SparseCodes codes, float alpha, Matrix dense, Matrix out) {
        int d = dense.cols();
        requireColumns(out, d, "transpose product output");
        if (dense.rows() != codes.rows()) throw new IllegalArgumentException("dense operand has " + dense.rows() + " rows for " + codes.rows() + " code rows");
        if (dense(codes)) {
            gemm.gemm(true, false, alpha, scratch.scatter(codes), dense, 1f, out);
            return;
        }
        CodesByLatent byLatent = CodesByLatent.of(codes, out.rows());
        MemorySegment dd = dense.data(), od = out.data();
        Parallel.forRange(out.rows(), ROW_GRAIN, (from, to) -> {
            float[] acc = new float[d], denseRow = new float[d];
            for (int i = from; i < to; i++) {
                int s = byLatent.start(i), end = byLatent.start(i + 1);
                if (s == end) continue;
                long outOffset = (long) i * d * Float.BYTES;
                MemorySegment.copy(od, FLOAT, outOffset, acc, 0, d);
                for (int p = s; p < end; p++) rowAxpy.add(acc, alpha * byLatent.value(p), dd, (long) byLatent.row(p) * d, d, denseRow);
                MemorySegment.copy(acc, 0, od, FLOAT, outOffset, d);
            }
        });
    }

    @Override
    public void sampledDot(SparseCodes pattern, Matrix a, Matrix w, SparseCodes out) {
        int d = a.cols();
        requireColumns(w, d, "sampled dot weights");
        if (a.rows() != pattern.rows()) throw new IllegalArgumentException("sampled dot: operand has " + a.rows() + " rows for codes of " + pattern.rows() + " rows");
        out.reset(pattern.rows(), pattern.nnz());
        MemorySegment.copy(pattern.rowStartSegment(), 0, out.rowStartSegment(), 0, (pattern.rows() + 1L) * Integer.BYTES);
        MemorySegment.copy(pattern.indexSegment(), 0, out.indexSegment(), 0, pattern.nnz() * Integer.BYTES);
        if (dense(pattern)) {
            Matrix products = scratch.matrix(pattern.rows(), w.rows());
            gemm.gemm(false, true, 1f, a, w, 0f, products);
            Parallel.forRange(pattern.rows(), ROW_GRAIN, (from, to) -> {
                for (int r = from; r < to; r++)
                    for (int e = pattern.rowStart(r), end = pattern.rowStart(r + 1); e < end; e++)
                        out.setValue(e, products.get(r, pattern.index(e)));
            });
            return;
        }
        sampledDots.compute(pattern, a, w, out);
    }

    @Override
    public void sparseColumnSums(SparseCodes codes, float alpha, Matrix out) {
        requireSize(out, codes.latents(), "sparse column sums");
        MemorySegment od = out.data();
        for (long e = 0, n = codes.nnz(); e < n; e++) {
            int i = codes.index(e);
            od.setAtIndex(FLOAT, i, od.getAtIndex(FLOAT, i) + alpha * codes.value(e));
        }
    }

    @Override
    public void sparseColumnProducts(SparseCodes a, SparseCodes b, float alpha, Matrix out) {
        requireSize(out, a.latents(), "sparse column products");
        if (b.rows() != a.rows() || b.nnz() != a.nnz())
            throw new IllegalArgumentException("sparse column products: operands differ in pattern (" + a.rows() + " rows, " + a.nnz() + " entries vs " + b.rows() + ", " + b.nnz() + ")");
        double[] acc = new double[a.latents()];
        for (long e = 0, n = a.nnz(); e < n; e++) acc[a.index(e)] += (double) a.value(e) * b.value(e);
        MemorySegment od = out.data();
        for (int i = 0; i < acc.length; i++) if (acc[i] != 0) od.setAtIndex(FLOAT, i, od.getAtIndex(FLOAT, i) + (float) (alpha * acc[i]));
    }

    @Override
    public void updateSinceFired(SparseCodes codes, float tokens, Matrix sinceFired) {
        requireSize(sinceFired, codes.latents(), "tokens-since-fired counters");
        MemorySegment sd = sinceFired.data();
        // Saturate far above any dead-token threshold so that float rounding never matters.
        for (int i = 0; i < codes.latents(); i++) sd.setAtIndex(FLOAT, i, Math.min(1e12f, sd.getAtIndex(FLOAT, i) + tokens));
        for (long e = 0, n = codes.nnz(); e < n; e++) sd.setAtIndex(FLOAT, codes.index(e), 0f);
    }

    @Override
    public void greaterEqual(Matrix a, float t, Matrix mask) {
        requireSameShape(a, mask);
        MemorySegment ad = a.data(), md = mask.data();
        forFlat(a, (from, to) -> {
            for (long i = from; i < to; i++) md.setAtIndex(FLOAT, i, ad.getAtIndex(FLOAT, i) >= t ? 1f : 0f);
        });
    }

    // ---- optimiser ----

    @Override
    public void adam(Matrix param, Matrix grad, Matrix m, Matrix v, float lr, float beta1, float beta2, float eps, long t) {
        requireSameShape(param, grad);
        requireSameShape(param, m);
        requireSameShape(param, v);
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        float stepSize = (float) (lr / c1);
        float rootC2 = (float) Math.sqrt(c2);
        MemorySegment pd = param.data(), gd = grad.data(), md = m.data(), vd = v.data();
        forFlat(param, (from, to) -> {
            // Blocks staged in heap arrays: the element loop then runs without segment checks and vectorises.
            float[] pb = new float[ADAM_BLOCK], gb = new float[ADAM_BLOCK], mb = new float[ADAM_BLOCK], vb = new float[ADAM_BLOCK];
            for (long start = from; start < to; start += ADAM_BLOCK) {
                int n = (int) Math.min(ADAM_BLOCK, to - start);
                long offset = start * Float.BYTES;
                MemorySegment.copy(pd, FLOAT, offset, pb, 0, n);
                MemorySegment.copy(gd, FLOAT, offset, gb, 0, n);
                MemorySegment.copy(md, FLOAT, offset, mb, 0, n);
                MemorySegment.copy(vd, FLOAT, offset, vb, 0, n);
                for (int i = 0; i < n; i++) {
                    float g = gb[i];
                    float mi = beta1 * mb[i] + (1 - beta1) * g;
                    float vi = beta2 * vb[i] + (1 - beta2) * g * g;
                    mb[i] = mi;
                    vb[i] = vi;
                    pb[i] -= stepSize * mi / ((float) Math.sqrt(vi) / rootC2 + eps);
                }
                MemorySegment.copy(pb, 0, pd, FLOAT, offset, n);
                MemorySegment.copy(mb, 0, md, FLOAT, offset, n);
                MemorySegment.copy(vb, 0, vd, FLOAT, offset, n);
            }
        });
    }

    @Override
    public void removeParallelComponent(Matrix rows, Matrix grad) {
        requireSameShape(rows, grad);
        int d = rows.cols();
        MemorySegment rd = rows.data(), gd = grad.data();
        Parallel.forRange(rows.rows(), ROW_GRAIN, (from, to) -> {
            float[] row = new float[d], g = new float[d];
            for (int r = from; r < to; r++) {
                long offset = (long) r * d * Float.BYTES;
                MemorySegment.copy(rd, FLOAT, offset, row, 0, d);
                double nn = dot(row, row, d);
                if (nn == 0) continue;
                MemorySegment.copy(gd, FLOAT, offset, g, 0, d);
                float coef = (float) (dot(g, row, d) / nn);
                for (int c = 0; c < d; c++) g[c] -= coef * row[c];
                MemorySegment.copy(g, 0, gd, FLOAT, offset, d);
            }
        });
    }

    @Override
    public void normaliseRows(Matrix rows) {
        int d = rows.cols();
        MemorySegment rd = rows.data();
        Parallel.forRange(rows.rows(), ROW_GRAIN, (from, to) -> {
            float[] row = new float[d];
            for (int r = from; r < to; r++) {
                long offset = (long) r * d * Float.BYTES;
                MemorySegment.copy(rd, FLOAT, offset, row, 0, d);
                double norm = Math.sqrt(dot(row, row, d));
                if (norm == 0) continue;
                float inv = (float) (1 / norm);
                for (int c = 0; c < d; c++) row[c] *= inv;
                MemorySegment.copy(row, 0, rd, FLOAT, offset, d);
            }
        });
    }

    // ---- element-wise and sparse helpers of the analytic SAE gradients ----

    @Override
    public void fill(Matrix m, float value) {
        MemorySegment d = m.data();
        forFlat(m, (from, to) -> {
            for (long i = from; i < to; i++) d.setAtIndex(FLOAT, i, value);
        });
    }

    @Override
    public void multiply(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSameShape(a, out);
        MemorySegment ad = a.data(), bd = b.data(), od = out.data();
        forFlat(out, (from, to) -> {
            for (long i = from; i < to; i++) od.setAtIndex(FLOAT, i, ad.getAtIndex(FLOAT, i) * bd.getAtIndex(FLOAT, i));
        });
    }

    @Override
    public void divide(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSameShape(a, out);
        MemorySegment ad = a.data(), bd = b.data(), od = out.data();
        forFlat(out, (from, to) -> {
            for (long i = from; i < to; i++) {
                float den = bd.getAtIndex(FLOAT, i);
                od.setAtIndex(FLOAT, i, den == 0f ? 0f : ad.getAtIndex(FLOAT, i) / den);
            }
        });
    }

    @Override
    public void addScaledRows(Matrix src, Matrix perRow, float alpha, Matrix dst) {
        requireSameShape(src, dst);
        requireSize(perRow, src.rows(), "per-row factors");
        int d = src.cols();
        MemorySegment sd = src.data(), pd = perRow.data(), dd = dst.data();
        Parallel.forRange(src.rows(), ROW_GRAIN, (from, to) -> {
            for (int r = from; r < to; r++) {
                float f = alpha * pd.getAtIndex(FLOAT, r);
                if (f == 0f) continue;
                long base = (long) r * d;
                for (int c = 0; c < d; c++) dd.setAtIndex(FLOAT, base + c, dd.getAtIndex(FLOAT, base + c) + f * sd.getAtIndex(FLOAT, base + c));
            }
        });
    }

    @Override
    public void sparseAddByLatent(SparseCodes codes, float alpha, Matrix perLatent) {
        requireSize(perLatent, codes.latents(), "per-latent values");
        MemorySegment pd = perLatent.data();
        for (long e = 0, n = codes.nnz(); e < n; e++) codes.setValue(e, codes.value(e) + alpha * pd.getAtIndex(FLOAT, codes.index(e)));
    }

    @Override
    public void sparseColumnCounts(SparseCodes codes, float alpha, Matrix out) {
        requireSize(out, codes.latents(), "sparse column counts");
        long[] counts = new long[codes.latents()];
        for (long e = 0, n = codes.nnz(); e < n; e++) counts[codes.index(e)]++;
        MemorySegment od = out.data();
        for (int i = 0; i < counts.length; i++)
            if (counts[i] != 0) od.setAtIndex(FLOAT, i, od.getAtIndex(FLOAT, i) + (float) (alpha * (double) counts[i]));
    }

    @Override
    public void addCompensated(Matrix x, Matrix sum, Matrix error) {
        requireSameShape(x, sum);
        requireSameShape(x, error);
        MemorySegment xd = x.data(), sd = sum.data(), ed = error.data();
        forFlat(x, (from, to) -> {
            for (long i = from; i < to; i++) {
                // Java float arithmetic is IEEE round-to-nearest without contraction: the error terms are exact.
                float a = sd.getAtIndex(FLOAT, i), b = xd.getAtIndex(FLOAT, i);
                float s = a + b, bb = s - a;
                float e = (a - (s - bb)) + (b - bb) + ed.getAtIndex(FLOAT, i);
                float hi = s + e;
                sd.setAtIndex(FLOAT, i, hi);
                ed.setAtIndex(FLOAT, i, e - (hi - s));
            }
        });
    }

    // ---- helpers ----

    private static void forFlat(Matrix m, FlatBody body) {
        long n = m.size();
        int blocks = (int) Math.max(1, Math.min(Parallel.threads() * 4L, n / 65536));
        Parallel.forRange(blocks, 1, (from, to) -> body.run(n * from / blocks, n * to / blocks));
    }

    @Override
    public void gatherCodes(SparseCodes[] parts, Matrix[] positions, SparseCodes out) {
        int rows = Shapes.requireParts(parts, positions);
        long nnz = 0;
        for (int s = 0; s < parts.length; s++)
            for (long e = 0, end = parts[s].nnz(); e < end; e++) if (positions[s].getFlat(parts[s].index(e)) >= 0) nnz++;
        out.reset(rows, nnz);
        int at = 0;
        for (int r = 0; r < rows; r++) {
            out.setRowStart(r, at);
            for (int s = 0; s < parts.length; s++) {
                for (int e = parts[s].rowStart(r), end = parts[s].rowStart(r + 1); e < end; e++) {
                    float p = positions[s].getFlat(parts[s].index(e));
                    if (p < 0) continue;
                    out.setIndex(at, (int) p);
                    out.setValue(at++, parts[s].value(e));
                }
            }
        }
        out.setRowStart(rows, at);
    }

    @FunctionalInterface private interface FlatBody { void run(long from, long to); }

    /** Σ a_i·b_i in float64, in index order (the segment form's order, so results do not depend on which form ran). */
    private static double dot(float[] a, float[] b, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** The same sum on segments, from element ao of a and bo of b. */
    static double dot(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a.getAtIndex(FLOAT, ao + i) * b.getAtIndex(FLOAT, bo + i);
        return s;
    }
}
