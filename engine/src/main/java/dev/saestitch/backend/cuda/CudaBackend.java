package dev.saestitch.backend.cuda;

import dev.saestitch.backend.BackendUnavailableException;
import dev.saestitch.backend.Backend;
import dev.saestitch.backend.Shapes;
import dev.saestitch.backend.DotMaxima;
import dev.saestitch.backend.DotScan;
import dev.saestitch.backend.TiledProducts;
import dev.saestitch.backend.cpu.Gemm;
import dev.saestitch.bindings.cuda.CudaException;
import dev.saestitch.bindings.cuda.CudaLibraries;
import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.saestitch.backend.Shapes.requireColumns;
import static dev.saestitch.backend.Shapes.requireSameShape;
import static dev.saestitch.backend.Shapes.requireSize;
import static dev.saestitch.bindings.cuda.CudaException.check;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaMemGetInfo;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaStreamCreate;
import static dev.saestitch.bindings.cuda.cuda_runtime_api_h.cudaStreamDestroy;
import static dev.saestitch.bindings.cuda.saestitch_kernels_h.*;

/**
 * The backend on an NVIDIA GPU: dense products through cuBLAS (FP32 unless TF32 or BF16 is asked
 * for, see {@link GemmPrecision}), everything else through the kernels of native/. All work is
 * queued on one stream; the host waits only where an op returns a value to it (sums, the
 * BatchTopK cut, an entry count the host asks for) and in {@link #download} and {@link #synchronize}.
 *
 * <p>Matrices and codes of this backend live in device memory, owned by the caller's arena (a
 * matrix) or by the codes object, freed with {@code cudaFree} when those close. A matrix's host
 * accessors ({@code get}, {@code toArray}, ...) must not be used on them: they would read a device
 * address (move data with {@link #upload}/{@link #download}). Codes may be read and written on the
 * host: {@link DeviceCodes} copies them across on demand.
 */
public final class CudaBackend implements Backend {

    /**
     * Above this fraction of non-zero codes the sparse products run as a scatter and a dense GEMM,
     * as on the CPU backend. A first guess from the two costs on an H100 (gathers of D-float rows
     * from L2 against a (B, F) scatter and a TF32 GEMM: equal near 1%, near 5% for FP32 GEMMs);
     * to be measured on the device.
     */
    static final double DENSE_DENSITY = 0.02;

    private final CudaDevice device;
    private final MemorySegment stream;
    private final DeviceMemory memory;
    private final CublasGemm cublas;
    private final String reason;
    private final DeviceBuffer workspace, rowScratch, scalar, latentScratch, transposeWorkspace, denseScratch;
    private final double denseDensity;

    /**
     * Opens the backend on device 0.
     *
     * @param reason why this backend was chosen ("" when it was asked for), shown by {@link #describe()}
     * @throws BackendUnavailableException when it cannot run here, saying why
     */
    public CudaBackend(GemmPrecision precision, String reason) {
        this(precision, reason, DENSE_DENSITY);
    }

