package dev.saestitch.extract;

import dev.saestitch.data.ProvenanceWriter;
import dev.saestitch.data.TokenProvenance;
import dev.saestitch.input.InputException;
import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;

/**
 * Text in, memory-mappable (N, D) {@code .npy} files of per-token activations out, one per tensor
 * the model returns, all from one pass of the model. The corpus's tokens, windows laid end to end,
 * form one sequence; rows [skip, skip + max) of it are written, padding never. A first pass only
 * tokenises, to know N before the headers are written; the second runs the model window batch by
 * window batch while the files stream to disk. Beside every file goes its {@link TokenProvenance}
 * (document, position in the window and token of each row, and the token strings), committed with it.
 */
public final class ActivationExtractor {

    /** {@link Request#maxTokens()} of a request for the whole text. */
    public static final long EVERY_TOKEN = Long.MAX_VALUE;

    /** Rows per block handed to the writers: about 8 MiB of the widest tensor. */
    private static final long BLOCK_BYTES = 8L << 20;

    /**
     * What to extract. {@code maxTokens} = {@link #EVERY_TOKEN} means the whole corpus; {@code outs} has one file
     * per tensor of the model, in {@link ActivationModel#tensors()} order.
     */
    public record Request(TextCorpus corpus, int context, long skipTokens, long maxTokens, int windowsPerBatch, DType dtype, List<Path> outs) {
        public Request {
            if (context < 2) throw new InputException("--context must be at least 2 tokens, got " + context);
            if (skipTokens < 0) throw new InputException("--skip-tokens cannot be negative, got " + skipTokens);
            if (maxTokens < 1) throw new InputException("--max-tokens must be at least 1, got " + maxTokens);
            if (windowsPerBatch < 1) throw new InputException("--batch must be at least 1 window, got " + windowsPerBatch);
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
            for (WindowStream.Window w = windows.next(); w != null && tokens < enough; w = windows.next()) tokens += w.ids().length;
        }
        return tokens;
    }

