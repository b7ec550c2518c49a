package dev.saestitch.extract;

import dev.saestitch.input.InputException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts one document's token ids into windows the model can take: at most {@code context} tokens
 * each, the model's special tokens (e.g. BERT's [CLS] … [SEP]) around every window. Consecutive
 * windows do not overlap, so every text token is written once.
 */
final class ContextWindows {

    private final int[] prefix, suffix;
    private final int textPerWindow;

    ContextWindows(int[] prefix, int[] suffix, int context) {
        this.prefix = prefix.clone();
        this.suffix = suffix.clone();
        this.textPerWindow = context - prefix.length - suffix.length;
        if (textPerWindow < 1) throw new InputException("a context of " + context + " tokens leaves no room for text beside "
                + (prefix.length + suffix.length) + " special tokens");
    }

    /** The windows of a document's ids (without special tokens); none for an empty document. */
    List<int[]> of(int[] documentIds) {
        List<int[]> windows = new ArrayList<>();
        for (int from = 0; from < documentIds.length; from += textPerWindow) {
            int[] text = Arrays.copyOfRange(documentIds, from, Math.min(documentIds.length, from + textPerWindow));
            int[] window = new int[prefix.length + text.length + suffix.length];
            System.arraycopy(prefix, 0, window, 0, prefix.length);
            System.arraycopy(text, 0, window, prefix.length, text.length);
            System.arraycopy(suffix, 0, window, prefix.length + text.length, suffix.length);
            windows.add(window);
        }
        return windows;
    }
}
