package dev.saestitch.match;

import dev.saestitch.backend.Backend;
import dev.saestitch.dict.MaxCosine;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.IntStream;

import static dev.saestitch.tensor.Matrix.FLOAT;

/**
 * The cosines C = Â·B̂ᵀ of two sets of rows for the assignment solver without the (n, m) matrix:
 * one pass of the backend's GEMM in blocks of rows keeps, per row, its c largest cosines (the
 * candidate edges), the c-th largest (every cosine not kept is at most that), the diagonal, and
 * the row and column maxima. The pricing pass ({@link #offenders}) then recomputes only the rows
 * whose kept cosines cannot prove the duals feasible: a cosine not kept offends only if it is
 * above the row's c-th largest, so a row with −c-th − max_j v_j ≥ u_i (costs are negated cosines)
 * has no offender. On SAE-like pairs almost every row passes, so the matrix is computed once.
 *
 * <p>Â, B̂: the rows scaled to unit norm ({@link UnitRows}), copied to the backend. Owns its
 * buffers: close it.
 */
final class CosineScan implements Pricing, AutoCloseable {

    /** The most memory one block of cosines takes (on the backend and on the host). */
    static final long BLOCK_BYTES = 16L << 20;

    private static final int ROWS_PER_CHUNK = 32;
    private static final int[] NO_COLS = {};
    private static final float[] NO_COSTS = {};

    private final Backend backend;
    private final Arena work = Arena.ofShared();
    private final Matrix unitA, unitB;      // (n, D), (m, D) on the backend
    private final Matrix unitHostA;         // (n, D) Â on the host, to gather rows for the pricing pass
    private final Matrix block, hostBlock;  // (blockRows, m) on the backend and on the host
    private final int n, m, blockRows;

    private final int[][] topCols;   // (n) each row's kept columns
    private final float[][] topCos;  // (n) their cosines
    private final float[] kth;       // (n) the least kept cosine, ≥ every cosine not kept
    private final float[] diagonal;  // (n) C[i, i]
    private final float[] rowMax, colMax;
    private int recomputed;

    /**
     * @param a (n) rows, n ≤ m
     * @param b (m) rows of the same dimension
     * @param c cosines kept per row
     */
    CosineScan(Backend backend, UnitRows a, UnitRows b, int c) {
        this(backend, a, b, c, BLOCK_BYTES);
    }

    /** As {@link #CosineScan(Backend, UnitRows, UnitRows, int)} in blocks of at most {@code blockBytes}. */
    CosineScan(Backend backend, UnitRows a, UnitRows b, int c, long blockBytes) {
        this.backend = backend;
        n = a.rows();
        m = b.rows();
        if (n > m) throw new IllegalArgumentException("the cosine scan needs rows ≤ columns, got " + n + " × " + m);
        if (a.dim() != b.dim()) throw new IllegalArgumentException("rows of dimension " + a.dim() + " and " + b.dim());
        try {
            unitHostA = a.unit(work);
            unitA = onBackend(unitHostA);
            unitB = onBackend(b.unit(work));
            blockRows = (int) Math.max(1, Math.min(n, blockBytes / ((long) Math.max(1, m) * Float.BYTES)));
            block = backend.allocate(work, blockRows, m);
            hostBlock = Matrix.allocate(work, blockRows, m);
        } catch (RuntimeException e) {
            work.close();
            throw e;
        }
        int keep = Math.min(c, m);
        topCols = new int[n][];
        topCos = new float[n][];
        kth = new float[n];
        diagonal = new float[n];
        rowMax = new float[n];
        colMax = new float[m];
        Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        for (int r0 = 0; r0 < n; r0 += blockRows) {
            int rows = Math.min(blockRows, n - r0);
            Matrix part = cosines(unitA.rows(r0, rows));
            scan(part, r0, keep);
        }
        for (int j = 0; j < m; j++) colMax[j] = Math.min(1f, colMax[j]);
    }

    int rows() { return n; }

    int cols() { return m; }

    /** Each row's kept columns and their costs (negated cosines). */
    RowPicks candidates() {
        float[][] costs = new float[n][];
        for (int i = 0; i < n; i++) {
            costs[i] = topCos[i].clone();
            for (int t = 0; t < costs[i].length; t++) costs[i][t] = -costs[i][t];
        }
        return new RowPicks(topCols, costs);
    }

    /** (n) the cost (negated cosine) of each edge (i, i). */
    float[] diagonalCosts() {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = -diagonal[i];
        return d;
    }

