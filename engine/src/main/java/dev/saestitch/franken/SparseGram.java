package dev.saestitch.franken;

import dev.saestitch.tensor.Matrix;
import dev.saestitch.tensor.SparseCodes;

import java.util.stream.IntStream;

/**
 * The normal equations of decoder retraining with frozen encoders (SPEC §3), accumulated in
 * float64 over streamed batches. With the codes fixed, the decoder is the least-squares solution
 * of min ‖X − F·W − 1bᵀ‖²; writing a_n = [f_n; 1] ∈ R^{F+1} (the codes of sample n augmented
 * with a constant 1 for the bias), it solves G·[W; bᵀ] = C with
 *
 * <pre>
 *   G = Σ_n a_n a_nᵀ     (F+1, F+1), symmetric; index F is the constant (G_FF = N, G_iF = Σ_n f_ni)
 *   C = Σ_n a_n x_nᵀ     (F+1, D)
 * </pre>
 *
 * Only pairs of latents active in the same sample touch G, so a batch of B samples with k codes
 * each costs B·k(k+1)/2 updates of G and B·k·D of C, not a dense (F, B)·(B, F) product. The upper
 * triangle of G is kept (j ≥ i) in a dense array: 8·(F+1)² bytes on the heap, 128 MiB at
 * F = 4096 and 2 GiB at F = 16384; with the solve's copies (see {@link #requiredBytes}) that is
 * the limit of the exact fit by memory. By time the limit is lower: the factorisation grows as
 * F³ on one core (about 20 s at F = 4096 on a busy 2-core machine, FrankenBench), so beyond a
 * few thousand latents Adam is the practical choice.
 *
 * <p>A batch is sorted per sample by latent, then grouped by latent; latents are split into
 * chunks of equal work that fill disjoint rows of G and C in parallel, so there are no races and
 * the sums do not depend on the thread count. Because a merged SAE's codes of an earlier stage are
 * a prefix of the last stage's codes, one pass serves every stage ({@link #system(int)}).
 */
public final class SparseGram {

    private static final int CHUNKS_PER_THREAD = 4;

    private final int latents, dim;
    private final double[][] gram;   // (F+1, F+1), entries j ≥ i of row i; row and column F are the constant
    private final double[][] cross;  // (F+1, D)
    private long samples;

    /**
     * @param latents F, the codes' width
     * @param dim     D
     * @throws IllegalArgumentException when the dense Gram matrix does not fit the heap
     */
    public SparseGram(int latents, int dim) {
        checkFits(latents, dim);
        this.latents = latents;
        this.dim = dim;
        this.gram = new double[latents + 1][latents + 1];
        this.cross = new double[latents + 1][dim];
    }

    /**
     * Heap for an exact retraining of F latents: G, the system of the largest stage, its
     * regularised copy and the copy the Cholesky factorisation makes (4·8·(F+1)²: 512 MiB at
     * F = 4096, 8 GiB at F = 16384), plus C, its copies and the solution.
     */
    public static long requiredBytes(int latents, int dim) {
        long n = latents + 1L;
        return 4 * 8 * n * n + 4 * 8 * n * dim;
    }

    /**
     * Fails early, with what to do instead, when an exact fit of {@code latents} cannot fit this JVM's heap.
     * @throws IllegalArgumentException when {@link #requiredBytes} exceeds the maximum heap
     */
    public static void checkFits(int latents, int dim) {
        if (latents < 1 || dim < 1) throw new IllegalArgumentException("Gram matrix of " + latents + " latents on dimension " + dim);
        long need = requiredBytes(latents, dim), max = Runtime.getRuntime().maxMemory();
        if (need > max)
            throw new IllegalArgumentException(String.format("exact decoder retraining of %d latents needs about %.1f GiB of heap "
                    + "(dense float64 Gram matrix, its solve and copies); this JVM has %.1f GiB: use Adam retraining or raise -Xmx",
                    latents, need / 1073741824.0, max / 1073741824.0));
    }

    public int latents() { return latents; }
    public int dim() { return dim; }
    /** N, the samples added so far. */
    public long samples() { return samples; }