    public static Result extract(Request request, TextTokenizer tokenizer, ActivationModel model, Listener listener) {
        int tensors = model.tensors().size();
        if (request.outs().size() != tensors)
            throw new IllegalArgumentException(request.outs().size() + " output files for " + tensors + " tensors");
        long started = System.nanoTime();
        long wanted = request.maxTokens() > Long.MAX_VALUE - request.skipTokens() ? Long.MAX_VALUE : request.skipTokens() + request.maxTokens();
        long available = countTokens(request.corpus(), tokenizer, request.context(), wanted);
        long rows = Math.min(wanted, available) - request.skipTokens();
        if (available == 0) throw new InputException("the text has no tokens (no non-blank line)");
        if (rows <= 0) throw new InputException("the text holds " + available + " tokens, none after the " + request.skipTokens() + " skipped");
        listener.counted(rows);
        try (WindowStream windows = new WindowStream(request.corpus(), tokenizer, request.context());
             Arena arena = Arena.ofConfined();
             Writers writers = new Writers()) {
            RowSource source = new RowSource(windows, model, request.skipTokens(), request.windowsPerBatch());
            int[] dims = source.dims();
            for (int t = 0; t < tensors; t++) writers.add(request.outs().get(t), rows, dims[t], request.dtype());
            int blockRows = (int) Math.max(1, Math.min(rows, BLOCK_BYTES / ((long) Arrays.stream(dims).max().orElseThrow() * Float.BYTES)));
            List<Matrix> blocks = new ArrayList<>();
            for (int dim : dims) blocks.add(Matrix.allocate(arena, blockRows, dim));
            int[] provenance = new int[blockRows * TokenProvenance.COLUMNS];
            for (long first = 0; first < rows; first += blockRows) {
                int n = (int) Math.min(blockRows, rows - first);
                List<Matrix> views = blocks.stream().map(b -> b.rows(0, n)).toList();
                source.fill(views, provenance);
                writers.append(views, provenance, n);
                listener.written(first + n);
            }
            writers.commitAll(windows.vocabulary());
            return new Result(rows, dims, windows.documentsRead(), source.windowsRun(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** The open writers, an activations file and its provenance per tensor: committed together, or all abandoned on close. */
    private record Writers(List<Npy.Writer> values, List<ProvenanceWriter> provenances) implements AutoCloseable {
        Writers() { this(new ArrayList<>(), new ArrayList<>()); }

        void add(Path out, long rows, int dim, DType dtype) {
            values.add(Npy.writer(out, rows, dim, dtype));
            provenances.add(new ProvenanceWriter(out, rows));
        }

        /** The block of every tensor, and the first {@code rows} rows of the provenance triples, which every file shares. */
        void append(List<Matrix> blocks, int[] provenance, int rows) {
            for (int t = 0; t < values.size(); t++) {
                values.get(t).append(blocks.get(t));
                provenances.get(t).append(provenance, rows);
            }
        }

        void commitAll(SortedMap<Integer, String> vocabulary) {
            for (int t = 0; t < values.size(); t++) provenances.get(t).commitWith(values.get(t), vocabulary);
        }

        @Override public void close() {
            values.forEach(Npy.Writer::close);
            provenances.forEach(ProvenanceWriter::close);
        }
    }

    /** Token rows in corpus order, for every tensor, produced a model batch at a time and handed out in blocks of any size. */
    private static final class RowSource {
        private final WindowStream windows;
        private final ActivationModel model;
        private final int windowsPerBatch;
        private final TensorRows[] tensors;
        // [document, position, token] of every row of the last batch
        private int[] provenance = new int[0];
        private long toSkip;
        private long windowsRun;
        // Rows of the last batch not yet handed out: [next, buffered) of every buffer.
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

        /** Fills every block (one per tensor, equal row counts) with the next rows, and {@code provenance} with their triples. */
        void fill(List<Matrix> blocks, int[] provenance) {
            int rows = blocks.getFirst().rows();
            for (int r = 0; r < rows; r++) {
                while (next == buffered) {
                    if (!runBatch()) throw new IllegalStateException("the text ran out of tokens at row " + r + " of a block");
                }
                for (int t = 0; t < tensors.length; t++) tensors[t].copyRow(next, blocks.get(t), r);
                System.arraycopy(this.provenance, next * TokenProvenance.COLUMNS, provenance, r * TokenProvenance.COLUMNS, TokenProvenance.COLUMNS);
                next++;
            }
        }

        /** Runs the next batch of windows into the buffers, once the last batch's rows are all handed out; false when the corpus is exhausted. */
        private boolean runBatch() {
            List<WindowStream.Window> windowBatch = new ArrayList<>(windowsPerBatch);
            for (WindowStream.Window w = windows.next(); w != null; w = windows.next()) {
                // Windows wholly inside the skipped tokens need no model run.
                if (windowBatch.isEmpty() && toSkip >= w.ids().length) {
                    toSkip -= w.ids().length;
                    continue;
                }
                windowBatch.add(w);
                if (windowBatch.size() == windowsPerBatch) break;
            }
            if (windowBatch.isEmpty()) return false;
            List<int[]> batch = windowBatch.stream().map(WindowStream.Window::ids).toList();
            List<ActivationModel.Activations> acts = model.run(batch);
            windowsRun += batch.size();
            // The first position of each window that is a row (> 0 only in the window where the skip ends).
            int[] firstRow = new int[batch.size()];
            int rows = 0;
            for (int w = 0; w < batch.size(); w++) {
                firstRow[w] = (int) Math.min(toSkip, batch.get(w).length);
                toSkip -= firstRow[w];
                rows += batch.get(w).length - firstRow[w];
            }
            for (int t = 0; t < tensors.length; t++) tensors[t].refill(rows, acts.get(t), batch, firstRow);
            if (provenance.length < rows * TokenProvenance.COLUMNS) provenance = new int[rows * TokenProvenance.COLUMNS];
            for (int w = 0, r = 0; w < batch.size(); w++) {
                for (int i = firstRow[w]; i < batch.get(w).length; i++, r++) {
                    provenance[r * TokenProvenance.COLUMNS + TokenProvenance.DOCUMENT] = windowBatch.get(w).document();
                    provenance[r * TokenProvenance.COLUMNS + TokenProvenance.POSITION] = i;
                    provenance[r * TokenProvenance.COLUMNS + TokenProvenance.TOKEN] = batch.get(w)[i];
                }
            }
            buffered = rows;
            next = 0;
            return true;
        }
    }

    /** One tensor's rows computed but not yet written. */
    private static final class TensorRows {
        private float[] values = new float[0];
        private int dim = -1;

        /** Replaces the buffer's rows with the batch's {@code rows} rows (window w from position firstRow[w] on). */
        void refill(int rows, ActivationModel.Activations acts, List<int[]> batch, int[] firstRow) {
            dim = acts.dim();
            // The buffer grows only when a batch needs more room than it has.
            if (values.length < rows * dim) values = new float[rows * dim];
            int count = 0;
            for (int w = 0; w < batch.size(); w++) {
                for (int i = firstRow[w]; i < batch.get(w).length; i++, count++) {
                    System.arraycopy(acts.values(), (w * acts.tokens() + i) * dim, values, count * dim, dim);
                }
            }
        }

        void copyRow(int row, Matrix block, int r) {
            MemorySegment.copy(values, row * dim, block.data(), Matrix.FLOAT, (long) r * dim * Float.BYTES, dim);
        }
    }
}
