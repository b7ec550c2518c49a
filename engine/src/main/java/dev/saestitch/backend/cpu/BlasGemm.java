package dev.saestitch.backend.cpu;

import dev.saestitch.bindings.NativeLibraryException;
import dev.saestitch.bindings.cblas.OpenBlas;
import dev.saestitch.bindings.cblas.cblas_h;
import dev.saestitch.tensor.Matrix;

/**
 * The product through OpenBLAS's {@code cblas_sgemm} on the matrices' native memory, no copies.
 * Our matrices are row-major and unpadded, so each leading dimension is the stored column count
 * whatever the transpose flag says.
 */
public final class BlasGemm implements Gemm {

    private final String location;
    private final String config;

    /**
     * Binds the BLAS library that {@code sae.blas} / {@code SAESTITCH_BLAS} names (the bundled
     * OpenBLAS by default).
     *
     * @throws UnsupportedOperationException when that library cannot run here; the message says why
     */
    public BlasGemm() {
        OpenBlas.Library library;
        try {
            library = OpenBlas.library();
        } catch (NativeLibraryException e) {
            throw new UnsupportedOperationException(e.getMessage(), e);
        }
        location = library.location();
        config = cblas_h.openblas_get_config().getString(0).strip();
        // Our bindings pass blasint as int32; an ILP64 build would read garbage for M, N, K.
        if (config.contains("USE64BITINT"))
            throw new UnsupportedOperationException(location + " is an ILP64 OpenBLAS (" + config + "); saestitch binds the 32-bit integer interface");
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        int k = Gemm.checkShapes(transA, transB, a, b, c);
        int m = c.rows(), n = c.cols();
        if (m == 0 || n == 0) return;
        requireNative(a, "A");
        requireNative(b, "B");
        requireNative(c, "C");
        if (overlaps(c, a) || overlaps(c, b)) throw new IllegalArgumentException("gemm output C shares memory with an operand");
        cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), op(transA), op(transB), m, n, k,
                alpha, a.data(), leadingDimension(a), b.data(), leadingDimension(b), beta, c.data(), leadingDimension(c));
    }

    /**
     * OpenBLAS's thread count is process-wide (openblas_set_num_threads_local is the same call in
     * a pthreads build), so it is set to 1 for the body and restored after; bodies run one at a
     * time. A product another thread starts meanwhile runs single-threaded: slower, still right.
     */
    @Override
    public void oneThreadPerCall(Runnable body) {
        synchronized (BlasGemm.class) {
            int threads = cblas_h.openblas_get_num_threads();
            cblas_h.openblas_set_num_threads(1);
            try {
                body.run();
            } finally {
                cblas_h.openblas_set_num_threads(threads);
            }
        }
    }

    /**
     * E.g. "OpenBLAS 0.3.30 (DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64), Haswell kernels
     * (OPENBLAS_CORETYPE=Haswell), 2 threads (pthreads), from /path". The kernels matter: a
     * DYNAMIC_ARCH build made to run Haswell kernels on an AVX-512 core does half the sgemm flops.
     */
    @Override
    public String describe() {
        String[] words = config.split(" ", 3);
        String name = words.length == 3 && words[0].equals("OpenBLAS") ? words[0] + " " + words[1] + " (" + words[2] + ")" : config;
        String forced = System.getenv("OPENBLAS_CORETYPE");
        String kernels = coreName() + " kernels" + (forced == null || forced.isBlank() ? "" : " (OPENBLAS_CORETYPE=" + forced.strip() + ")");
        int threads = cblas_h.openblas_get_num_threads();
        return name + ", " + kernels + ", " + threads + (threads == 1 ? " thread" : " threads") + " (" + threading() + "), from " + location;
    }

    /** E.g. "OpenBLAS 0.3.30, Haswell kernels". */
    @Override
    public String summary() {
        String[] words = config.split(" ", 3);
        return (words.length >= 2 && words[0].equals("OpenBLAS") ? words[0] + " " + words[1] : config) + ", " + coreName() + " kernels";
    }

    /** The core whose kernels OpenBLAS runs (openblas_get_corename), e.g. "Haswell" or "SkylakeX". */
    private static String coreName() {
        return cblas_h.openblas_get_corename().getString(0).strip();
    }

    private static String threading() {
        int mode = cblas_h.openblas_get_parallel();
        if (mode == cblas_h.OPENBLAS_THREAD()) return "pthreads";
        if (mode == cblas_h.OPENBLAS_OPENMP()) return "OpenMP";
        if (mode == cblas_h.OPENBLAS_SEQUENTIAL()) return "sequential build";
        return "threading mode " + mode;
    }

    private static int op(boolean transpose) { return transpose ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans(); }

    /** Row-major: the distance between rows, at least 1 as BLAS requires even for an empty matrix. */
    private static int leadingDimension(Matrix x) { return Math.max(1, x.cols()); }

    private static void requireNative(Matrix x, String which) {
        if (!x.data().isNative()) throw new IllegalArgumentException("gemm operand " + which + " is on the Java heap; cblas_sgemm needs native memory");
    }

    private static boolean overlaps(Matrix x, Matrix y) {
        return x.data().asSlice(0, x.byteSize()).asOverlappingSlice(y.data().asSlice(0, y.byteSize())).isPresent();
    }
}
