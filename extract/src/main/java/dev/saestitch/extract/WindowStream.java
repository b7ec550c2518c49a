package dev.saestitch.extract;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The corpus as one sequence of windows, pulled one at a time: documents are tokenised only as
 * windows are asked for. Counts the documents it has read and keeps the string of every token id
 * it has seen (the vocabulary of the provenance files).
 */
final class WindowStream implements AutoCloseable {

    /** A window's token ids, special tokens included, and the index of its document in the corpus (from 0). */
    record Window(int document, int[] ids) {}

    private final Stream<String> documents;
    private final Iterator<String> next;
    private final TextTokenizer tokenizer;
    private final ContextWindows windows;
    private final ArrayDeque<Window> pending = new ArrayDeque<>();
    private final SortedMap<Integer, String> vocabulary;
    private int documentsRead;

    WindowStream(TextCorpus corpus, TextTokenizer tokenizer, int context) {
        this.documents = corpus.documents();
        this.next = documents.iterator();
        this.tokenizer = tokenizer;
        this.windows = new ContextWindows(tokenizer.prefix(), tokenizer.suffix(), context);
        this.vocabulary = new TreeMap<>(tokenizer.specialTokens());
    }

    /** The next window, or null when the corpus is exhausted. */
    Window next() {
        while (pending.isEmpty() && next.hasNext()) {
            TextTokenizer.Tokens tokens = tokenizer.tokens(next.next());
            for (int i = 0; i < tokens.ids().length; i++) vocabulary.putIfAbsent(tokens.ids()[i], tokens.strings()[i]);
            for (int[] w : windows.of(tokens.ids())) pending.add(new Window(documentsRead, w));
            documentsRead = Math.addExact(documentsRead, 1);
        }
        return pending.poll();
    }

    long documentsRead() { return documentsRead; }

    /** The strings of the token ids seen so far, special tokens included. */
    SortedMap<Integer, String> vocabulary() { return vocabulary; }

    @Override
    public void close() { documents.close(); }
}