    /**
     * Adds one batch.
     * @param codes the batch's codes over {@link #latents()} latents, at most one entry per latent and row
     * @param x     (B, D) host matrix of the same rows
     */
    public void add(SparseCodes codes, Matrix x) {
        int n = codes.rows(), f = latents, d = dim;
        if (codes.latents() != f) throw new IllegalArgumentException("codes over " + codes.latents() + " latents for a Gram matrix of " + f);
        if (x.rows() != n || x.cols() != d) throw new IllegalArgumentException("batch " + x.shape() + " for " + n + " rows of codes on dimension " + d);
        float[] xs = x.toArray();   // (B, D)
        SortedRows rows = SortedRows.of(codes, f);
        ByLatent by = ByLatent.of(rows, f);
        int[][] chunks = by.balancedChunks(CHUNKS_PER_THREAD * Runtime.getRuntime().availableProcessors());
        IntStream.range(0, chunks.length).parallel().forEach(ch -> {
            for (int i = chunks[ch][0]; i < chunks[ch][1]; i++) {
                double[] g = gram[i], c = cross[i];
                for (int o = by.start[i]; o < by.start[i + 1]; o++) {
                    int e = by.entry[o], r = by.row[o];
                    double v = rows.value[e];
                    for (int q = e, end = rows.start[r + 1]; q < end; q++) g[rows.index[q]] += v * rows.value[q];
                    g[f] += v;
                    for (int col = 0, base = r * d; col < d; col++) c[col] += v * xs[base + col];
                }
            }
        });
        gram[f][f] += n;
        double[] c = cross[f];
        for (int r = 0; r < n; r++) for (int col = 0, base = r * d; col < d; col++) c[col] += xs[base + col];
        samples += n;
    }

    /** G_ij for i, j in [0, F] (F is the constant), from the stored triangle. */
    public double gram(int i, int j) { return i <= j ? gram[i][j] : gram[j][i]; }

    /** C_ic for i in [0, F] (F is the constant). */
    public double cross(int i, int c) { return cross[i][c]; }

    /**
     * The normal equations of the merged SAE made of the first {@code prefix} latents: a fresh
     * dense (prefix+1, prefix+1) G and (prefix+1, D) C, the constant last.
     */
    public NormalEquations system(int prefix) {
        if (prefix < 0 || prefix > latents) throw new IllegalArgumentException("prefix " + prefix + " of " + latents + " latents");
        int p = prefix;
        double[][] g = new double[p + 1][p + 1], c = new double[p + 1][];
        for (int i = 0; i < p; i++) {
            System.arraycopy(gram[i], i, g[i], i, p - i);
            for (int j = i + 1; j < p; j++) g[j][i] = g[i][j];
            g[i][p] = g[p][i] = gram[i][latents];
            c[i] = cross[i].clone();
        }
        g[p][p] = gram[latents][latents];
        c[p] = cross[latents].clone();
        return new NormalEquations(g, c, samples);
    }

    /** A batch's codes on the heap, each row's entries sorted by latent. */
    private record SortedRows(int[] start, int[] index, double[] value) {
        static SortedRows of(SparseCodes codes, int latents) {
            int n = codes.rows();
            long total = codes.nnz();
            if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("a batch of " + total + " codes is too large; use smaller batches");
            int[] start = new int[n + 1], index = new int[(int) total];
            double[] value = new double[(int) total];
            for (int r = 0; r < n; r++) {
                int s = codes.rowStart(r), end = codes.rowStart(r + 1);
                start[r] = s;
                for (int e = s; e < end; e++) {   // insertion sort: rows hold a few dozen codes
                    int i = codes.index(e);
                    if (i < 0 || i >= latents) throw new IllegalArgumentException("code of latent " + i + " outside [0, " + latents + ")");
                    double v = codes.value(e);
                    int q = e;
                    while (q > s && index[q - 1] > i) {
                        index[q] = index[q - 1];
                        value[q] = value[q - 1];
                        q--;
                    }
                    if (q > s && index[q - 1] == i) throw new IllegalArgumentException("row " + r + " holds latent " + i + " twice");
                    index[q] = i;
                    value[q] = v;
                }
            }
            start[n] = (int) total;
            return new SortedRows(start, index, value);
        }
    }

    /** The entries of a batch grouped by latent: for latent i, occurrences [start[i], start[i+1]) of (entry, row). */
    private record ByLatent(int[] start, int[] entry, int[] row) {
        static ByLatent of(SortedRows rows, int latents) {
            int n = rows.start().length - 1, total = rows.index().length;
            int[] start = new int[latents + 1];
            for (int i : rows.index()) start[i + 1]++;
            for (int i = 0; i < latents; i++) start[i + 1] += start[i];
            int[] fill = start.clone(), entry = new int[total], row = new int[total];
            for (int r = 0; r < n; r++)
                for (int e = rows.start()[r]; e < rows.start()[r + 1]; e++) {
                    int o = fill[rows.index()[e]]++;
                    entry[o] = e;
                    row[o] = r;
                }
            return new ByLatent(start, entry, row);
        }

        /** About {@code count} ranges [from, to) of latents with equal numbers of occurrences. */
        int[][] balancedChunks(int count) {
            int latents = start.length - 1;
            long total = start[latents];
            int parts = (int) Math.max(1, Math.min(count, total / 64));
            int[][] out = new int[parts][];
            int from = 0;
            for (int p = 0; p < parts; p++) {
                long goal = total * (p + 1) / parts;
                int to = p == parts - 1 ? latents : from;
                while (to < latents && start[to] < goal) to++;
                out[p] = new int[] {from, to};
                from = to;
            }
            return out;
        }
    }
}
