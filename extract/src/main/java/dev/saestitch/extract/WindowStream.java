package dev.saestitch.extract;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * The corpus as one sequence of windows, pulled one at a time: documents are tokenised only as
 * windows are asked for. Counts the documents it has read.
 */
final class WindowStream implements AutoCloseable {

    private final Stream<String> documents;
    private final Iterator<String> next;
    private final TextTokenizer tokenizer;
    private final ContextWindows windows;
    private final ArrayDeque<int[]> pending = new ArrayDeque<>();
    private long documentsRead;

    WindowStream(TextCorpus corpus, TextTokenizer tokenizer, int context) {
        this.documents = corpus.documents();
        this.next = documents.iterator();
        this.tokenizer = tokenizer;
        this.windows = new ContextWindows(tokenizer.prefix(), tokenizer.suffix(), context);
    }

    /** The next window, or null when the corpus is exhausted. */
    int[] next() {
        while (pending.isEmpty() && next.hasNext()) {
            pending.addAll(windows.of(tokenizer.ids(next.next())));
            documentsRead++;
        }
        return pending.poll();
    }

    long documentsRead() { return documentsRead; }

    @Override
    public void close() { documents.close(); }
}