    /**
     * (n) each row's largest cosine and (m) each column's, at most 1 (a float32 cosine of unit
     * rows can round a few units of 2⁻²⁴ above the true one, which never exceeds 1).
     */
    float[][] maxima() { return new float[][] {rowMax.clone(), colMax.clone()}; }

    /** How many rows the pricing passes have recomputed so far. */
    int recomputedRows() { return recomputed; }

    /** The whole (n, m) cosine matrix in {@code arena} (shared): for the dense fallback. */
    Matrix materialise(Arena arena) {
        Matrix c = Matrix.allocate(arena, n, m);
        for (int r0 = 0; r0 < n; r0 += blockRows) {
            int rows = Math.min(blockRows, n - r0);
            MemorySegment.copy(cosines(unitA.rows(r0, rows)).data(), 0, c.data(), (long) r0 * m * Float.BYTES, (long) rows * m * Float.BYTES);
        }
        return c;
    }

    @Override
    public RowPicks offenders(int k, double[] v, double[] u, CandidateGraph graph) {
        double vMax = Double.NEGATIVE_INFINITY;
        for (double p : v) vMax = Math.max(vMax, p);
        int[] doubtful = new int[n];
        int count = 0;
        for (int i = 0; i < n; i++) if (-(double) kth[i] - vMax < u[i]) doubtful[count++] = i;
        int[][] cols = new int[n][];
        float[][] costs = new float[n][];
        Arrays.fill(cols, NO_COLS);
        Arrays.fill(costs, NO_COSTS);
        for (int i = 0; i < n; i++) keptOffenders(i, k, v, u[i], graph, cols, costs);
        recomputed += count;
        if (count == 0) return new RowPicks(cols, costs);
        int d = unitHostA.cols(), most = Math.min(count, blockRows);
        try (Arena call = Arena.ofShared()) {
            Matrix gathered = Matrix.allocate(call, most, d), onBackend = backend.allocate(call, most, d);
            for (int s = 0; s < count; s += most) {
                int[] ids = Arrays.copyOfRange(doubtful, s, Math.min(count, s + most));
                for (int r = 0; r < ids.length; r++)
                    MemorySegment.copy(unitHostA.data(), (long) ids[r] * d * Float.BYTES, gathered.data(), (long) r * d * Float.BYTES, (long) d * Float.BYTES);
                Matrix rows = onBackend.packed(ids.length, d);
                backend.upload(gathered.packed(ids.length, d), rows);
                RowPicks found = new CostRows(cosines(rows), true, ids).offenders(k, v, u, graph);
                for (int r = 0; r < ids.length; r++) {
                    cols[ids[r]] = found.cols()[r];
                    costs[ids[r]] = found.costs()[r];
                }
            }
        }
        return new RowPicks(cols, costs);
    }

    /**
     * Row i's kept cosines that are not edges of {@code graph} and offend (cost − v_j &lt; u_i),
     * the k least reduced: the graph need not hold them (the float64 refinement starts from a
     * matching), and the c-th largest bounds only the cosines not kept.
     */
    private void keptOffenders(int i, int k, double[] v, double ui, CandidateGraph graph, int[][] cols, float[][] costs) {
        int[] kept = topCols[i];
        float[] cos = topCos[i];
        int found = 0;
        int[] c = new int[kept.length];
        float[] w = new float[kept.length];
        double[] reduced = new double[kept.length];
        for (int t = 0; t < kept.length; t++) {
            int j = kept[t];
            double h = -cos[t] - v[j];
            if (h < ui && !graph.hasEdge(i, j)) {
                c[found] = j;
                w[found] = -cos[t];
                reduced[found++] = h;
            }
        }
        if (found == 0) return;
        Integer[] order = new Integer[found];
        for (int t = 0; t < found; t++) order[t] = t;
        Arrays.sort(order, (p, q) -> Double.compare(reduced[p], reduced[q]));
        int take = Math.min(k, found);
        cols[i] = new int[take];
        costs[i] = new float[take];
        for (int t = 0; t < take; t++) {
            cols[i][t] = c[order[t]];
            costs[i][t] = w[order[t]];
        }
    }

    @Override
    public void close() { work.close(); }

    /**
     * A bound on |cosine of this scan − float64 cosine| for rows of dimension {@code d}. The
     * CPU backend's float32 GEMM of unit rows errs by at most d·2⁻²⁴ and the unit rows' rounding
     * to float32 by 2⁻²⁴ each (both doubled here); other backends may round to TF32 and get
     * {@link MaxCosine#errorBound}.
     */
    static double errorBound(Backend backend, int d) {
        return backend.name().equals("cpu") ? (d + 8) * 0x1p-23 : MaxCosine.errorBound(d);
    }

