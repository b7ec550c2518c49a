package dev.saestitch.extract;

import dev.saestitch.io.DType;
import dev.saestitch.io.Npy;
import dev.saestitch.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text in, a memory-mappable (N, D) {@code .npy} of per-token activations out. The corpus's
 * tokens, windows laid end to end, form one sequence; rows [skip, skip + max) of it are written,
 * padding never. A first pass only tokenises, to know N before the header is written; the second
 * runs the model window batch by window batch while the file streams to disk.
 */
public final class ActivationExtractor {

    /** What to extract. {@code maxTokens} ≤ 0 means the whole corpus. */
    public record Request(TextCorpus corpus, int context, long skipTokens, long maxTokens, int windowsPerBatch, DType dtype, Path out) {
        public Request {
            if (context < 2) throw new IllegalArgumentException("--context must be at least 2 tokens, got " + context);
            if (skipTokens < 0) throw new IllegalArgumentException("--skip-tokens cannot be negative, got " + skipTokens);
            if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens cannot be negative, got " + maxTokens + " (0 means every token)");
            if (windowsPerBatch < 1) throw new IllegalArgumentException("--batch must be at least 1 window, got " + windowsPerBatch);
            if (dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("activations are written as f32 or f16, not " + dtype);
        }
    }

    /** What was written. */
    public record Result(long tokens, int dim, long documents, long windows, double seconds) {
        public double tokensPerSecond() { return tokens / Math.max(1e-9, seconds); }
    }

    /** Told the number of rows once the text is counted, then how many are written. */
    public interface Listener {
        void counted(long rows);

        void written(long rows);
    }

    private ActivationExtractor() {}

    /** Tokens the corpus yields (special tokens included), counted without running the model, stopping once {@code enough} are seen. */
    public static long countTokens(TextCorpus corpus, TextTokenizer tokenizer, int context, long enough) {
        long tokens = 0;
        try (WindowStream windows = new WindowStream(corpus, tokenizer, context)) {
            for (int[] w = windows.next(); w != null && tokens < enough; w = windows.next()) tokens += w.length;
        }
        return tokens;
    }

    public static Result extract(Request request, TextTokenizer tokenizer, ActivationModel model, Listener listener) {
        long started = System.nanoTime();
        long wanted = request.maxTokens() > 0 ? request.skipTokens() + request.maxTokens() : Long.MAX_VALUE;
        long available = countTokens(request.corpus(), tokenizer, request.context(), wanted);
        long rows = Math.min(wanted, available) - request.skipTokens();
        if (available == 0) throw new IllegalArgumentException("the text has no tokens (no non-blank line)");
        if (rows <= 0) throw new IllegalArgumentException("the text holds " + available + " tokens, none after the " + request.skipTokens() + " skipped");
        listener.counted(rows);
        try (WindowStream windows = new WindowStream(request.corpus(), tokenizer, request.context())) {
            RowSource source = new RowSource(windows, model, request.skipTokens(), request.windowsPerBatch());
            int dim = model.declaredDim() > 0 ? model.declaredDim() : source.probeDim();
            Npy.write(request.out(), rows, dim, request.dtype(), (first, block) -> {
                source.fill(block);
                listener.written(first + block.rows());
            });
            return new Result(rows, dim, windows.documentsRead(), source.windowsRun(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** Token rows in corpus order, produced a model batch at a time and handed out in blocks of any size. */
    private static final class RowSource {
        private final WindowStream windows;
        private final ActivationModel model;
        private final int windowsPerBatch;
        private long toSkip;
        private long windowsRun;
        // Rows computed but not yet handed out: (count, dim) from offset `next`.
        private float[] buffered = new float[0];
        private int bufferedRows, next, dim = -1;

        RowSource(WindowStream windows, ActivationModel model, long skip, int windowsPerBatch) {
            this.windows = windows;
            this.model = model;
            this.toSkip = skip;
            this.windowsPerBatch = windowsPerBatch;
        }

        int probeDim() {
            if (dim < 0) runBatch();
            return dim;
        }

        long windowsRun() { return windowsRun; }

        void fill(Matrix block) {
            for (int r = 0; r < block.rows(); r++) {
                while (next == bufferedRows) {
                    if (!runBatch()) throw new IllegalStateException("the text ran out of tokens at row " + r + " of a block");
                }
                MemorySegment.copy(buffered, next * dim, block.data(), Matrix.FLOAT, (long) r * dim * Float.BYTES, dim);
                next++;
            }
        }

        /** Runs the next batch of windows into the buffer; false when the corpus is exhausted. */
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
            ActivationModel.Activations acts = model.run(batch);
            windowsRun += batch.size();
            dim = acts.dim();
            // Rows not yet handed out move to the front; the buffer grows only when a batch needs more room.
            int count = bufferedRows - next;
            int needed = (count + batch.stream().mapToInt(w -> w.length).sum()) * dim;
            float[] rows = buffered.length >= needed ? buffered : new float[needed];
            System.arraycopy(buffered, next * dim, rows, 0, count * dim);
            for (int w = 0; w < batch.size(); w++) {
                int from = (int) Math.min(toSkip, batch.get(w).length);
                toSkip -= from;
                for (int i = from; i < batch.get(w).length; i++) {
                    System.arraycopy(acts.values(), ((w * acts.tokens()) + i) * dim, rows, count * dim, dim);
                    count++;
                }
            }
            buffered = rows;
            bufferedRows = count;
            next = 0;
            return true;
        }
    }
}
