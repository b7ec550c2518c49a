package dev.saestitch.extract;

import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Text in, memory-mappable (N, D) {@code .npy} files of per-token activations out, one per tensor
 * the model returns, all from one pass of the model. The corpus's tokens, windows laid end to end,
 * form one sequence; rows [skip, skip + max) of it are written, padding never. A first pass only
 * tokenises, to know N before the headers are written; the second runs the model window batch by
 * window batch while the files stream to disk.
 */
public final class ActivationExtractor {

    /** Rows per block handed to the writers: about 8 MiB of the widest tensor. */
    private static final long BLOCK_BYTES = 8L << 20;

    /**
     * What to extract. {@code maxTokens} = 0 means the whole corpus; {@code outs} has one file
     * per tensor of the model, in {@link ActivationModel#tensors()} order.
     */
    public record Request(TextCorpus corpus, int context, long skipTokens, long maxTokens, int windowsPerBatch, DType dtype, List<Path> outs) {
        public Request {
            if (context < 2) throw new IllegalArgumentException("--context must be at least 2 tokens, got " + context);
            if (skipTokens < 0) throw new IllegalArgumentException("--skip-tokens cannot be negative, got " + skipTokens);
            if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens cannot be negative, got " + maxTokens + " (0 means every token)");
            if (windowsPerBatch < 1) throw new IllegalArgumentException("--batch must be at least 1 window, got " + windowsPerBatch);
            if (dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("activations are written as f32 or f16, not " + dtype);
            outs = List.copyOf(outs);
        }
    }

    /** What was written: N rows in every file, {@code dims[i]} columns in file i. */
    public record Result(long tokens, int[] dims, long documents, long windows, double seconds) {
        public double tokensPerSecond() { return tokens / Math.max(1e-9, seconds); }
    }

    /** Told the number of rows once the text is counted, then how many are written. */
    public interface Listener {
        void counted(long rows);

        void written(long rows);
    }

    private ActivationExtractor() {}

    /** Tokens the corpus yields (special tokens included), counted without running the model, stopping once {@code enough} are seen. */
    private static long countTokens(TextCorpus corpus, TextTokenizer tokenizer, int context, long enough) {
        long tokens = 0;
        try (WindowStream windows = new WindowStream(corpus, tokenizer, context)) {
            for (int[] w = windows.next(); w != null && tokens < enough; w = windows.next()) tokens += w.length;
        }
        return tokens;
    }