    /** The host rows copied to the backend. */
    private Matrix onBackend(Matrix host) {
        Matrix rows = backend.allocate(work, host.rows(), host.cols());
        backend.upload(host, rows);
        return rows;
    }

    /** (rows, m) host cosines of the backend rows {@code a} (unit norm) against B̂, in the host block. */
    private Matrix cosines(Matrix a) {
        int rows = a.rows();
        Matrix part = block.packed(rows, m);
        backend.gemm(false, true, 1f, a, unitB, 0f, part);
        Matrix host = hostBlock.packed(rows, m);
        backend.download(part, host);
        return host;
    }

    /** Keeps the top cosines, diagonal and maxima of rows r0.. held in {@code part}, in parallel over chunks of rows. */
    private void scan(Matrix part, int r0, int keep) {
        int rows = part.rows(), chunks = (rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        float[][] partial = new float[chunks][];
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            float[] row = new float[m], cm = new float[m];
            Arrays.fill(cm, Float.NEGATIVE_INFINITY);
            TopCosines top = new TopCosines(keep);
            for (int r = chunk * ROWS_PER_CHUNK, end = Math.min(rows, r + ROWS_PER_CHUNK); r < end; r++) {
                int i = r0 + r;
                MemorySegment.copy(part.data(), FLOAT, (long) r * m * Float.BYTES, row, 0, m);
                for (int j = 0; j < m; j++) cm[j] = Math.max(cm[j], row[j]);
                top.select(row);
                topCols[i] = top.cols();
                topCos[i] = top.values();
                kth[i] = top.least();
                rowMax[i] = Math.min(1f, top.greatest());
                diagonal[i] = row[i];
            }
            partial[chunk] = cm;
        });
        for (float[] p : partial) for (int j = 0; j < m; j++) colMax[j] = Math.max(colMax[j], p[j]);
    }

    /**
     * A min-heap of the k largest values of a row; among equal values the earlier column stays.
     * Each entry is one long, the value's bits in an order-preserving form above the complement of
     * its column, so that one comparison orders by value, then by column.
     */
    private static final class TopCosines {
        private final long[] heap;

        TopCosines(int k) { heap = new long[k]; }

        void select(float[] row) {
            int k = heap.length;
            for (int j = 0; j < k; j++) {
                heap[j] = key(row[j], j);
                siftUp(j);
            }
            float least = value(heap[0]);
            for (int j = k; j < row.length; j++) {
                float c = row[j];
                if (c > least) {
                    heap[0] = key(c, j);
                    siftDown();
                    least = value(heap[0]);
                }
            }
        }

        int[] cols() {
            int[] c = new int[heap.length];
            for (int t = 0; t < c.length; t++) c[t] = (int) (0xFFFFFFFFL - (heap[t] & 0xFFFFFFFFL));
            return c;
        }

        float[] values() {
            float[] v = new float[heap.length];
            for (int t = 0; t < v.length; t++) v[t] = value(heap[t]);
            return v;
        }

        float least() { return value(heap[0]); }

        float greatest() {
            long g = Long.MIN_VALUE;
            for (long x : heap) g = Math.max(g, x);
            return value(g);
        }

        /** Signed order of the key = order of the value (ints of floats with negative ones flipped), then of the column, reversed. */
        private static long key(float v, int col) {
            int bits = Float.floatToRawIntBits(v);
            bits ^= (bits >> 31) & 0x7fffffff;
            return (long) bits << 32 | (0xFFFFFFFFL - col);
        }

        private static float value(long key) {
            int bits = (int) (key >> 32);
            return Float.intBitsToFloat(bits ^ ((bits >> 31) & 0x7fffffff));
        }

        private void siftUp(int c) {
            long x = heap[c];
            while (c > 0) {
                int p = (c - 1) >>> 1;
                if (heap[p] <= x) break;
                heap[c] = heap[p];
                c = p;
            }
            heap[c] = x;
        }

        private void siftDown() {
            long x = heap[0];
            int p = 0, size = heap.length;
            while (true) {
                int c = 2 * p + 1;
                if (c >= size) break;
                if (c + 1 < size && heap[c + 1] < heap[c]) c++;
                if (heap[c] >= x) break;
                heap[p] = heap[c];
                p = c;
            }
            heap[p] = x;
        }
    }
}