    /** With another switch-over density for the sparse products (tests force each path with 0 and infinity). */
    CudaBackend(GemmPrecision precision, String reason, double denseDensity) {
        this.denseDensity = denseDensity;
        this.device = CudaDevice.probe();
        this.reason = reason;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            check(cudaStreamCreate(out), "cudaStreamCreate");
            stream = out.get(ValueLayout.ADDRESS, 0);
        } catch (CudaException e) {
            throw new BackendUnavailableException("the device does not start: " + e.getMessage());
        }
        memory = new DeviceMemory(stream);
        try {
            cublas = new CublasGemm(stream, precision);
        } catch (CudaException e) {  // e.g. CUBLAS_STATUS_NOT_INITIALIZED when the device's memory is taken
            cudaStreamDestroy(stream);  // its status would only hide the reason reported here
            throw new BackendUnavailableException("cuBLAS does not start: " + e.getMessage());
        }
        workspace = new DeviceBuffer(memory);
        rowScratch = new DeviceBuffer(memory);
        scalar = new DeviceBuffer(memory);
        latentScratch = new DeviceBuffer(memory);
        transposeWorkspace = new DeviceBuffer(memory);
        denseScratch = new DeviceBuffer(memory);
    }

    @Override public String name() { return "cuda"; }

    /** E.g. "cuda, NVIDIA H100 80GB HBM3, cuBLAS 130000, GEMMs in FP32". */
    @Override
    public String summary() {
        return "cuda, " + device.name() + ", cuBLAS " + cublas.version() + ", GEMMs in " + cublas.precision();
    }

    @Override
    public String describe() {
        return "cuda: " + device.describe() + ", cuBLAS " + cublas.version() + ", GEMMs in " + cublas.precision()
                + (cublas.precision() == GemmPrecision.FP32 ? " (TF32 or BF16 with " + GemmPrecision.PROPERTY + ")" : " (asked for with " + GemmPrecision.PROPERTY + ")")
                + "; kernels " + CudaLibraries.kernels().location() + (reason.isEmpty() ? "" : " (" + reason + ")");
    }

    // ---- memory ----

    @Override
    public Matrix allocate(Arena arena, int rows, int cols) {
        return Matrix.onDevice(memory.allocate(arena, (long) rows * cols * Float.BYTES), rows, cols);
    }

    @Override
    public SparseCodes newCodes(int batch, int latents, long capacity) { return new DeviceCodes(memory, batch, latents, capacity); }

    @Override
    public void upload(Matrix host, Matrix dst) {
        requireSameShape(host, dst);
        memory.hostToDevice(host.data(), dst.data(), dst.byteSize());
    }

    @Override
    public void download(Matrix src, Matrix host) {
        requireSameShape(src, host);
        memory.deviceToHost(src.data(), host.data(), src.byteSize());
    }

    @Override
    public void copy(Matrix src, Matrix dst) {
        requireSameShape(src, dst);
        memory.deviceToDevice(src.data(), dst.data(), src.byteSize());
    }

    /** Waits for the stream; a kernel that failed while running is reported here. (A launch's own error is returned by its entry point.) */
    @Override
    public void synchronize() { memory.synchronize(); }

    @Override
    public void close() {
        // Everything is released even when the synchronize reports an earlier kernel's error (and that error is then thrown).
        try {
            memory.synchronize();
        } finally {
            for (DeviceBuffer b : new DeviceBuffer[] {workspace, rowScratch, scalar, latentScratch, transposeWorkspace, denseScratch}) b.close();
            try {
                cublas.close();
            } finally {
                check(cudaStreamDestroy(stream), "cudaStreamDestroy");
            }
        }
    }

    // ---- dense ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        int k = Gemm.checkShapes(transA, transB, a, b, c);
        if (c.size() == 0) return;
        if (k == 0) {  // no products: C = beta·C
            if (beta == 0f) fill(c, 0f);
            else scale(c, beta);
            return;
        }
        cublas.gemm(transA, transB, alpha, a, b, beta, c);
    }

    @Override
    public void addRowVector(Matrix m, Matrix row, float alpha) {
        requireSize(row, m.cols(), "row vector");
        check(sae_add_row_vector(m.data(), m.rows(), m.cols(), row.data(), alpha, stream), "sae_add_row_vector");
    }

    @Override
    public void axpy(float alpha, Matrix x, Matrix y) {
        requireSameShape(x, y);
        check(sae_axpy(alpha, x.data(), y.data(), y.size(), stream), "sae_axpy");
    }

    @Override public void scale(Matrix m, float s) { check(sae_scale(m.data(), m.size(), s, stream), "sae_scale"); }

    @Override
    public void subtract(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSameShape(a, out);
        check(sae_subtract(a.data(), b.data(), out.data(), out.size(), stream), "sae_subtract");
    }

    @Override public void clampMin(Matrix m, float floor) { check(sae_clamp_min(m.data(), m.size(), floor, stream), "sae_clamp_min"); }

    @Override
    public void columnSums(Matrix m, float alpha, float beta, Matrix out) {
        requireSize(out, m.cols(), "column sums");
        check(sae_column_sums(m.data(), m.rows(), m.cols(), alpha, beta, out.data(), stream), "sae_column_sums");
    }

    @Override
    public void rowNorms(Matrix m, Matrix out) {
        requireSize(out, m.rows(), "row norms");
        check(sae_row_norms(m.data(), m.rows(), m.cols(), out.data(), stream), "sae_row_norms");
    }

    @Override
    public void rowSquaredDistances(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSize(out, a.rows(), "row distances");
        check(sae_row_squared_distances(a.data(), b.data(), a.rows(), a.cols(), out.data(), stream), "sae_row_squared_distances");
    }

    @Override
    public double sumSquares(Matrix m) {
        MemorySegment sum = scalar.atLeast(Double.BYTES);
        check(sae_sum_squares(m.data(), m.size(), sum, stream), "sae_sum_squares");
        return memory.readDouble(sum.asSlice(0, Double.BYTES));
    }

    // ---- activation rules ----

    @Override
    public void selectAbove(Matrix z, Matrix threshold, SparseCodes out) {
        if (threshold != null) requireSize(threshold, z.cols(), "threshold");
        MemorySegment theta = threshold == null ? MemorySegment.NULL : threshold.data();
        MemorySegment counts = rowCounts(z.rows());
        check(sae_count_above(z.data(), z.rows(), z.cols(), theta, counts, stream), "sae_count_above");
        DeviceCodes codes = sized(z, counts, out);
        check(sae_select_above(z.data(), z.rows(), z.cols(), theta, codes.rowStartSegment(), codes.indexSegment(), codes.valueSegment(), stream),
                "sae_select_above");
    }

    @Override
    public void selectBand(Matrix z, Matrix centre, float halfWidth, SparseCodes out) {
        requireSize(centre, z.cols(), "band centre");
        MemorySegment counts = rowCounts(z.rows());
        check(sae_count_band(z.data(), z.rows(), z.cols(), centre.data(), halfWidth, counts, stream), "sae_count_band");
        DeviceCodes codes = sized(z, counts, out);
        check(sae_select_band(z.data(), z.rows(), z.cols(), centre.data(), halfWidth, codes.rowStartSegment(), codes.indexSegment(),
                codes.valueSegment(), stream), "sae_select_band");
    }

    /** Scratch for the row counts of a selection whose size is not known before it runs. */
    private MemorySegment rowCounts(int rows) { return rowScratch.atLeast((rows + 1L) * Integer.BYTES); }

    /** Reads the entry count a count pass left in {@code counts}, sizes the codes and moves the row starts in. */
    private DeviceCodes sized(Matrix z, MemorySegment counts, SparseCodes out) {
        DeviceCodes codes = output(out, z.cols());
        int nnz = memory.readInt(counts, z.rows());
        codes.reset(z.rows(), nnz);
        memory.deviceToDevice(counts, codes.rowStartSegment(), (z.rows() + 1L) * Integer.BYTES);
        codes.deviceWrote(nnz);
        return codes;
    }

    @Override
    public void selectTopK(Matrix z, int k, Matrix eligible, SparseCodes out) {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        if (eligible != null) requireSize(eligible, z.cols(), "eligibility mask");
        DeviceCodes codes = output(out, z.cols());
        codes.reset(z.rows(), (long) z.rows() * Math.min(k, z.cols()));
        check(sae_select_topk(z.data(), z.rows(), z.cols(), k, eligible == null ? MemorySegment.NULL : eligible.data(), selectWorkspace(z.rows()),
                codes.rowStartSegment(), codes.indexSegment(), codes.valueSegment(), stream), "sae_select_topk");
        codes.deviceWrote(-1);
    }

    @Override
    public float selectBatchTopK(Matrix z, int k, SparseCodes out) {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        DeviceCodes codes = output(out, z.cols());
        codes.reset(z.rows(), Math.min((long) z.rows() * k, z.size()));
        MemorySegment cut = scalar.atLeast(Double.BYTES).asSlice(0, Float.BYTES);
        check(sae_select_batch_topk(z.data(), z.rows(), z.cols(), k, selectWorkspace(z.rows()), codes.rowStartSegment(), codes.indexSegment(),
                codes.valueSegment(), cut, stream), "sae_select_batch_topk");
        codes.deviceWrote(-1);
        return memory.readFloat(cut);
    }

    private MemorySegment selectWorkspace(int rows) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment words = call.allocate(ValueLayout.JAVA_LONG);
            check(sae_select_workspace(rows, words), "sae_select_workspace");
            return workspace.atLeast(words.get(ValueLayout.JAVA_LONG, 0) * Integer.BYTES);
        }
    }

    // ---- sparse products ----

    @Override
    public void sparseDecode(SparseCodes codes, Matrix w, Matrix bias, Matrix out) {
        DeviceCodes c = input(codes, w.rows());
        int d = w.cols();
        requireColumns(out, d, "decode output");
        if (out.rows() != c.rows()) throw new IllegalArgumentException("decode output has " + out.rows() + " rows for " + c.rows() + " code rows");
        if (bias != null) requireSize(bias, d, "decoder bias");
        if (dense(c)) {
            if (bias != null) {
                fill(out, 0f);
                addRowVector(out, bias, 1f);
            }
            gemm(false, false, 1f, scattered(c), w, bias == null ? 0f : 1f, out);
            return;
        }
        check(sae_sparse_decode(c.rowStartSegment(), c.indexSegment(), c.valueSegment(), c.rows(), w.data(), d,
                bias == null ? MemorySegment.NULL : bias.data(), out.data(), stream), "sae_sparse_decode");
    }

    @Override
    public void sparseTransposeProduct(SparseCodes codes, float alpha, Matrix dense, Matrix out) {
        DeviceCodes c = input(codes, out.rows());
        int d = dense.cols();
        requireColumns(out, d, "transpose product output");
        if (dense.rows() != c.rows()) throw new IllegalArgumentException("dense operand has " + dense.rows() + " rows for " + c.rows() + " code rows");
        if (dense(c)) {
            gemm(true, false, alpha, scattered(c), dense, 1f, out);
            return;
        }
        MemorySegment ws;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment words = call.allocate(ValueLayout.JAVA_LONG);
            check(sae_transpose_workspace(out.rows(), c.capacity(), words), "sae_transpose_workspace");
            ws = transposeWorkspace.atLeast(words.get(ValueLayout.JAVA_LONG, 0) * Integer.BYTES);
        }
        check(sae_sparse_transpose_product(c.rowStartSegment(), c.indexSegment(), c.valueSegment(), c.rows(), out.rows(), c.capacity(), alpha,
                dense.data(), d, ws, out.data(), stream), "sae_sparse_transpose_product");
    }

    @Override
    public void sampledDot(SparseCodes pattern, Matrix a, Matrix w, SparseCodes out) {
        DeviceCodes p = input(pattern, w.rows()), o = output(out, w.rows());
        int d = a.cols();
        requireColumns(w, d, "sampled dot weights");
        if (a.rows() != p.rows()) throw new IllegalArgumentException("sampled dot: operand has " + a.rows() + " rows for codes of " + p.rows() + " rows");
        // The pattern's count without a copy when known; else its capacity bounds it.
        long entries = p.knownNnz() >= 0 ? p.knownNnz() : p.capacity();
        o.reset(p.rows(), entries);
        memory.deviceToDevice(p.rowStartSegment(), o.rowStartSegment(), (p.rows() + 1L) * Integer.BYTES);
        memory.deviceToDevice(p.indexSegment(), o.indexSegment(), entries * Integer.BYTES);
        if (dense(p)) {
            Matrix products = Matrix.onDevice(denseScratch.atLeast((long) p.rows() * p.latents() * Float.BYTES), p.rows(), p.latents());  // (B, F) a·Wᵀ
            gemm(false, true, 1f, a, w, 0f, products);
            check(sae_gather_dense(p.rowStartSegment(), p.indexSegment(), p.rows(), products.data(), p.latents(), o.valueSegment(), stream),
                    "sae_gather_dense");
        } else {
            check(sae_sampled_dot(p.rowStartSegment(), p.indexSegment(), p.rows(), a.data(), w.data(), d, o.valueSegment(), stream), "sae_sampled_dot");
        }
        o.deviceWrote(p.knownNnz());
    }

    /**
     * Whether the sparse products should run as dense GEMMs: above {@link #denseDensity} of the
     * (B, F) entries a scatter plus a tensor-core GEMM beats gathering rows (aux-k with many dead
     * latents, ReLU early in training). Uses the count when the host knows it, else the capacity.
     */
    private boolean dense(DeviceCodes c) {
        long n = c.knownNnz() >= 0 ? c.knownNnz() : c.capacity();
        return n > denseDensity * c.rows() * (double) c.latents();
    }

    /** The codes as a dense (B, F) matrix in the backend's scratch. */
    private Matrix scattered(DeviceCodes c) {
        Matrix f = Matrix.onDevice(denseScratch.atLeast((long) c.rows() * c.latents() * Float.BYTES), c.rows(), c.latents());
        check(sae_scatter_dense(c.rowStartSegment(), c.indexSegment(), c.valueSegment(), c.rows(), c.latents(), f.data(), stream), "sae_scatter_dense");
        return f;
    }

    @Override
    public void sparseColumnSums(SparseCodes codes, float alpha, Matrix out) {
        DeviceCodes c = input(codes, codes.latents());
        requireSize(out, c.latents(), "sparse column sums");
        check(sae_sparse_column_sums(c.rowStartSegment(), c.indexSegment(), c.valueSegment(), c.rows(), alpha, out.data(), stream), "sae_sparse_column_sums");
    }

    @Override
    public void sparseColumnProducts(SparseCodes a, SparseCodes b, float alpha, Matrix out) {
        DeviceCodes ca = input(a, a.latents()), cb = input(b, a.latents());
        requireSize(out, ca.latents(), "sparse column products");
        if (cb.rows() != ca.rows() || (ca.knownNnz() >= 0 && cb.knownNnz() >= 0 && ca.knownNnz() != cb.knownNnz()))
            throw new IllegalArgumentException("sparse column products: operands differ in pattern (" + ca.rows() + " rows, " + ca.knownNnz()
                    + " entries vs " + cb.rows() + ", " + cb.knownNnz() + ")");
        MemorySegment sums = latentScratch.atLeast((long) ca.latents() * Double.BYTES);
        check(sae_sparse_column_products(ca.rowStartSegment(), ca.indexSegment(), ca.valueSegment(), cb.valueSegment(), ca.rows(), ca.latents(),
                alpha, sums, out.data(), stream), "sae_sparse_column_products");
    }

    @Override
    public void updateSinceFired(SparseCodes codes, float tokens, Matrix sinceFired) {
        DeviceCodes c = input(codes, codes.latents());
        requireSize(sinceFired, c.latents(), "tokens-since-fired counters");
        check(sae_update_since_fired(c.rowStartSegment(), c.indexSegment(), c.rows(), c.latents(), tokens, sinceFired.data(), stream),
                "sae_update_since_fired");
    }

    @Override
    public void greaterEqual(Matrix a, float t, Matrix mask) {
        requireSameShape(a, mask);
        check(sae_greater_equal(a.data(), a.size(), t, mask.data(), stream), "sae_greater_equal");
    }

    // ---- optimiser ----

    @Override
    public void adam(Matrix param, Matrix grad, Matrix m, Matrix v, float lr, float beta1, float beta2, float eps, long t) {
        requireSameShape(param, grad);
        requireSameShape(param, m);
        requireSameShape(param, v);
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);  // the bias corrections, as the CPU backend folds them
        check(sae_adam(param.data(), grad.data(), m.data(), v.data(), param.size(), (float) (lr / c1), (float) Math.sqrt(c2), beta1, beta2, eps, stream),
                "sae_adam");
    }

    @Override
    public void removeParallelComponent(Matrix rows, Matrix grad) {
        requireSameShape(rows, grad);
        check(sae_remove_parallel_component(rows.data(), grad.data(), rows.rows(), rows.cols(), stream), "sae_remove_parallel_component");
    }

    @Override
    public void normaliseRows(Matrix rows) {
        check(sae_normalise_rows(rows.data(), rows.rows(), rows.cols(), stream), "sae_normalise_rows");
    }

    // ---- element-wise and sparse helpers ----

    @Override public void fill(Matrix m, float value) { check(sae_fill(m.data(), m.size(), value, stream), "sae_fill"); }

    @Override
    public void multiply(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSameShape(a, out);
        check(sae_multiply(a.data(), b.data(), out.data(), out.size(), stream), "sae_multiply");
    }

    @Override
    public void divide(Matrix a, Matrix b, Matrix out) {
        requireSameShape(a, b);
        requireSameShape(a, out);
        check(sae_divide(a.data(), b.data(), out.data(), out.size(), stream), "sae_divide");
    }

    @Override
    public void addScaledRows(Matrix src, Matrix perRow, float alpha, Matrix dst) {
        requireSameShape(src, dst);
        requireSize(perRow, src.rows(), "per-row factors");
        check(sae_add_scaled_rows(src.data(), perRow.data(), alpha, dst.data(), src.rows(), src.cols(), stream), "sae_add_scaled_rows");
    }

    @Override
    public void sparseAddByLatent(SparseCodes codes, float alpha, Matrix perLatent) {
        DeviceCodes c = input(codes, codes.latents());
        requireSize(perLatent, c.latents(), "per-latent values");
        long nnz = c.knownNnz();
        check(sae_sparse_add_by_latent(c.rowStartSegment(), c.indexSegment(), c.valueSegment(), c.rows(), alpha, perLatent.data(), stream),
                "sae_sparse_add_by_latent");
        c.deviceWrote(nnz);
    }

    @Override
    public void sparseColumnCounts(SparseCodes codes, float alpha, Matrix out) {
        DeviceCodes c = input(codes, codes.latents());
        requireSize(out, c.latents(), "sparse column counts");
        MemorySegment counts = latentScratch.atLeast((c.latents() + 1L) * Integer.BYTES);
        check(sae_sparse_column_counts(c.rowStartSegment(), c.indexSegment(), c.rows(), c.latents(), alpha, counts, out.data(), stream),
                "sae_sparse_column_counts");
    }

    @Override
    public void addCompensated(Matrix x, Matrix sum, Matrix error) {
        requireSameShape(x, sum);
        requireSameShape(x, error);
        check(sae_add_compensated(x.data(), sum.data(), error.data(), x.size(), stream), "sae_add_compensated");
    }

    /** Sized for every entry of the parts (their counts when known, else their capacities), so that the host waits for nothing. */
    @Override
    public void gatherCodes(SparseCodes[] parts, Matrix[] positions, SparseCodes out) {
        int rows = Shapes.requireParts(parts, positions);
        DeviceCodes[] in = new DeviceCodes[parts.length];
        long bound = 0;
        for (int s = 0; s < parts.length; s++) {
            in[s] = input(parts[s], parts[s].latents());
            long known = in[s].knownNnz();
            bound += known >= 0 ? known : in[s].capacity();
        }
        DeviceCodes o = output(out, out.latents());
        o.reset(rows, bound);
        memory.fillBytes(o.rowStartSegment(), 0);
        for (int s = 0; s < parts.length; s++)
            check(sae_remap_count(in[s].rowStartSegment(), in[s].indexSegment(), rows, positions[s].data(), o.rowStartSegment(), stream), "sae_remap_count");
        MemorySegment cursor = rowCounts(rows);
        check(sae_remap_offsets(o.rowStartSegment(), rows, cursor, stream), "sae_remap_offsets");
        for (int s = 0; s < parts.length; s++)
            check(sae_remap_write(in[s].rowStartSegment(), in[s].indexSegment(), in[s].valueSegment(), rows, positions[s].data(), cursor,
                    o.indexSegment(), o.valueSegment(), stream), "sae_remap_write");
        o.deviceWrote(-1);
    }

    // ---- fused steps of Backend, and CUDA-only operations ----

    /** Bytes of device memory in use (by this process and any other), from cudaMemGetInfo. */
    public long deviceMemoryInUse() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment free = call.allocate(ValueLayout.JAVA_LONG), total = call.allocate(ValueLayout.JAVA_LONG);
            check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return total.get(ValueLayout.JAVA_LONG, 0) - free.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /**
     * The decoder step in one pass per row: {@link #removeParallelComponent}, {@link #adam} and
     * {@link #normaliseRows} fused, reading and writing each row once (the three ops read it three
     * times). The projected gradient is written back to {@code grad}.
     */
    @Override
    public void adamUnitRows(Matrix rows, Matrix grad, Matrix m, Matrix v, float lr, float beta1, float beta2, float eps, long t) {
        requireSameShape(rows, grad);
        requireSameShape(rows, m);
        requireSameShape(rows, v);
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        check(sae_adam_unit_rows(rows.data(), grad.data(), m.data(), v.data(), rows.rows(), rows.cols(), (float) (lr / c1), (float) Math.sqrt(c2),
                beta1, beta2, eps, stream), "sae_adam_unit_rows");
    }

    /**
     * Both directions' maxima without downloading the product: per tile one cuBLAS GEMM into a
     * (tileRows, tileCols) buffer and one {@code sae_tile_max} pass that folds the tile into both
     * directions' running maxima (packed value-and-index keys, ties to the smallest index, as the
     * host fold). Only the maxima and their arguments come back.
     */
    @Override
    public DotMaxima maxDots(Matrix a, Matrix b, int tileRows, int tileCols) {
        requireColumns(b, a.cols(), "second factor");
        if (tileRows <= 0 || tileCols <= 0) throw new IllegalArgumentException("tile " + tileRows + "x" + tileCols + " must be positive");
        int fa = a.rows(), fb = b.rows(), ta = Math.min(tileRows, fa), tb = Math.min(tileCols, fb);
        try (Arena arena = Arena.ofShared()) {
            Matrix tile = allocate(arena, Math.max(1, ta), Math.max(1, tb));
            MemorySegment rowKeys = memory.allocate(arena, (long) fa * Long.BYTES), colKeys = memory.allocate(arena, (long) fb * Long.BYTES);  // zero: none yet
            for (int i0 = 0; i0 < fa; i0 += ta) {
                int rows = Math.min(ta, fa - i0);
                for (int j0 = 0; j0 < fb; j0 += tb) {
                    int cols = Math.min(tb, fb - j0);
                    Matrix s = tile.packed(rows, cols);  // (rows, cols) products packed at the buffer's start
                    gemm(false, true, 1f, a.rows(i0, rows), b.rows(j0, cols), 0f, s);
                    check(sae_tile_max(s.data(), rows, cols, cols, i0, j0, rowKeys, colKeys, stream), "sae_tile_max");
                }
            }
            float[][] max = new float[2][];
            int[][] arg = new int[2][];
            MemorySegment[] keys = {rowKeys, colKeys};
            int[] counts = {fa, fb};
            for (int k = 0; k < 2; k++) {
                Matrix deviceMax = allocate(arena, 1, counts[k]), hostMax = Matrix.allocate(arena, 1, counts[k]);
                MemorySegment deviceArg = memory.allocate(arena, (long) counts[k] * Integer.BYTES);
                check(sae_unpack_max_keys(keys[k], counts[k], deviceMax.data(), deviceArg, stream), "sae_unpack_max_keys");
                download(deviceMax, hostMax);
                max[k] = hostMax.toArray();
                arg[k] = readInts(deviceArg, counts[k], arena);
            }
            return new DotMaxima(max[0], arg[0], max[1], arg[1]);
        }
    }

    /**
     * {@link #maxDots} (the tile-max kernel, nothing downloaded), then the entries above the cut from
     * the tiles of the rows whose maximum exceeds it ({@link TiledProducts#keysAbove}): with compare's
     * cut near θ = 0.7 most rows of unrelated latents are never downloaded.
     */
    @Override
    public DotScan scanDots(Matrix a, Matrix b, int tileRows, int tileCols, float cut) {
        DotMaxima maxima = maxDots(a, b, tileRows, tileCols);
        return new DotScan(maxima, TiledProducts.keysAbove(this, a, b, maxima.maxOverB(), tileRows, tileCols, cut));
    }

    private int[] readInts(MemorySegment device, int n, Arena arena) {
        MemorySegment host = arena.allocate((long) n * Integer.BYTES, Integer.BYTES);
        memory.deviceToHost(device, host, host.byteSize());
        return host.toArray(ValueLayout.JAVA_INT);
    }

    /** Copies codes of this backend into host codes ({@code host} made by a CPU backend or {@code new SparseCodes}). */
    public void downloadCodes(SparseCodes device, SparseCodes host) {
        DeviceCodes d = input(device, device.latents());
        if (host instanceof DeviceCodes) throw new IllegalArgumentException("downloadCodes copies to host codes, got codes of the CUDA backend");
        if (host.latents() != d.latents()) throw new IllegalArgumentException("host codes over " + host.latents() + " latents, device codes over " + d.latents());
        long nnz = d.nnz();
        host.reset(d.rows(), nnz);
        memory.deviceToHost(d.rowStartSegment(), host.rowStartSegment(), (d.rows() + 1L) * Integer.BYTES);
        memory.deviceToHost(d.indexSegment(), host.indexSegment(), nnz * Integer.BYTES);
        memory.deviceToHost(d.valueSegment(), host.valueSegment(), nnz * Float.BYTES);
    }

    /** Codes a kernel reads: made by this backend over {@code latents} latents, with what the host wrote uploaded. */
    private static DeviceCodes input(SparseCodes codes, int latents) {
        DeviceCodes d = output(codes, latents);
        d.beforeDeviceUse();
        return d;
    }

    /** Codes a kernel writes: made by this backend over {@code latents} latents (the kernels index rows of that many). */
    private static DeviceCodes output(SparseCodes codes, int latents) {
        if (!(codes instanceof DeviceCodes d))
            throw new IllegalArgumentException("sparse codes in host memory given to the CUDA backend: make them with its newCodes");
        if (d.latents() != latents)
            throw new IllegalArgumentException("sparse codes over " + d.latents() + " latents where " + latents + " are expected");
        return d;
    }
}