    public static Result extract(Request request, TextTokenizer tokenizer, ActivationModel model, Listener listener) {
        int tensors = model.tensors().size();
        if (request.outs().size() != tensors)
            throw new IllegalArgumentException(request.outs().size() + " output files for " + tensors + " tensors");
        long started = System.nanoTime();
        long wanted = request.maxTokens() > 0 ? request.skipTokens() + request.maxTokens() : Long.MAX_VALUE;
        long available = countTokens(request.corpus(), tokenizer, request.context(), wanted);
        long rows = Math.min(wanted, available) - request.skipTokens();
        if (available == 0) throw new IllegalArgumentException("the text has no tokens (no non-blank line)");
        if (rows <= 0) throw new IllegalArgumentException("the text holds " + available + " tokens, none after the " + request.skipTokens() + " skipped");
        listener.counted(rows);
        try (WindowStream windows = new WindowStream(request.corpus(), tokenizer, request.context());
             Arena arena = Arena.ofConfined();
             Writers writers = new Writers()) {
            RowSource source = new RowSource(windows, model, request.skipTokens(), request.windowsPerBatch());
            int[] dims = source.dims();
            for (int t = 0; t < tensors; t++) writers.add(Npy.writer(request.outs().get(t), rows, dims[t], request.dtype()));
            int blockRows = (int) Math.max(1, Math.min(rows, BLOCK_BYTES / ((long) Arrays.stream(dims).max().orElseThrow() * Float.BYTES)));
            List<Matrix> blocks = new ArrayList<>();
            for (int dim : dims) blocks.add(Matrix.allocate(arena, blockRows, dim));
            for (long first = 0; first < rows; first += blockRows) {
                int n = (int) Math.min(blockRows, rows - first);
                List<Matrix> views = blocks.stream().map(b -> b.rows(0, n)).toList();
                source.fill(views);
                for (int t = 0; t < tensors; t++) writers.get(t).append(views.get(t));
                listener.written(first + n);
            }
            writers.commitAll();
            return new Result(rows, dims, windows.documentsRead(), source.windowsRun(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** The open writers: committed together, or all abandoned on close. */
    private record Writers(List<Npy.Writer> open) implements AutoCloseable {
        Writers() { this(new ArrayList<>()); }

        void add(Npy.Writer writer) { open.add(writer); }

        Npy.Writer get(int i) { return open.get(i); }

        void commitAll() { open.forEach(Npy.Writer::commit); }

        @Override public void close() { open.forEach(Npy.Writer::close); }
    }

    /** Token rows in corpus order, for every tensor, produced a model batch at a time and handed out in blocks of any size. */
    private static final class RowSource {
        private final WindowStream windows;
        private final ActivationModel model;
        private final int windowsPerBatch;
        private final TensorRows[] tensors;
        private long toSkip;
        private long windowsRun;
        // Rows computed but not yet handed out: [next, buffered) of every tensor's buffer.
        private int buffered, next;

        RowSource(WindowStream windows, ActivationModel model, long skip, int windowsPerBatch) {
            this.windows = windows;
            this.model = model;
            this.toSkip = skip;
            this.windowsPerBatch = windowsPerBatch;
            this.tensors = new TensorRows[model.tensors().size()];
            for (int t = 0; t < tensors.length; t++) tensors[t] = new TensorRows();
        }

        /** D of every tensor, from the graph where it declares it, else from a first batch. */
        int[] dims() {
            int[] declared = model.declaredDims();
            if (Arrays.stream(declared).anyMatch(d -> d <= 0) && tensors[0].dim < 0) runBatch();
            int[] dims = new int[tensors.length];
            for (int t = 0; t < dims.length; t++) dims[t] = tensors[t].dim > 0 ? tensors[t].dim : declared[t];
            return dims;
        }

        long windowsRun() { return windowsRun; }

        /** Fills every block (one per tensor, equal row counts) with the next rows. */
        void fill(List<Matrix> blocks) {
            int rows = blocks.getFirst().rows();
            for (int r = 0; r < rows; r++) {
                while (next == buffered) {
                    if (!runBatch()) throw new IllegalStateException("the text ran out of tokens at row " + r + " of a block");
                }
                for (int t = 0; t < tensors.length; t++) tensors[t].copyRow(next, blocks.get(t), r);
                next++;
            }
        }

        /** Runs the next batch of windows into the buffers; false when the corpus is exhausted. */
        private boolean runBatch() {
            List<int[]> batch = new ArrayList<>(windowsPerBatch);
            for (int[] w = windows.next(); w != null; w = windows.next()) {
                // Windows wholly inside the skipped tokens need no model run.
                if (batch.isEmpty() && toSkip >= w.length) {
                    toSkip -= w.length;
                    continue;
                }
                batch.add(w);
                if (batch.size() == windowsPerBatch) break;
            }
            if (batch.isEmpty()) return false;
            List<ActivationModel.Activations> acts = model.run(batch);
            windowsRun += batch.size();
            // The first position of each window that is a row (> 0 only in the window where the skip ends).
            int[] firstRow = new int[batch.size()];
            for (int w = 0; w < batch.size(); w++) {
                firstRow[w] = (int) Math.min(toSkip, batch.get(w).length);
                toSkip -= firstRow[w];
            }
            int pending = buffered - next;
            for (int t = 0; t < tensors.length; t++) buffered = pending + tensors[t].refill(next, pending, acts.get(t), batch, firstRow);
            next = 0;
            return true;
        }
    }

    /** One tensor's rows computed but not yet written. */
    private static final class TensorRows {
        private float[] values = new float[0];
        private int dim = -1;

        /**
         * Keeps rows [next, next + pending), moved to the front, and appends the batch's rows
         * (window w from position firstRow[w] on); returns how many it appended.
         */
        int refill(int next, int pending, ActivationModel.Activations acts, List<int[]> batch, int[] firstRow) {
            dim = acts.dim();
            int added = 0;
            for (int w = 0; w < batch.size(); w++) added += batch.get(w).length - firstRow[w];
            // The buffer grows only when a batch needs more room than it has.
            float[] rows = values.length >= (pending + added) * dim ? values : new float[(pending + added) * dim];
            System.arraycopy(values, next * dim, rows, 0, pending * dim);
            int count = pending;
            for (int w = 0; w < batch.size(); w++) {
                for (int i = firstRow[w]; i < batch.get(w).length; i++, count++) {
                    System.arraycopy(acts.values(), (w * acts.tokens() + i) * dim, rows, count * dim, dim);
                }
            }
            values = rows;
            return added;
        }

        void copyRow(int row, Matrix block, int r) {
            MemorySegment.copy(values, row * dim, block.data(), Matrix.FLOAT, (long) r * dim * Float.BYTES, dim);
        }
    }
}
